// Every table of an admin page can be had as CSV, as the page shows it: `?csv=<table id>` on the
// page's own address answers that table's header and rows (same range, sort and filters), and the
// page lists a link for each of its tables. One mechanism for every tab, so no table is left out.
import type { MiddlewareHandler } from 'hono'
import { ValidationError } from '../../../shared/errors.ts'
import { toCsv } from '../../../shared/http/csv.ts'

/** A table as the page shows it: its caption, header row and body rows, as text. */
export interface ShownTable {
  id: string
  caption: string
  header: string[]
  rows: string[][]
}

const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
}

/** HTML text with its character references decoded (the parser hands them over raw). */
function decoded(html: string): string {
  return html.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name.startsWith('#x') || name.startsWith('#X'))
      return String.fromCodePoint(Number.parseInt(name.slice(2), 16))
    if (name.startsWith('#')) return String.fromCodePoint(Number(name.slice(1)))
    return ENTITIES[name.toLowerCase()] ?? whole
  })
}

/** Text as the browser shows it: references decoded, runs of white space as one space. */
function shown(html: string): string {
  return decoded(html).replace(/\s+/g, ' ').trim()
}

/** The tables with an id in an admin page, read with Bun's HTML parser (never with patterns). */
export async function tablesOf(html: string): Promise<ShownTable[]> {
  const tables: ShownTable[] = []
  let table: ShownTable | null = null
  let row: string[] | null = null
  let inHead = false
  let text: string | null = null
  let caption: string | null = null
  const rewriter = new HTMLRewriter()
    .on('table.admin-table[id]', {
      element(el) {
        table = { id: decoded(el.getAttribute('id') ?? ''), caption: '', header: [], rows: [] }
        const current = table
        tables.push(current)
        el.onEndTag(() => {
          if (table === current) table = null
        })
      },
    })
    .on('table.admin-table[id] caption', {
      element(el) {
        caption = ''
        el.onEndTag(() => {
          if (table && caption !== null) table.caption = shown(caption)
          caption = null
        })
      },
      text(chunk) {
        if (caption !== null) caption += chunk.text
      },
    })
    .on('table.admin-table[id] thead', {
      element(el) {
        inHead = true
        el.onEndTag(() => {
          inHead = false
        })
      },
    })
    .on('table.admin-table[id] tr', {
      element(el) {
        row = []
        const current = row
        el.onEndTag(() => {
          if (!table || row !== current) return
          if (inHead) table.header = current
          else table.rows.push(current)
          row = null
        })
      },
    })
    .on('table.admin-table[id] tr > th, table.admin-table[id] tr > td', {
      element(el) {
        text = ''
        el.onEndTag(() => {
          if (row && text !== null) row.push(shown(text))
          text = null
        })
      },
      text(chunk) {
        if (text !== null) text += chunk.text
      },
    })
  await rewriter.transform(new Response(html)).text()
  return tables
}

/** Links to each table's CSV, placed after the page's first heading. */
function withLinks(html: string, tables: ShownTable[], url: URL): string {
  const links = tables.map((t) => {
    const query = new URLSearchParams(url.search)
    query.set('csv', t.id)
    const href = `${url.pathname}?${query}`.replaceAll('&', '&amp;')
    const label = (t.caption || t.id).replaceAll('&', '&amp;').replaceAll('<', '&lt;')
    return `<li><a href="${href}" download>${label}</a></li>`
  })
  const list = `<nav class="table-exports" aria-label="Tables as CSV"><span>Tables as CSV:</span><ul>${links.join('')}</ul></nav>`
  const at = html.indexOf('</h1>')
  return at < 0 ? html : `${html.slice(0, at + 5)}${list}${html.slice(at + 5)}`
}

/**
 * For the admin pages: `?csv=<id>` answers that table as CSV; otherwise a page with tables gets a
 * link to each. A table the page does not have is a 400 naming the ones it has.
 */
export const tablesAsCsv: MiddlewareHandler = async (c, next) => {
  await next()
  const type = c.res.headers.get('content-type') ?? ''
  if (c.req.method !== 'GET' || c.res.status !== 200 || !type.includes('text/html')) return
  const url = new URL(c.req.url)
  const html = await c.res.text()
  const tables = await tablesOf(html)
  const wanted = url.searchParams.get('csv')
  if (wanted === null) {
    const headers = new Headers(c.res.headers)
    headers.delete('content-length')
    c.res = new Response(tables.length ? withLinks(html, tables, url) : html, {
      status: c.res.status,
      headers,
    })
    return
  }
  const table = tables.find((t) => t.id === wanted)
  if (!table) {
    const message = `csv must name a table of this page: ${tables.map((t) => t.id).join(', ')}`
    throw new ValidationError(message, [{ field: 'csv', message }])
  }
  c.res = new Response(toCsv(table.header, table.rows), {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      // The id may hold what an admin typed (an experiment's id): only safe characters in a header.
      'content-disposition': `attachment; filename="${table.id.replace(/[^\w.-]/g, '_')}.csv"`,
    },
  })
}
