import type { IConfiguration } from 'dependency-cruiser'

// The import rules of the code base (CONVENTIONS.md, "Imports run one way"), for dependency-cruiser:
// `bun run deps` prints any violation, and test/architecture/imports.test.ts fails on one.

/** The folders the rules govern: the shop's own code, not its tests or benches. */
export const SOURCE_FOLDERS = ['services', 'web', 'shared', 'tools']

const config: IConfiguration = {
  forbidden: [
    {
      name: 'shared-knows-no-service-or-page',
      comment: 'shared/ is what every service uses; it must not depend on any of them, or on web/.',
      severity: 'error',
      from: { path: '^shared/' },
      to: { path: '^(services|web)/' },
    },
    {
      name: 'services-know-no-page',
      comment: 'Pages, fragments and HTML routes live in web/, which reads through the services.',
      severity: 'error',
      from: { path: '^services/' },
      to: { path: '^web/' },
    },
    {
      name: 'service-uses-another-only-through-its-index',
      comment:
        "A service reaches another only through that service's index.ts, its public functions.",
      severity: 'error',
      from: { path: '^services/([^/]+)/' },
      to: { path: '^services/', pathNot: ['^services/$1/', '^services/[^/]+/index[.]ts$'] },
    },
    {
      name: 'tools-talk-http',
      comment:
        'tools/ are clients of the public HTTP API (the simulator): they may use shared/, never a service or a page.',
      severity: 'error',
      from: { path: '^tools/' },
      to: { path: '^(services|web)/' },
    },
    {
      name: 'events-know-no-bus',
      comment:
        'The bus carries events: shared/bus uses shared/events, never the other way round, so the envelope and the bus types form no cycle.',
      severity: 'error',
      from: { path: '^shared/events/' },
      to: { path: '^shared/bus/' },
    },
    {
      name: 'no-tests-or-benches-in-the-shop',
      comment: 'The shop runs without its tests and benches.',
      severity: 'error',
      from: { path: '^(services|web|shared|tools)/' },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'no-circular',
      comment: 'A cycle ties modules into one; break it by moving what both need one level down.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    // TypeScript 7 has no JavaScript compiler API for dependency-cruiser to parse with; swc parses
    // TypeScript and reports type-only imports too, which count: a type import is still an arrow.
    parser: 'swc',
    doNotFollow: { path: 'node_modules' },
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js', '.mjs'] },
  },
}

export default config
