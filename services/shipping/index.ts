// The shipping context's public face: what web/ and other services may use.
import type { Config } from '../../shared/config/index.ts'
import { Carrier } from './carrier.ts'
import { shippingEvents } from './consumers/shipping-events.ts'

export { type Booking, type BookingRequest, Carrier, type CarrierOptions } from './carrier.ts'
export type { Shipment, ShipmentStatus } from './schema.ts'
export { shipmentCounts, shipmentOf } from './shipping.ts'

/**
 * What the shipping context consumes, with its carrier simulated as configured;
 * `bun run dev` and `bun services/shipping/main.ts` start them.
 */
export function consumers(config: Config) {
  const carrier = new Carrier({
    failureRate: config.SHIPPING_FAILURE_RATE,
    latencyMs: config.SHIPPING_LATENCY_MS,
  })
  return [shippingEvents(carrier)]
}
