import { int, printAligned, type Summary } from './lib/report.ts'

/** One kind of load: how many events per request, over how many connections. */
export interface Workload {
  title: string
  kind: 'single' | 'batch'
  eventsPerRequest: number
  connections: number
}

/** One target under one workload. */
export interface Measured {
  name: string
  summary: Summary
  /** After the load, how long the relay took to publish the rest of the outbox (0: no outbox). */
  drainS: number
  undrained: number
  /** How much the topic grew from the start of the load to the end of the drain. */
  kafkaRecords: number
}

// Issue 7's targets; the batch ones are ratios only.
const SINGLE_EVENTS_PER_S = 20_000
const SINGLE_P99_MS = 20
const SINGLE_RATIO = 5
const BATCH_RATIO = 1.5

const ms = (n: number) => n.toFixed(1)
const intoKafka = (m: Measured) => m.summary.events / (m.summary.seconds + m.drainS)

export function printWorkload(measured: Measured[]): void {
  printAligned(
    [
      'target',
      'requests',
      'events',
      'errors',
      'events/s',
      'p50 ms',
      'p99 ms',
      'drain s',
      'into Kafka/s',
    ],
    measured.map((m) => [
      m.name,
      int(m.summary.requests),
      int(m.summary.events),
      int(m.summary.errors),
      int(m.summary.eventsPerS),
      ms(m.summary.p50),
      ms(m.summary.p99),
      m.name === 'baseline' ? '—' : m.drainS.toFixed(2),
      int(intoKafka(m)),
    ]),
  )
  console.log(
    '  events/s: answered events over the load; into Kafka/s: the same events over the load plus ' +
      'the relay’s drain after it (the baseline answers after Kafka, so its two rates are one)',
  )
  for (const m of measured) {
    if (m.summary.errors > 0) console.log(`  ${m.name}: errors: ${m.summary.firstError}`)
    if (m.undrained > 0)
      console.log(
        `  ${m.name}: ${int(m.undrained)} events still unpublished after the drain timeout`,
      )
    if (m.kafkaRecords < m.summary.events)
      console.log(
        `  ${m.name}: MISSING RECORDS: ${int(m.kafkaRecords)} ` +
          `records reached the topic for ${int(m.summary.events)} acknowledged events`,
      )
  }
}

/** Prints each target of the workload as met or not; a smoke run only says it judges nothing. */
export function judge(workload: Workload, measured: Measured[], smoke: boolean): void {
  const baseline = measured.find((m) => m.name === 'baseline')
  if (!baseline) return
  const base = baseline.summary.eventsPerS
  const verdict = (ok: boolean) => (smoke ? 'figures only (smoke)' : ok ? 'met' : 'NOT met')
  for (const m of measured) {
    if (m === baseline) continue
    const s = m.summary
    const ratio = s.eventsPerS / base
    const lines =
      workload.kind === 'single'
        ? [
            `≥ ${int(SINGLE_EVENTS_PER_S)} events/s: ${verdict(s.eventsPerS >= SINGLE_EVENTS_PER_S)} (${int(s.eventsPerS)})`,
            `p99 < ${SINGLE_P99_MS} ms: ${verdict(s.p99 < SINGLE_P99_MS)} (${ms(s.p99)} ms)`,
            `≥ ${SINGLE_RATIO}× baseline: ${verdict(ratio >= SINGLE_RATIO)} (${ratio.toFixed(2)}×)`,
          ]
        : [
            `≥ ${BATCH_RATIO}× baseline events/s: ${verdict(ratio >= BATCH_RATIO)} (${ratio.toFixed(2)}×)`,
            `into Kafka ≥ baseline: ${verdict(intoKafka(m) >= base)} (${(intoKafka(m) / base).toFixed(2)}×)`,
          ]
    console.log(`  ${m.name}: ${lines.join('; ')}`)
  }
}
