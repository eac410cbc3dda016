import type { Config } from '../../shared/config/index.ts'

const DEVELOPMENT_SECRET = 'streamshop-development-secret-never-use-in-production'

/** The key that signs cookies and CSRF tokens: SESSION_SECRET, or a fixed one outside production. */
export function sessionSecret(config: Config): string {
  if (config.SESSION_SECRET) return config.SESSION_SECRET
  if (config.NODE_ENV === 'production') throw new Error('SESSION_SECRET is required in production')
  return DEVELOPMENT_SECRET
}

export function secureCookies(config: Config): boolean {
  return config.COOKIE_SECURE ?? config.NODE_ENV === 'production'
}

/** The demo admin: ADMIN_EMAIL and ADMIN_PASSWORD, with development defaults; none in production unless both are set. */
export function demoAdmin(config: Config): { email: string; password: string } | null {
  if (config.ADMIN_EMAIL && config.ADMIN_PASSWORD) {
    return { email: config.ADMIN_EMAIL, password: config.ADMIN_PASSWORD }
  }
  if (config.NODE_ENV === 'production') return null
  return { email: 'admin@streamshop.test', password: 'streamshop-admin' }
}
