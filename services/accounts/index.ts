// The accounts context's public face: what web/ and other services may use. Everything else in
// this folder is its own business.

export {
  authenticate,
  ensureAdmin,
  InvalidCredentialsError,
  recordFailedLogin,
  registerUser,
  signIn,
  signOut,
  usersPerRole,
} from './accounts.ts'
export { recordAdminChange, requireAdmin } from './admin-audit.ts'
export { seedAccounts } from './demo-users.ts'
export {
  clearSessionCookie,
  ForbiddenError,
  type IdentityOptions,
  identify,
  requireRole,
  setSessionCookie,
  type Visitor,
  type VisitorEnv,
} from './identity.ts'
export type { Role, User } from './schema.ts'
export { demoAdmin, secureCookies, sessionSecret } from './settings.ts'
