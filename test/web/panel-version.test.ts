// A live panel is sent again when what it shows changes: its products, or only their reasons.
import { expect, test } from 'bun:test'
import type { Product } from '../../services/catalog/index.ts'
import { panelVersion } from '../../web/pages/recommended.ts'

const product = (id: string) => ({ id }) as Product

test('the same products for another reason are a new version; the same reasons are not', () => {
  const products = [product('y'), product('z')]
  const popular = panelVersion({
    products,
    reasons: new Map([
      ['y', 'popular in Books'],
      ['z', 'popular in Books'],
    ]),
  })
  const because = panelVersion({
    products,
    reasons: new Map([
      ['y', 'because you viewed X'],
      ['z', 'popular in Books'],
    ]),
  })
  expect(because).not.toBe(popular)
  expect(
    panelVersion({
      products: [product('y'), product('z')],
      reasons: new Map([
        ['y', 'popular in Books'],
        ['z', 'popular in Books'],
      ]),
    }),
  ).toBe(popular)
})
