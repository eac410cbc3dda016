// The request log's writer thread: turns the asks the serving thread noted into
// `recommendation.requested` and `recommendation.served` events and appends them to the outbox
// with a connection of its own. It answers once each batch is committed (or refused).
import { OutboxWriter } from '../../shared/bus/outbox-writer.ts'
import { type Database, openDatabase } from '../../shared/db/client.ts'
import { createEvent, type EventEnvelope } from '../../shared/events/envelope.ts'
import type { LoggedAsk, RequestLogReport, RequestLogRequest } from './request-log.ts'

declare const self: Worker

const SOURCE = '/streamshop/recommender'

let opened: Promise<{ database: Database; outbox: OutboxWriter; replica: string }> | null = null
/** Batches are written one after another, in the order they came. */
let writing: Promise<void> = Promise.resolve()

const reply = (report: RequestLogReport) => self.postMessage(report)

function eventsOf(ask: LoggedAsk, replica: string): EventEnvelope[] {
  const requestId = Bun.randomUUIDv7(undefined, ask.at)
  const time = new Date(ask.at)
  const { productIds, coldStart, durationMs, at: _, ...request } = ask
  return [
    createEvent(
      'recommendation.requested',
      { requestId, replica, ...request },
      { source: SOURCE, time },
    ),
    createEvent(
      'recommendation.served',
      {
        requestId,
        replica,
        userId: ask.userId,
        strategy: ask.strategy,
        productIds,
        coldStart,
        durationMs: Math.round(durationMs * 1000) / 1000,
      },
      { source: SOURCE, time },
    ),
  ]
}

self.onmessage = (event: MessageEvent<RequestLogRequest>) => {
  const request = event.data
  if (request.type === 'open') {
    const { url, authToken, synchronous, replica } = request
    opened = openDatabase(url, authToken, { synchronous }).then((database) => ({
      database,
      outbox: new OutboxWriter(database.client),
      replica,
    }))
    return
  }
  if (request.type === 'close') {
    writing = writing.then(async () => {
      ;(await opened)?.database.close()
      reply({ type: 'closed' })
    })
    return
  }
  const { asks } = request
  writing = writing.then(async () => {
    try {
      if (!opened) throw new Error('the request log thread was not opened')
      const { outbox, replica } = await opened
      await outbox.append(asks.flatMap((ask) => eventsOf(ask, replica)))
      reply({ type: 'written', asks: asks.length })
    } catch (error) {
      reply({
        type: 'failed',
        asks: asks.length,
        message: String((error as Error)?.message ?? error),
      })
    }
  })
}
