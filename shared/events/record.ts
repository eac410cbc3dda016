// The shape of an event on a topic. It lives with the events, not the bus, so that the envelope
// (which maps events to records) and the bus (which moves records) depend one way: bus → events.

/** A record to publish. `key` decides the partition, so records with one key keep their order. */
export interface BusRecord {
  topic: string
  key: string | null
  value: string
  headers: Record<string, string>
  /** Milliseconds since the epoch; the broker's time when absent. */
  timestamp?: number
}

/** A record as a consumer sees it. */
export interface ConsumedRecord {
  topic: string
  partition: number
  offset: bigint
  key: string | null
  value: string
  headers: Record<string, string>
  timestamp: number
}
