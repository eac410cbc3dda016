// Analytics never keeps who someone is, only that two events came from the same someone: a user
// id becomes a keyed hash (HMAC-SHA256 with the shop's secret) before anything is stored. The
// scheme is web/track.ts's `pseudonym`, so a shopper counts as one user whether an event carried
// their id or the storefront already pseudonymised it (`product_list.viewed`).

const PSEUDONYM = /^p_[0-9a-f]{24}$/

/** A keyed hash of a user id: stable per user and secret, not reversible without the secret. */
export function pseudonym(secret: string, userId: string): string {
  const digest = new Bun.CryptoHasher('sha256', secret).update(`analytics:${userId}`).digest('hex')
  return `p_${digest.slice(0, 24)}`
}

/**
 * The pseudonym analytics keys a user by: an id that already is one (as the storefront sends on
 * analytics-events) is kept, any other is hashed.
 */
export function analyticsUser(secret: string, userId: string): string {
  return PSEUDONYM.test(userId) ? userId : pseudonym(secret, userId)
}
