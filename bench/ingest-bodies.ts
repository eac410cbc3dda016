// The request bodies of the ingest bench, written twice: as Lua for wrk and as TypeScript for the
// fetch client used where wrk is not installed. Both produce the same JSON.

/** What one workload sends: how many events per request and in which shape. */
export interface BodyShape {
  /** One event as the seed's React hook sends it, or `{ events }` batches. */
  kind: 'single' | 'batch'
  /** `ours` is Streamshop's `POST /api/events`; `seed` the baseline's `POST /api/events/track`. */
  dialect: 'ours' | 'seed'
  eventsPerRequest: number
}

// Ten events per user keeps keys spread over every partition without one key per record.
const EVENTS_PER_USER = 10
const PRODUCTS = 500

let invocations = 0

/**
 * A prefix no earlier load of this run used: batch events carry ids, and Streamshop would accept a
 * repeated id once, doing no work for it.
 */
function freshPrefix(): string {
  return `${Date.now().toString(36)}-${invocations++}`
}

/** A Lua chunk defining `body()` for wrk (LuaJIT: no integer division operator). */
export function bodyLua(shape: BodyShape): string {
  const single =
    shape.dialect === 'ours'
      ? `'{"type":"product_view","userId":"u-' .. run .. '-' .. user .. '","productId":"p-' .. product .. '","data":{"source":"bench"}}'`
      : `'{"userId":"u-' .. run .. '-' .. user .. '","eventType":"product_view","productId":"p-' .. product .. '","metadata":{"source":"bench"}}'`
  return `
local run = "${freshPrefix()}"
local seq = 0
local function next_event()
  local n = seq
  seq = seq + 1
  return n, math.floor(n / ${EVENTS_PER_USER}), n % ${PRODUCTS}
end
${
  shape.kind === 'single'
    ? `function body()
  local n, user, product = next_event()
  return ${single}
end`
    : `function body()
  local parts = {}
  for i = 1, ${shape.eventsPerRequest} do
    local n, user, product = next_event()
    parts[i] = '{"id":"bench-' .. run .. '-' .. n .. '","type":"product_view","userId":"u-' .. run .. '-' .. user .. '","productId":"p-' .. product .. '"}'
  end
  return '{"events":[' .. table.concat(parts, ",") .. ']}'
end`
}
`
}

/** The same bodies for the fetch client: a fresh one per call. */
export function bodyMaker(shape: BodyShape): () => { body: string; events: number } {
  const run = freshPrefix()
  let seq = 0
  const next = () => {
    const n = seq++
    return { n, user: `u-${run}-${Math.floor(n / EVENTS_PER_USER)}`, product: `p-${n % PRODUCTS}` }
  }
  if (shape.kind === 'single') {
    return () => {
      const { user, product } = next()
      const event =
        shape.dialect === 'ours'
          ? { type: 'product_view', userId: user, productId: product, data: { source: 'bench' } }
          : {
              userId: user,
              eventType: 'product_view',
              productId: product,
              metadata: { source: 'bench' },
            }
      return { body: JSON.stringify(event), events: 1 }
    }
  }
  return () => {
    const events = Array.from({ length: shape.eventsPerRequest }, () => {
      const { n, user, product } = next()
      return { id: `bench-${run}-${n}`, type: 'product_view', userId: user, productId: product }
    })
    return { body: JSON.stringify({ events }), events: shape.eventsPerRequest }
  }
}

/** The path each side takes the shape on. */
export function pathFor(shape: BodyShape): string {
  return shape.kind === 'single' && shape.dialect === 'seed' ? '/api/events/track' : '/api/events'
}
