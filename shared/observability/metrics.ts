import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'

export interface LagSample {
  group: string
  topic: string
  partition: number
  lag: bigint
}

let lagSource: (() => Promise<LagSample[]>) | null = null

/** Tells `/metrics` where consumer lag comes from; it is read from the bus at each scrape. */
export function setLagSource(source: (() => Promise<LagSample[]>) | null): void {
  lagSource = source
}

export interface ConsumerSample {
  group: string
  topic: string
  state: 'starting' | 'running' | 'stopped'
  assigned: number
}

let consumerSource: (() => ConsumerSample[]) | null = null

/** Tells `/metrics` which consumers this process runs; their state is read at each scrape. */
export function setConsumerSource(source: (() => ConsumerSample[]) | null): void {
  consumerSource = source
}

/** The process's Prometheus registry, served at `/metrics`. */
export const registry = new Registry()
collectDefaultMetrics({ register: registry })

export const busMetrics = {
  produced: new Counter({
    name: 'streamshop_events_produced_total',
    help: 'Records acknowledged by the bus',
    registers: [registry],
  }),
  consumed: new Counter({
    name: 'streamshop_events_consumed_total',
    help: 'Records handled successfully',
    labelNames: ['topic', 'group'],
    registers: [registry],
  }),
  failed: new Counter({
    name: 'streamshop_events_failed_total',
    help: 'Records whose handler failed until the retry budget ran out (or with an error no retry can fix)',
    labelNames: ['topic', 'group'],
    registers: [registry],
  }),
  retried: new Counter({
    name: 'streamshop_events_retried_total',
    help: 'Failed handler attempts that were tried again',
    labelNames: ['topic', 'group'],
    registers: [registry],
  }),
  deadLettered: new Counter({
    name: 'streamshop_events_dead_lettered_total',
    help: 'Records sent to their dead-letter topic (reason: unparseable, unknown-type or failed)',
    labelNames: ['topic', 'group', 'reason'],
    registers: [registry],
  }),
  handleSeconds: new Histogram({
    name: 'streamshop_event_handle_seconds',
    help: 'Time to handle one record, retries included',
    labelNames: ['group'],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [registry],
  }),
  lag: new Gauge({
    name: 'streamshop_consumer_lag',
    help: 'Records not yet committed by a consumer group, per partition',
    labelNames: ['group', 'topic', 'partition'],
    registers: [registry],
    async collect() {
      this.reset()
      if (!lagSource) return
      try {
        for (const s of await lagSource()) {
          this.set(
            { group: s.group, topic: s.topic, partition: String(s.partition) },
            Number(s.lag),
          )
        }
      } catch {
        // A scrape while the broker is down shows no lag rather than failing /metrics.
      }
    },
  }),
  consumerUp: new Gauge({
    name: 'streamshop_consumer_up',
    help: "1 while this process's member of the group has joined and consumes, else 0",
    labelNames: ['group', 'topic'],
    registers: [registry],
    collect() {
      this.reset()
      for (const c of consumerSource?.() ?? [])
        this.set({ group: c.group, topic: c.topic }, c.state === 'running' ? 1 : 0)
    },
  }),
  consumerAssigned: new Gauge({
    name: 'streamshop_consumer_assigned_partitions',
    help: "Partitions this process's member of the group owns",
    labelNames: ['group', 'topic'],
    registers: [registry],
    collect() {
      this.reset()
      for (const c of consumerSource?.() ?? [])
        this.set({ group: c.group, topic: c.topic }, c.assigned)
    },
  }),
  outboxOldestSeconds: new Gauge({
    name: 'streamshop_outbox_oldest_seconds',
    help: 'Age of the oldest outbox event not yet published (0 when none waits)',
    registers: [registry],
  }),
  outboxRejected: new Counter({
    name: 'streamshop_outbox_rejected_total',
    help: 'Outbox events the broker refused for good, set aside in outbox_rejected',
    registers: [registry],
  }),
  outboxDepth: new Gauge({
    name: 'streamshop_outbox_depth',
    help: 'Outbox events not yet published',
    registers: [registry],
  }),
}

export const httpMetrics = {
  requestSeconds: new Histogram({
    name: 'streamshop_http_request_seconds',
    help: 'HTTP request latency',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  }),
  ingested: new Counter({
    name: 'streamshop_events_ingested_total',
    help: 'Events accepted by the ingest endpoints',
    registers: [registry],
  }),
}
