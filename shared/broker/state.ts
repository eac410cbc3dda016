import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { BrokerKind } from './resolve.ts'

/** What a running shop or `bun run broker` tells the CLI tools: which broker, which database. */
export interface BrokerState {
  kind: BrokerKind
  brokers: string[]
  databaseUrl: string
  pid: number
}

function statePath(stateDir: string): string {
  return join(stateDir, 'broker.json')
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

export function writeBrokerState(stateDir: string, state: BrokerState): () => void {
  mkdirSync(stateDir, { recursive: true })
  const path = statePath(stateDir)
  writeFileSync(path, JSON.stringify(state, null, 2))
  return () => {
    const current = readBrokerState(stateDir)
    if (current?.pid === state.pid) rmSync(path, { force: true })
  }
}

/** The state of a process that is still running, or null. */
export function readBrokerState(stateDir: string): BrokerState | null {
  const path = statePath(stateDir)
  if (!existsSync(path)) return null
  try {
    const state = JSON.parse(readFileSync(path, 'utf8')) as BrokerState
    return alive(state.pid) ? state : null
  } catch {
    return null
  }
}
