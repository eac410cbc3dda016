// What `bun run bench saga` reads back from the shop's database after a run, inside the shop's
// process: when each saga started and finished (the saga writes both in its own transactions, so
// no per-order polling skews them), and where each step's time went, from the step history and
// the participants' recorded answers.
import type { Client } from '@libsql/client'
import { percentile } from './lib/load.ts'

/** The saga's orders created at or after `from`: parallel arrays, one entry per order. */
export interface SagaOrders {
  ids: string[]
  createdAt: number[]
  /** Null while the order is not terminal. */
  finishedAt: (number | null)[]
  /** `completed`, `cancelled:<reason>`, or the status it is still in. */
  outcome: string[]
}

export async function sagaFigures(client: Client, from: number): Promise<SagaOrders> {
  const rs = await client.execute({
    sql: `select order_id, created_at, finished_at, status, reason from order_sagas
          where created_at >= ? order by created_at`,
    args: [from],
  })
  const figures: SagaOrders = { ids: [], createdAt: [], finishedAt: [], outcome: [] }
  for (const row of rs.rows) {
    figures.ids.push(String(row.order_id))
    figures.createdAt.push(Number(row.created_at))
    figures.finishedAt.push(row.finished_at === null ? null : Number(row.finished_at))
    figures.outcome.push(
      row.status === 'cancelled' ? `cancelled:${row.reason ?? '?'}` : String(row.status),
    )
  }
  return figures
}

/** How many of the saga's orders since `from` exist, and how many of them are terminal. */
export async function sagaProgress(
  client: Client,
  from: number,
): Promise<{ placed: number; terminal: number }> {
  const rs = await client.execute({
    sql: `select count(*) as placed, count(finished_at) as terminal from order_sagas
          where created_at >= ?`,
    args: [from],
  })
  return { placed: Number(rs.rows[0]?.placed ?? 0), terminal: Number(rs.rows[0]?.terminal ?? 0) }
}

/** Percentiles of one leg of a step, in ms. */
export interface Leg {
  n: number
  p50: number
  p95: number
  p99: number
  mean: number
}

/**
 * Each forward step of the orders since `from`, split in two legs: from the orchestrator's commit
 * of the command to the participant's commit of its answer (outbox, relay, Kafka, the participant's
 * queue, the simulated provider or carrier, its transaction), and from there to the orchestrator's
 * commit of the next step (the same way back). Timestamps are the shop's own Date.now() in ms.
 */
export async function stepBreakdown(
  client: Client,
  from: number,
): Promise<Record<string, { out: Leg; back: Leg }>> {
  const steps = await client.execute({
    sql: `select s.order_id, s.step, s.outcome, s.at from order_steps s
          join order_sagas o on o.order_id = s.order_id
          where o.created_at >= ? and s.outcome in ('started', 'succeeded') order by s.id`,
    args: [from],
  })
  const replies = await client.execute({
    sql: `select r.command_id, r.applied_at from command_replies r
          join order_sagas o on o.order_id = r.order_id where o.created_at >= ?`,
    args: [from],
  })
  const applied = new Map(replies.rows.map((r) => [String(r.command_id), Number(r.applied_at)]))
  const started = new Map<string, number>()
  const legs = new Map<string, { out: number[]; back: number[] }>()
  for (const row of steps.rows) {
    const key = `${row.order_id}/${row.step}`
    if (row.outcome === 'started') {
      started.set(key, Number(row.at))
      continue
    }
    const begun = started.get(key)
    const answered = applied.get(key)
    if (begun === undefined || answered === undefined) continue
    let leg = legs.get(String(row.step))
    if (!leg) {
      leg = { out: [], back: [] }
      legs.set(String(row.step), leg)
    }
    leg.out.push(answered - begun)
    leg.back.push(Number(row.at) - answered)
  }
  const summary = (xs: number[]): Leg => ({
    n: xs.length,
    p50: percentile(xs, 50),
    p95: percentile(xs, 95),
    p99: percentile(xs, 99),
    mean: xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length),
  })
  return Object.fromEntries(
    [...legs].map(([step, l]) => [step, { out: summary(l.out), back: summary(l.back) }]),
  )
}
