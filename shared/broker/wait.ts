import { Admin } from '@platformatic/kafka'

/** Waits until a broker answers a metadata request, or fails after the timeout with a clear message. */
export async function waitForBroker(brokers: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  while (Date.now() < deadline) {
    const admin = new Admin({
      clientId: 'streamshop-probe',
      bootstrapBrokers: brokers,
      timeout: 2000,
      retries: 0,
    })
    try {
      const meta = await admin.metadata({ topics: [], forceUpdate: true })
      if (meta.brokers.size > 0) return
    } catch (error) {
      lastError = error
    } finally {
      await admin.close().catch(() => {})
    }
    await Bun.sleep(250)
  }
  const reason = lastError instanceof Error ? lastError.message : String(lastError)
  throw new Error(
    `No Kafka broker answered at ${brokers.join(',')} within ${timeoutMs} ms (${reason})`,
  )
}
