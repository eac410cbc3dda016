// Reasons a shopper understands, one per recommended item.
import type { InteractionKind, Strategy } from './types.ts'

const VERBS: Record<InteractionKind, string> = {
  view: 'viewed',
  click: 'viewed',
  recommendation_click: 'viewed',
  rating: 'rated',
  cart: 'added',
  purchase: 'bought',
}

export interface ReasonInput {
  strategy: Strategy
  /** The history item (or `category=…` feature) that earned the item its place. */
  because?: string
  kind?: InteractionKind
  name: (id: string) => string
  popular: () => string
}

export function describeReason(r: ReasonInput): string {
  if (r.strategy === 'trending') return 'trending'
  if (r.strategy === 'popular' || !r.because) return r.popular()
  if (r.strategy === 'content') return `because you like ${r.name(r.because)}`
  const verb = VERBS[r.kind ?? 'view']
  if (r.strategy === 'session') return `because you just ${verb} ${r.name(r.because)}`
  return `because you ${verb} ${r.name(r.because)}`
}
