// Every replica reports its model figures to `model-metrics` now and then: update latency, events/s,
// training runs, and the online click-through rate and precision.
import type { OutboxWriter } from '../../shared/bus/outbox-writer.ts'
import { createEvent, type EventEnvelope } from '../../shared/events/envelope.ts'
import { log } from '../../shared/observability/log.ts'
import type { Recommender } from './recommender.ts'
import type { BackgroundTrainer } from './trainer.ts'

const SOURCE = '/streamshop/recommender'

/** The `model.metrics_reported` event of this replica's figures right now. */
export function modelMetricsEvent(
  recommender: Recommender,
  trainer: BackgroundTrainer,
  replica: string,
): EventEnvelope {
  const live = recommender.liveMetrics()
  const quality = recommender.quality.snapshot()
  return createEvent(
    'model.metrics_reported',
    {
      replica,
      eventsPerSecond: live.eventsPerSecond,
      eventsApplied: live.eventsApplied,
      updateMs: live.avgProcessingMs,
      users: live.users,
      products: live.products,
      caughtUp: live.caughtUp,
      trainingRuns: trainer.runs,
      lastTraining: live.training ? { ...live.training } : null,
      shown: quality.shown,
      ctr: quality.ctr,
      precision: quality.precision,
    },
    { source: SOURCE },
  )
}

/** Appends the figures every `intervalMs` until stopped. */
export function reportModelMetrics(
  outbox: OutboxWriter,
  intervalMs: number,
  event: () => EventEnvelope,
): { stop(): void } {
  const timer = setInterval(() => {
    outbox
      .append([event()])
      .catch((error) => log.warn({ err: error }, 'could not report the model metrics'))
  }, intervalMs)
  timer.unref?.()
  return { stop: () => clearInterval(timer) }
}
