import { EmbeddedBus } from '../../../shared/bus/embedded.ts'
import { busContract } from './contract.ts'

// Two EmbeddedBus instances on one database stand for two members in one process; membership is
// per instance, so the multi-member test shares the group through the database's offsets. The
// embedded log is single-process by design: members of one group must share one bus instance.
const shared = new WeakMap<object, EmbeddedBus>()

busContract('embedded log', {
  bus: (database) => {
    let bus = shared.get(database)
    if (!bus) {
      bus = new EmbeddedBus(database, { maxAttempts: 3, retryBaseMs: 5, pollMs: 50 })
      shared.set(database, bus)
    }
    return bus
  },
})
