// Events tests put on the log by hand.
import { createEvent, type EventEnvelope } from '../../shared/events/envelope.ts'
import type { EventData } from '../../shared/events/types.ts'

/** A `product.created` with plain defaults: name, category and price as given or stand-ins. */
export function productCreated(
  productId: string,
  fields: Partial<Omit<EventData<'product.created'>, 'productId'>> = {},
): EventEnvelope {
  return createEvent(
    'product.created',
    {
      productId,
      slug: productId,
      name: `Product ${productId}`,
      description: '',
      categoryId: 'c',
      priceMinor: 1000,
      currency: 'EUR',
      stock: 5,
      attributes: {},
      imageHue: 0,
      featured: false,
      ...fields,
    },
    { source: '/test' },
  )
}

/**
 * Reads JSON `data:` messages off an SSE response, one at a time; each must arrive within
 * `timeoutMs` of the call asking for it.
 */
export function sseMessages(response: Response | Promise<Response>, timeoutMs = 20_000) {
  const decoder = new TextDecoder()
  let buffer = ''
  let reader: ReadableStreamDefaultReader<Uint8Array> | null = null
  return {
    // biome-ignore lint/suspicious/noExplicitAny: each test states the shape it expects
    async next(): Promise<any> {
      reader ??= ((await response).body as ReadableStream<Uint8Array>).getReader()
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const end = buffer.indexOf('\n\n')
        if (end >= 0) {
          const block = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          const data = block.split('\n').filter((l) => l.startsWith('data: '))
          if (data.length > 0) return JSON.parse(data.map((l) => l.slice(6)).join('\n'))
          continue
        }
        const chunk = await Promise.race([
          reader.read(),
          Bun.sleep(Math.max(0, deadline - Date.now())).then(() => null),
        ])
        if (chunk === null) throw new Error('no message on the stream in time')
        if (chunk.done) throw new Error('stream ended')
        buffer += decoder.decode(chunk.value, { stream: true })
      }
    },
    async cancel(): Promise<void> {
      await reader?.cancel().catch(() => {})
    },
  }
}
