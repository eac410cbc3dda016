import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import type { Variant } from './experiments/experiment.ts'

/**
 * The A/B experiments the recommender runs: those configured in `RECOMMENDER_EXPERIMENTS` are added
 * on start when missing; the admin JSON API creates and stops them. At most one runs at a time.
 */
export const experiments = sqliteTable('recommender_experiments', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  variants: text('variants', { mode: 'json' }).$type<Variant[]>().notNull(),
  status: text('status', { enum: ['running', 'stopped'] }).notNull(),
  startedAt: text('started_at').notNull(),
  conversionWindowMs: integer('conversion_window_ms').notNull(),
  /** Where it was defined: `config` (RECOMMENDER_EXPERIMENTS) or `api` (an admin). */
  source: text('source', { enum: ['config', 'api'] }).notNull(),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
})

/**
 * What `ab-test-events` has said, one row per event: who was exposed to which variant, clicked or
 * bought what, and when (epoch ms). Results are computed from these facts, so they come out the
 * same whatever order the events arrived in.
 */
export const abTestFacts = sqliteTable(
  'ab_test_facts',
  {
    eventId: text('event_id').primaryKey(),
    experimentId: text('experiment_id').notNull(),
    type: text('type', { enum: ['exposure', 'click', 'conversion'] }).notNull(),
    variant: text('variant').notNull(),
    userId: text('user_id').notNull(),
    productId: text('product_id'),
    at: integer('at').notNull(),
  },
  (t) => [index('ab_test_facts_experiment').on(t.experimentId)],
)
