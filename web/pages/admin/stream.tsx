// The admin's Stream tab: the broker's topics and consumer groups (live), a topic's dead letters
// with their errors and replay of one or all, and a live tail of a topic with a filter.
import { Hono } from 'hono'
import { z } from 'zod'
import type { VisitorEnv } from '../../../services/accounts/index.ts'
import type { EventBus } from '../../../shared/bus/types.ts'
import { listDeadLetters, replayDeadLetters } from '../../../shared/consumers/dlq.ts'
import { ValidationError } from '../../../shared/errors.ts'
import { catalogWithDlqs } from '../../../shared/events/topics.ts'
import { groupRows, topicRows } from './stream-data.ts'
import { DeadLettersPage, StreamPage, TailPage } from './stream-views.tsx'

/** The live part of the Stream page. */
export const STREAM_PART = 'admin-stream'

/** The live part of a tail: the topic and the filter, base64url so any text fits a part name. */
export function tailPart(topic: string, q: string): string {
  return `admin-tail:${topic}~${Buffer.from(q).toString('base64url')}`
}

export function parseTailPart(argument: string): { topic: string; q: string } {
  const [topic = '', encoded = ''] = argument.split('~')
  return { topic: catalogTopic(topic), q: Buffer.from(encoded, 'base64url').toString('utf8') }
}

/** A topic of the catalog (a DLQ included); anything else is a 400. */
export function catalogTopic(name: string): string {
  if (!catalogWithDlqs().some((t) => t.name === name))
    throw new ValidationError(`No topic '${name.slice(0, 80)}' in the catalog`, [
      { field: 'topic', message: 'Choose a topic of the catalog' },
    ])
  return name
}

const MAX_FILTER_BYTES = 60
/** The newest dead letters a page lists (replay all still takes every one). */
const LETTERS_SHOWN = 200

const replayForm = z.object({ offset: z.string().regex(/^\d+$/).optional() })

export function adminStreamPages(deps: { bus: EventBus }): Hono<VisitorEnv> {
  const app = new Hono<VisitorEnv>()
  const { bus } = deps

  app.get('/admin/stream', async (c) => {
    const [{ rows }, groups] = await Promise.all([topicRows(bus), groupRows(bus)])
    return c.html(
      <StreamPage visitor={c.get('visitor')} topics={rows} groups={groups} live={STREAM_PART} />,
    )
  })

  app.get('/admin/stream/dlq/:topic', async (c) => {
    const topic = catalogTopic(c.req.param('topic'))
    if (!topic.endsWith('.dlq')) return c.redirect(`/admin/stream/dlq/${topic}.dlq`, 302)
    const replayed = c.req.query('replayed')
    const letters = await listDeadLetters(bus, topic)
    return c.html(
      <DeadLettersPage
        visitor={c.get('visitor')}
        topic={topic}
        letters={letters.slice(-LETTERS_SHOWN)}
        total={letters.length}
        replayed={replayed && /^\d+$/.test(replayed) ? Number(replayed) : null}
      />,
    )
  })

  // Publishes one dead letter (by its DLQ offset) or all of them to their topic again; they keep
  // their event ids, so a group that applied one already skips it.
  app.post('/admin/stream/dlq/:topic/replay', async (c) => {
    const topic = catalogTopic(c.req.param('topic'))
    const form = replayForm.safeParse(await c.req.parseBody())
    if (!form.success)
      throw new ValidationError('The offset is invalid', [
        { field: 'offset', message: 'A dead letter’s offset (digits)' },
      ])
    const offset = form.data.offset === undefined ? undefined : BigInt(form.data.offset)
    const replayed = await replayDeadLetters(bus, topic, { offset }).catch((error: unknown) => {
      if (error instanceof Error && error.message.includes('has no record at offset'))
        throw new ValidationError(error.message, [{ field: 'offset', message: error.message }])
      throw error
    })
    return c.redirect(
      `/admin/stream/dlq/${encodeURIComponent(topic)}?replayed=${replayed.length}`,
      303,
    )
  })

  app.get('/admin/stream/tail', (c) => {
    const topic = catalogTopic(c.req.query('topic') ?? '')
    const q = c.req.query('q') ?? ''
    // The filter travels in the part's name, which the stream cuts at 128 characters.
    if (Buffer.byteLength(q) > MAX_FILTER_BYTES)
      throw new ValidationError('The filter is too long', [
        { field: 'q', message: `At most ${MAX_FILTER_BYTES} bytes` },
      ])
    return c.html(
      <TailPage visitor={c.get('visitor')} topic={topic} q={q} live={tailPart(topic, q)} />,
    )
  })

  return app
}
