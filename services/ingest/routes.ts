import { Hono } from 'hono'
import type { OutboxWriter } from '../../shared/bus/outbox-writer.ts'
import type { EventEnvelope } from '../../shared/events/envelope.ts'
import { readJsonBody } from '../../shared/http/json-body.ts'
import { httpMetrics } from '../../shared/observability/metrics.ts'
import { parseIngestBody, parseTrackBody } from './intake.ts'

export interface IngestDeps {
  /** Group commit into the outbox; it wakes the relay once the events are durable. */
  outbox: OutboxWriter
}

/**
 * The event endpoints. Events are durable once they are in the outbox (one libSQL transaction),
 * so a 202 never depends on the broker being up; the relay publishes them in order.
 */
export function ingestRoutes(deps: IngestDeps): Hono {
  const app = new Hono()

  async function accept(events: EventEnvelope[]): Promise<number> {
    const added = await deps.outbox.append(events)
    httpMetrics.ingested.inc(added)
    return added
  }

  // Parsed by hand rather than with zValidator: a batch is all or nothing, each bad field is named
  // with its index, and more than 1,000 events is a 413, not a 400.
  app.post('/api/events', async (c) => {
    const events = parseIngestBody(await readJsonBody(c))
    const added = await accept(events)
    return c.json(
      { accepted: events.length, duplicates: events.length - added, ids: events.map((e) => e.id) },
      202,
    )
  })

  app.post('/api/events/track', async (c) => {
    const event = parseTrackBody(await readJsonBody(c))
    await accept([event])
    return c.json({ success: true, message: 'Event tracked successfully', eventId: event.id })
  })

  return app
}
