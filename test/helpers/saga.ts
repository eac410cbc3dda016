// A test shop running the order saga: orchestrator, participants and notifications on the run's
// broker, with shoppers and products made through the shop's own functions.

import { createProduct } from '../../services/catalog/product-changes.ts'
import { categories } from '../../services/catalog/schema.ts'
import { stockOf } from '../../services/inventory/index.ts'
import { type SagaDeadlines, startSagaDeadlines } from '../../services/orders/index.ts'
import type { ConsumerDefinition } from '../../shared/consumers/define.ts'
import { shopConsumers } from '../../web/consumers.ts'
import { eventually, unique } from './broker.ts'
import { TestBrowser } from './browser.ts'
import { startTestShop, type TestShop } from './shop.ts'

export interface SagaShop extends TestShop {
  deadlines: SagaDeadlines
  consumers: ConsumerDefinition[]
}

/**
 * The shop with its saga consumers from the end of their topics (the run's broker holds earlier
 * tests' commands for orders this database never had), and its durable timeouts. `skip` leaves a
 * group out: a participant that never answers.
 */
export async function startSagaShop(
  overrides: Record<string, string> = {},
  opts: { skip?: (group: string) => boolean } = {},
): Promise<SagaShop> {
  const shop = await startTestShop({
    PAYMENTS_LATENCY_MS: '2',
    SHIPPING_LATENCY_MS: '2',
    ...overrides,
  })
  const { platform } = shop
  const consumers = shopConsumers(platform.config).filter((c) => !opts.skip?.(c.group))
  for (const c of consumers) await platform.bus.seek(c.group, c.topic, 'latest')
  await platform.consumers.start(consumers)
  const deadlines = startSagaDeadlines(platform.database.db, platform.config)
  return {
    ...shop,
    deadlines,
    consumers,
    close: async () => {
      await deadlines.stop()
      await shop.close()
    },
  }
}

/** A product with `stock` units, known to inventory once its product.created has arrived. */
export async function stockedProduct(shop: TestShop, stock: number, priceMinor = 1500) {
  const { db } = shop.platform.database
  const categoryId = unique('cat')
  await db
    .insert(categories)
    .values({ id: categoryId, name: categoryId, description: '', position: 0 })
  const product = await createProduct(db, {
    name: `Thing ${unique('p')}`,
    categoryId,
    priceMinor,
    stock,
  })
  await eventually(() => stockOf(db, product.id), 20_000, 'inventory to learn the product')
  return product
}

export const TEST_CARDS = {
  ok: '4242 4242 4242 4242',
  declined: '4000 0000 0000 0002',
  insufficientFunds: '4000 0000 0000 9995',
}

export const address = {
  name: 'Ada Lovelace',
  street: '1 Analytical Way',
  city: 'London',
  postalCode: 'N1 9GU',
  country: 'United Kingdom',
}

/** A registered shopper who places orders through `POST /api/orders`. */
export async function shopper(shop: TestShop) {
  const browser = new TestBrowser(shop.app)
  await browser.get('/register')
  await browser.post('/register', {
    name: 'Ada',
    email: `${unique('buyer')}@example.test`,
    password: 'correct horse battery',
  })
  /** `POST /api/orders` with its Idempotency-Key (a fresh one unless given). */
  const order = (body: Record<string, unknown>, key: string = crypto.randomUUID()) =>
    browser.json(
      'POST',
      '/api/orders',
      { ...address, expiry: '12/39', cvc: '123', ...body },
      { 'idempotency-key': key },
    )
  return {
    browser,
    order,
    /** Places an order of these lines with this card; its id, once answered 202. */
    place: async (cardNumber: string, items: { productId: string; quantity: number }[]) => {
      const res = await order({ cardNumber, items })
      if (res.status !== 202) throw new Error(`POST /api/orders: ${res.status} ${await res.text()}`)
      return ((await res.json()) as { orderId: string }).orderId
    },
    get: async (orderId: string) =>
      (await (
        await browser.request(`/api/orders/${orderId}`, { headers: { accept: 'application/json' } })
      ).json()) as OrderView,
  }
}

export interface OrderView {
  orderId: string
  status: string
  reason?: string
  message?: string
  history: { step: string; outcome: string; detail?: string; at: string }[]
}

/** Waits for the order to end, completed or cancelled. */
export function terminal(
  get: (id: string) => Promise<OrderView>,
  orderId: string,
  timeoutMs = 30_000,
) {
  return eventually(
    async () => {
      const view = await get(orderId)
      return view.status === 'completed' || view.status === 'cancelled' ? view : undefined
    },
    timeoutMs,
    `order ${orderId} to end`,
  )
}
