import { type ParseArgsConfig, parseArgs } from 'node:util'

/** A command line the tool cannot run with: the problem and the usage on stderr, exit code 2. */
export function usageError(problem: string, usage: string): never {
  console.error(`${problem}\n\n${usage}`)
  process.exit(2)
}

/**
 * Parses a tool's flags strictly (no positionals, no unknown flags); `--help` prints the usage
 * and exits 0, anything it cannot parse is a usage error.
 */
export function parseFlags<O extends NonNullable<ParseArgsConfig['options']>>(
  argv: string[],
  options: O,
  usage: string,
) {
  let values: ReturnType<
    typeof parseArgs<{ options: O; strict: true; allowPositionals: false }>
  >['values']
  try {
    values = parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }).values as typeof values
  } catch (error) {
    usageError((error as Error).message, usage)
  }
  if ((values as { help?: boolean }).help) {
    console.log(usage)
    process.exit(0)
  }
  return values
}
