import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Hono } from 'hono'

const ROOT = join(import.meta.dir, '..')

// Served from node_modules and web/static under our own path: the CSP allows only 'self', and a
// shop must not break when a CDN does.
const FILES: Record<string, { path: string; type: string }> = {
  'htmx.min.js': { path: 'node_modules/htmx.org/dist/htmx.min.js', type: 'text/javascript' },
  // htmx 4's SSE extension: an element with hx-sse:connect swaps in each unnamed message.
  'hx-sse.min.js': {
    path: 'node_modules/htmx.org/dist/ext/hx-sse.min.js',
    type: 'text/javascript',
  },
  'app.css': { path: 'web/static/app.css', type: 'text/css' },
  // The admin's charts: uPlot, and our script that draws each chart element with it.
  'uPlot.iife.min.js': {
    path: 'node_modules/uplot/dist/uPlot.iife.min.js',
    type: 'text/javascript',
  },
  'uPlot.min.css': { path: 'node_modules/uplot/dist/uPlot.min.css', type: 'text/css' },
  'charts.js': { path: 'web/static/charts.js', type: 'text/javascript' },
  'favicon.svg': { path: 'web/static/favicon.svg', type: 'image/svg+xml' },
}

/** `/static/*`: read once at start-up, cached by browsers for an hour. */
export function staticRoutes(): Hono {
  const app = new Hono()
  const loaded = new Map(
    Object.entries(FILES).map(([name, f]) => [
      name,
      { body: readFileSync(join(ROOT, f.path)), type: f.type },
    ]),
  )
  app.get('/static/:name', (c) => {
    const file = loaded.get(c.req.param('name'))
    if (!file) return c.notFound()
    return c.body(file.body, 200, {
      'content-type': file.type,
      'cache-control': 'public, max-age=3600',
    })
  })
  return app
}
