import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core'

/**
 * Events waiting to be published, written in the same transaction as the state change that caused
 * them. The CloudEvents attributes are columns; the relay rebuilds the headers when it publishes,
 * except for records that carry their own (`headers`: dead letters keep their original ones).
 */
export const outbox = sqliteTable('outbox', {
  seq: integer('seq').primaryKey({ autoIncrement: true }),
  eventId: text('event_id').notNull().unique(),
  topic: text('topic').notNull(),
  key: text('key'),
  type: text('type').notNull(),
  source: text('source').notNull(),
  time: text('time').notNull(),
  data: text('data').notNull(),
  createdAt: integer('created_at').notNull(),
  headers: text('headers', { mode: 'json' }).$type<Record<string, string>>(),
})

/**
 * The relay's progress and lease: the last published `seq` (a cursor, so publishing never rewrites
 * event rows), and which relay may publish — one holder at a time keeps per-key order across replicas.
 */
export const outboxRelay = sqliteTable('outbox_relay', {
  name: text('name').primaryKey(),
  owner: text('owner').notNull(),
  leaseExpiresAt: integer('lease_expires_at').notNull(),
  publishedSeq: integer('published_seq').notNull().default(0),
})

/**
 * Topics published ahead of the relay's cursor: every row of `topic` up to `published_seq` is out.
 * The cursor in `outbox_relay` stops before the first row of a topic the broker will not take yet,
 * so the other topics keep flowing past it; a row here goes once the cursor has caught up.
 */
export const outboxTopicCursors = sqliteTable('outbox_topic_cursors', {
  topic: text('topic').primaryKey(),
  publishedSeq: integer('published_seq').notNull(),
})

/** Outbox events the broker refused for good (too large, invalid): kept with the reason, never retried. */
export const outboxRejected = sqliteTable('outbox_rejected', {
  seq: integer('seq').primaryKey(),
  eventId: text('event_id').notNull(),
  topic: text('topic').notNull(),
  key: text('key'),
  value: text('value').notNull(),
  headers: text('headers', { mode: 'json' }).$type<Record<string, string>>().notNull(),
  error: text('error').notNull(),
  rejectedAt: integer('rejected_at').notNull(),
})

/** Events a consumer group has already applied, written in the same transaction as the effect. */
export const processedEvents = sqliteTable(
  'processed_events',
  {
    groupId: text('group_id').notNull(),
    eventId: text('event_id').notNull(),
    processedAt: integer('processed_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.groupId, t.eventId] })],
)

// The embedded event log (dev fallback): topics, partitioned records and group offsets in libSQL.
export const logTopics = sqliteTable('log_topics', {
  name: text('name').primaryKey(),
  partitions: integer('partitions').notNull(),
  retentionMs: integer('retention_ms').notNull(),
})

/** The next offset of each partition: kept apart from the records so retention never reuses an offset. */
export const logPartitions = sqliteTable(
  'log_partitions',
  {
    topic: text('topic').notNull(),
    partition: integer('partition').notNull(),
    nextOffset: integer('next_offset').notNull(),
  },
  (t) => [primaryKey({ columns: [t.topic, t.partition] })],
)

export const logRecords = sqliteTable(
  'log_records',
  {
    topic: text('topic').notNull(),
    partition: integer('partition').notNull(),
    offset: integer('offset').notNull(),
    key: text('key'),
    value: text('value').notNull(),
    headers: text('headers').notNull(),
    timestamp: integer('timestamp').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.topic, t.partition, t.offset] }),
    index('log_records_time').on(t.topic, t.partition, t.timestamp),
  ],
)

export const logGroupOffsets = sqliteTable(
  'log_group_offsets',
  {
    groupId: text('group_id').notNull(),
    topic: text('topic').notNull(),
    partition: integer('partition').notNull(),
    nextOffset: integer('next_offset').notNull(),
  },
  (t) => [primaryKey({ columns: [t.groupId, t.topic, t.partition] })],
)

/**
 * A saga participant's answer to each command it applied, keyed by the participant and the
 * command's id (the same on every retry): a repeated command gets the first answer again instead
 * of being applied twice. Written in the same transaction as the command's effect.
 */
export const commandReplies = sqliteTable(
  'command_replies',
  {
    participant: text('participant').notNull(),
    commandId: text('command_id').notNull(),
    orderId: text('order_id').notNull(),
    replyType: text('reply_type').notNull(),
    replyData: text('reply_data', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    appliedAt: integer('applied_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.participant, t.commandId] }),
    index('command_replies_order').on(t.orderId),
  ],
)
