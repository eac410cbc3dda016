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
    help: 'Records whose handler failed every attempt',
    labelNames: ['topic', 'group'],
    registers: [registry],
  }),
  deadLettered: new Counter({
    name: 'streamshop_events_dead_lettered_total',
    help: 'Records published to a dead-letter topic',
    labelNames: ['topic'],
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
