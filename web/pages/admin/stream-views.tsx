import type { FC } from 'hono/jsx'
import type { Visitor } from '../../../services/accounts/index.ts'
import type { ConsumedRecord } from '../../../shared/bus/types.ts'
import type { DeadLetter } from '../../../shared/consumers/dlq.ts'
import { CsrfField } from '../../layout.tsx'
import { AdminLayout } from './admin-layout.tsx'
import type { GroupRow, TopicRow } from './stream-data.ts'

const rate = (perSecond: number | null) => (perSecond === null ? '–' : perSecond.toFixed(1))

/** Topics and groups: the part the page's stream re-renders. */
export const StreamFigures: FC<{ topics: TopicRow[]; groups: GroupRow[] }> = ({
  topics,
  groups,
}) => (
  <section id="admin-stream-figures">
    <table class="admin-table" id="stream-topics">
      <caption>Topics</caption>
      <thead>
        <tr>
          <th scope="col">Topic</th>
          <th scope="col">Partitions</th>
          <th scope="col">End offsets</th>
          <th scope="col">Records kept</th>
          <th scope="col">Records/s</th>
        </tr>
      </thead>
      <tbody>
        {topics.map((t) => (
          <tr data-topic={t.name}>
            <td>
              {t.name.endsWith('.dlq') && t.records > 0n ? (
                <a href={`/admin/stream/dlq/${encodeURIComponent(t.name)}`}>{t.name}</a>
              ) : (
                t.name
              )}
            </td>
            <td>{t.partitions.length}</td>
            <td class="end-offsets">{t.partitions.map((p) => String(p.end)).join(' ')}</td>
            <td>{String(t.records)}</td>
            <td>{rate(t.perSecond)}</td>
          </tr>
        ))}
      </tbody>
    </table>
    <table class="admin-table" id="stream-groups">
      <caption>Consumer groups</caption>
      <thead>
        <tr>
          <th scope="col">Group</th>
          <th scope="col">State</th>
          <th scope="col">Members</th>
          <th scope="col">Lag</th>
          <th scope="col">Lag per partition</th>
        </tr>
      </thead>
      <tbody>
        {groups.map((g) => (
          <tr data-group={g.group}>
            <td>{g.group}</td>
            <td>{g.members > 0 ? 'active' : 'empty'}</td>
            <td>{g.members}</td>
            <td class="lag">{String(g.lag)}</td>
            <td>
              {g.partitions
                .filter((p) => p.lag > 0n)
                .map((p) => `${p.topic}[${p.partition}] ${p.lag}`)
                .join(', ') || '–'}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  </section>
)

export const StreamPage: FC<{
  visitor: Visitor
  topics: TopicRow[]
  groups: GroupRow[]
  live: string
}> = ({ visitor, topics, groups, live }) => (
  <AdminLayout title="Stream" visitor={visitor} tab="stream" live={[live]}>
    <h1>Stream</h1>
    <form method="get" action="/admin/stream/tail" class="range-filter">
      <label>
        Tail a topic
        <select name="topic">
          {topics.map((t) => (
            <option value={t.name}>{t.name}</option>
          ))}
        </select>
      </label>
      <label>
        Only records containing <input name="q" maxlength={60} />
      </label>
      <button type="submit">Tail</button>
    </form>
    <StreamFigures topics={topics} groups={groups} />
  </AdminLayout>
)

const short = (text: string, n = 160) => (text.length > n ? `${text.slice(0, n)}…` : text)

/** A topic's dead letters, with why each failed and a button to publish it again. */
export const DeadLettersPage: FC<{
  visitor: Visitor
  topic: string
  letters: DeadLetter[]
  total: number
  replayed: number | null
}> = ({ visitor, topic, letters, total, replayed }) => (
  <AdminLayout title={`Dead letters of ${topic}`} visitor={visitor} tab="stream">
    <h1>Dead letters: {topic}</h1>
    {replayed !== null ? (
      <p class="notice" role="status">
        {replayed} {replayed === 1 ? 'record' : 'records'} published again to their topic.
      </p>
    ) : null}
    <form method="post" action={`/admin/stream/dlq/${encodeURIComponent(topic)}/replay`}>
      <CsrfField visitor={visitor} />
      <button type="submit">Replay all {total}</button>
    </form>
    {total > letters.length ? (
      <p class="muted">
        The newest {letters.length} of {total}.
      </p>
    ) : null}
    <table class="admin-table" id="dead-letters">
      <thead>
        <tr>
          <th scope="col">Offset</th>
          <th scope="col">Event</th>
          <th scope="col">Reason</th>
          <th scope="col">Error</th>
          <th scope="col">From</th>
          <th scope="col">Group</th>
          <th scope="col">Attempts</th>
          <th scope="col">Failed at</th>
          <th scope="col">Value</th>
          <th scope="col" />
        </tr>
      </thead>
      <tbody>
        {letters.map((l) => (
          <tr data-offset={String(l.offset)} data-event={l.eventId ?? ''}>
            <td>{String(l.offset)}</td>
            <td>
              {l.type ?? '?'} {l.eventId ?? ''}
            </td>
            <td>{l.reason ?? ''}</td>
            <td class="dlq-error">{l.error ?? ''}</td>
            <td>
              {l.sourceTopic}[{l.sourcePartition ?? '?'}]@{String(l.sourceOffset ?? '?')}
            </td>
            <td>{l.group ?? ''}</td>
            <td>{l.attempts ?? ''}</td>
            <td>{l.failedAt ?? ''}</td>
            <td>
              <code>{short(l.value)}</code>
            </td>
            <td>
              <form
                method="post"
                action={`/admin/stream/dlq/${encodeURIComponent(topic)}/replay`}
                class="inline"
              >
                <CsrfField visitor={visitor} />
                <input type="hidden" name="offset" value={String(l.offset)} />
                <button type="submit">Replay</button>
              </form>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
    <p>
      <a href="/admin/stream">Back to the stream</a>
    </p>
  </AdminLayout>
)

/** The newest records of a tailed topic that match the filter: the part the stream re-renders. */
export const TailRecords: FC<{ records: ConsumedRecord[] }> = ({ records }) => (
  <section id="admin-tail">
    {records.length === 0 ? <p class="muted">Waiting for records…</p> : null}
    <ol class="tail" reversed>
      {[...records].reverse().map((r) => (
        <li data-offset={String(r.offset)}>
          <code>
            [{r.partition}]@{String(r.offset)} {r.headers.ce_type ?? ''} key={r.key ?? ''}{' '}
            {short(r.value, 400)}
          </code>
        </li>
      ))}
    </ol>
  </section>
)

export const TailPage: FC<{ visitor: Visitor; topic: string; q: string; live: string }> = ({
  visitor,
  topic,
  q,
  live,
}) => (
  <AdminLayout title={`Tail of ${topic}`} visitor={visitor} tab="stream" live={[live]}>
    <h1>
      Tail: {topic}
      {q ? ` (containing “${q}”)` : ''}
    </h1>
    <TailRecords records={[]} />
    <p>
      <a href="/admin/stream">Back to the stream</a>
    </p>
  </AdminLayout>
)
