/** One Kafka topic of the catalog. Retention in days; `consumed` topics get a `<topic>.dlq`. */
export interface TopicSpec {
  name: string
  partitions: number
  retentionDays: number
  purpose: string
  consumed: boolean
}

const DAY_MS = 86_400_000

// The seed platform's catalog (ecommerce-microservices-kafka.md), plus the recommender's topics and
// the operators' control topic.
export const TOPICS = [
  {
    name: 'user-events',
    partitions: 3,
    retentionDays: 7,
    purpose: 'What a shopper does and their account lifecycle',
    consumed: true,
  },
  {
    name: 'order-events',
    partitions: 6,
    retentionDays: 30,
    purpose: 'Order lifecycle (saga)',
    consumed: true,
  },
  {
    name: 'payment-events',
    partitions: 6,
    retentionDays: 90,
    purpose: 'Payment authorisation, capture, refunds',
    consumed: true,
  },
  {
    name: 'inventory-events',
    partitions: 4,
    retentionDays: 14,
    purpose: 'Stock reservations and updates',
    consumed: true,
  },
  {
    name: 'product-events',
    partitions: 3,
    retentionDays: 30,
    purpose: 'Product catalog changes',
    consumed: true,
  },
  {
    name: 'cart-events',
    partitions: 4,
    retentionDays: 3,
    purpose: 'Shopping cart activity',
    consumed: true,
  },
  {
    name: 'shipping-events',
    partitions: 4,
    retentionDays: 30,
    purpose: 'Shipment tracking',
    consumed: true,
  },
  {
    name: 'review-events',
    partitions: 3,
    retentionDays: 90,
    purpose: 'Product reviews and ratings',
    consumed: true,
  },
  {
    name: 'promotion-events',
    partitions: 2,
    retentionDays: 30,
    purpose: 'Promotions and coupons',
    consumed: true,
  },
  {
    name: 'notification-events',
    partitions: 4,
    retentionDays: 7,
    purpose: 'Messages to shoppers',
    consumed: true,
  },
  {
    name: 'analytics-events',
    partitions: 8,
    retentionDays: 30,
    purpose: 'Page-level and admin events',
    consumed: true,
  },
  {
    name: 'audit-events',
    partitions: 4,
    retentionDays: 365,
    purpose: 'Security-relevant actions',
    consumed: true,
  },
  {
    name: 'recommendations',
    partitions: 3,
    retentionDays: 7,
    purpose: 'Fresh recommendations per user',
    consumed: true,
  },
  {
    name: 'recommendation-requests',
    partitions: 3,
    retentionDays: 7,
    purpose: 'Recommendation requests (LENS)',
    consumed: true,
  },
  {
    name: 'recommendation-responses',
    partitions: 3,
    retentionDays: 7,
    purpose: 'Recommendation responses (LENS)',
    consumed: true,
  },
  {
    name: 'model-metrics',
    partitions: 1,
    retentionDays: 30,
    purpose: 'Recommender model metrics',
    consumed: true,
  },
  {
    name: 'ab-test-events',
    partitions: 3,
    retentionDays: 90,
    purpose: 'A/B exposures, clicks and conversions',
    consumed: true,
  },
  // `bun run replay` and the replicas' answers. Each replica reads it with a group of its own and
  // skips what it cannot parse (a command is retried by the operator, not from a DLQ); a command
  // matters for minutes, so a day's retention is plenty.
  {
    name: 'control-events',
    partitions: 1,
    retentionDays: 1,
    purpose: 'Operator commands to running services',
    consumed: false,
  },
] as const satisfies readonly TopicSpec[]

export type TopicName = (typeof TOPICS)[number]['name']

/** The dead-letter topic of a consumed topic. */
export function dlqTopic(topic: string): string {
  return `${topic}.dlq`
}

/** The whole catalog to create: every topic, and a DLQ (one partition, retention of its source or 30 days) per consumed one. */
export function catalogWithDlqs(): TopicSpec[] {
  const dlqs = TOPICS.filter((t) => t.consumed).map((t) => ({
    name: dlqTopic(t.name),
    partitions: 1,
    retentionDays: Math.max(30, t.retentionDays),
    purpose: `Dead letters of ${t.name}`,
    consumed: false,
  }))
  return [...TOPICS, ...dlqs]
}

export function retentionMs(spec: TopicSpec): number {
  return spec.retentionDays * DAY_MS
}
