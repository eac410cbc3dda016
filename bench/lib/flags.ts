import type { BenchFlags } from '../run.ts'

/** A positive number flag (`--duration=5`), or the fallback when it is absent. */
export function numberFlag(flags: BenchFlags, name: string, fallback: number): number {
  const raw = flags[name]
  if (raw === undefined) return fallback
  const value = Number(raw)
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`)
  return value
}

/**
 * `--smoke`: a run of a few seconds that shows every figure but judges no target, for CI, where
 * timings mean nothing.
 */
export function isSmoke(flags: BenchFlags): boolean {
  return flags.smoke === true || flags.smoke === 'true'
}
