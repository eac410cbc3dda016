import type { EventBus } from '../../../shared/bus/types.ts'
import { kafkaBus } from '../../helpers/broker.ts'
import { busContract } from './contract.ts'

const made: EventBus[] = []

busContract('Kafka', {
  bus: () => {
    const bus = kafkaBus()
    made.push(bus)
    return bus
  },
  cleanup: async () => {
    await Promise.allSettled(made.map((b) => b.close()))
  },
})
