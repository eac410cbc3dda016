// The A/B core: stable assignment, the statistics against values computed independently (scipy and
// Newcombe's published tables), results with significance, the event counter, and the env parser.
import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import {
  DEFAULT_EXPERIMENT,
  parseExperiments,
} from '../../../services/recommender/experiments/config.ts'
import {
  assignVariant,
  bucketOf,
  type Experiment,
} from '../../../services/recommender/experiments/experiment.ts'
import {
  type AbEvent,
  countAbEvent,
  createAbCounter,
  experimentResults,
  type VariantCounts,
  variantCounts,
} from '../../../services/recommender/experiments/results.ts'
import {
  normalCdf,
  proportion,
  twoProportionZTest,
  twoSidedP,
} from '../../../services/recommender/experiments/stats.ts'
import { ValidationError } from '../../../shared/errors.ts'

const HOUR = 3_600_000
const T0 = Date.UTC(2026, 10, 1)
const ids = Array.from({ length: 20_000 }, (_, i) => `user-${i}`)

const experiment = (id: string, weights: number[]): Experiment => ({
  ...DEFAULT_EXPERIMENT,
  id,
  variants: weights.map((weight, i) => ({ name: `v${i}`, strategy: 'popular', weight })),
})

describe('assignVariant', () => {
  const exp = DEFAULT_EXPERIMENT

  test('puts a user in the same variant on every call, as SHA-256 computed elsewhere says', () => {
    // Buckets from Python's hashlib over the same key, so a change of hash (which would move every
    // running user to another variant) fails here.
    expect(bucketOf(exp.id, 'user-1')).toBe(0.751841971040843)
    expect(bucketOf(exp.id, 'user-6')).toBe(0.021083930796592654)
    const names = ['user-1', 'user-6', 'user-8'].map((u) => assignVariant(exp, u).name)
    expect(names).toEqual(['item-item', 'control', 'control'])
    for (let i = 0; i < 5; i++) expect(assignVariant(exp, 'user-1').name).toBe('item-item')
  })

  test('gives the same answers in a fresh process', async () => {
    const sample = ids.slice(0, 200)
    const script = `
      const { assignVariant } = await import(${JSON.stringify(`${import.meta.dir}/../../../services/recommender/experiments/experiment.ts`)})
      const { DEFAULT_EXPERIMENT } = await import(${JSON.stringify(`${import.meta.dir}/../../../services/recommender/experiments/config.ts`)})
      const ids = ${JSON.stringify(sample)}
      console.log(JSON.stringify(ids.map((id) => assignVariant(DEFAULT_EXPERIMENT, id).name)))`
    const child = Bun.spawn([process.execPath, '-e', script], { stdout: 'pipe', stderr: 'inherit' })
    const fresh = JSON.parse(await new Response(child.stdout).text())
    expect(await child.exited).toBe(0)
    expect(fresh).toEqual(sample.map((id) => assignVariant(exp, id).name))
  })

  test('splits 20,000 users within 1.5 points of the weights', () => {
    const exp3 = experiment('three-way', [20, 30, 50])
    const tally = new Map<string, number>()
    for (const id of ids) {
      const name = assignVariant(exp3, id).name
      tally.set(name, (tally.get(name) ?? 0) + 1)
    }
    for (const [name, share] of [
      ['v0', 0.2],
      ['v1', 0.3],
      ['v2', 0.5],
    ] as const) {
      expect(Math.abs((tally.get(name) ?? 0) / ids.length - share)).toBeLessThan(0.015)
    }
  })

  test('assigns independently in two experiments', () => {
    const a = ids.map((id) => bucketOf('exp-a', id))
    const b = ids.map((id) => bucketOf('exp-b', id))
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length
    const [ma, mb] = [mean(a), mean(b)]
    let cov = 0
    let va = 0
    let vb = 0
    a.forEach((x, i) => {
      const y = b[i] as number
      cov += (x - ma) * (y - mb)
      va += (x - ma) ** 2
      vb += (y - mb) ** 2
    })
    // Under independence r has a standard error of 1/√20000 ≈ 0.007.
    expect(Math.abs(cov / Math.sqrt(va * vb))).toBeLessThan(0.03)
    const inB = ids.filter((id) => assignVariant(experiment('exp-a', [1, 1]), id).name === 'v1')
    const alsoInB = inB.filter((id) => assignVariant(experiment('exp-b', [1, 1]), id).name === 'v1')
    expect(Math.abs(alsoInB.length / inB.length - 0.5)).toBeLessThan(0.02)
  })
})

describe('stats', () => {
  test('the normal CDF and two-sided p match scipy to 1e-7, tails to 1e-6 relative', () => {
    const cdf: [number, number][] = [
      [0, 0.5],
      [0.5, 0.6914624612740131],
      [1, 0.8413447460685429],
      [1.96, 0.9750021048517795],
      [-3, 0.0013498980316301],
    ]
    for (const [x, expected] of cdf) expect(Math.abs(normalCdf(x) - expected)).toBeLessThan(1e-7)
    const tails: [number, number][] = [
      [3, 0.0026997960632601866],
      [5, 5.73303143758389e-7],
      [8, 1.2441921148543658e-15],
    ]
    for (const [z, p] of tails) expect(Math.abs(twoSidedP(z) / p - 1)).toBeLessThan(1e-6)
  })

  test('Wilson intervals match Newcombe (1998) Table I', () => {
    const cases: [number, number, number, number][] = [
      [81, 263, 0.2553, 0.3662],
      [15, 148, 0.0624, 0.1605],
      [0, 20, 0, 0.1611],
      [1, 29, 0.0061, 0.1718],
    ]
    for (const [x, n, low, high] of cases) {
      const p = proportion(x, n)
      expect(p.rate).toBe(x / n)
      expect(p.ci?.low).toBeCloseTo(low, 4)
      expect(p.ci?.high).toBeCloseTo(high, 4)
    }
    expect(proportion(0, 0)).toEqual({ successes: 0, trials: 0, rate: null, ci: null })
    expect(() => proportion(5, 4)).toThrow(RangeError)
  })

  test('200/1000 against 250/1000: z −2.6774, p 0.00742, lift −20% [−32.1%, −5.7%]', () => {
    const r = twoProportionZTest({ successes: 200, trials: 1000 }, { successes: 250, trials: 1000 })
    if (!r.ok) throw new Error('expected a test result')
    expect(r.z).toBeCloseTo(-2.677397763008329, 6)
    expect(r.p).toBeCloseTo(0.007419649261025687, 6)
    expect(r.difference.estimate).toBeCloseTo(-0.05, 12)
    expect(r.difference.ci.low).toBeCloseTo(-0.08645099471882532, 8)
    expect(r.difference.ci.high).toBeCloseTo(-0.013395969886116264, 8)
    expect(r.lift?.estimate).toBeCloseTo(-0.2, 12)
    expect(r.lift?.ci.low).toBeCloseTo(-0.3209943994639596, 8)
    expect(r.lift?.ci.high).toBeCloseTo(-0.05744518234495777, 8)
  })

  test("the difference interval is Newcombe's method 10: 56/70 − 48/80 → [0.0524, 0.3339]", () => {
    const r = twoProportionZTest({ successes: 56, trials: 70 }, { successes: 48, trials: 80 })
    if (!r.ok) throw new Error('expected a test result')
    expect(r.difference.ci.low).toBeCloseTo(0.0524, 4)
    expect(r.difference.ci.high).toBeCloseTo(0.3339, 4)
    expect(r.z).toBeCloseTo(2.6501719512585336, 6)
  })

  test('says plainly when there is nothing to compare, and finds no difference in two zeros', () => {
    const none = twoProportionZTest({ successes: 0, trials: 0 }, { successes: 3, trials: 10 })
    expect(none).toMatchObject({ ok: false, reason: 'no-trials' })
    const zeros = twoProportionZTest({ successes: 0, trials: 10 }, { successes: 0, trials: 20 })
    expect(zeros).toMatchObject({ ok: true, z: 0, p: 1, lift: null })
    const one = twoProportionZTest({ successes: 3, trials: 10 }, { successes: 0, trials: 10 })
    expect(one).toMatchObject({ ok: true, lift: null })
    if (one.ok) expect(one.p).toBeCloseTo(0.060289173990602164, 6)
  })
})

const counts = (variant: string, exposures: number, clicked: number, converted: number) =>
  ({
    variant,
    exposures,
    clicks: clicked,
    conversions: converted,
    clickedUsers: clicked,
    convertedUsers: converted,
  }) satisfies VariantCounts

describe('experimentResults', () => {
  test('finds item-item lifting clicks significantly but not purchases', () => {
    const r = experimentResults(DEFAULT_EXPERIMENT, [
      counts('control', 1000, 200, 50),
      counts('item-item', 1000, 250, 55),
    ])
    const [control, treatment] = r.variants
    expect(control).toMatchObject({ variant: 'control', strategy: 'hybrid', vsControl: null })
    expect(control?.ctr.rate).toBe(0.2)
    expect(treatment?.conversionRate.ci?.low).toBeCloseTo(0.04251, 4)
    const vs = treatment?.vsControl
    expect(vs?.ctr).toMatchObject({ ok: true, significant: true })
    if (vs?.ctr.ok) expect(vs.ctr.z).toBeCloseTo(2.677397763008329, 6)
    expect(vs?.conversionRate).toMatchObject({ ok: true, significant: false })
    if (vs?.conversionRate.ok) expect(vs.conversionRate.p).toBeCloseTo(0.6161697188674794, 6)
  })

  test('reports a variant nobody has seen yet as not comparable, not as a result', () => {
    const r = experimentResults(DEFAULT_EXPERIMENT, [counts('control', 10, 1, 0)])
    expect(r.variants[1]?.ctr).toMatchObject({ trials: 0, rate: null })
    expect(r.variants[1]?.vsControl?.ctr).toMatchObject({ ok: false, significant: false })
  })
})

describe('the A/B event counter', () => {
  const W = DEFAULT_EXPERIMENT.conversionWindowMs
  const exposure = (userId: string, variant = 'control', at = T0): AbEvent => ({
    type: 'exposure',
    experimentId: DEFAULT_EXPERIMENT.id,
    variant,
    userId,
    at,
  })
  const click = (userId: string, productId: string, at = T0, variant = 'control'): AbEvent => ({
    type: 'click',
    experimentId: DEFAULT_EXPERIMENT.id,
    variant,
    userId,
    productId,
    at,
  })
  const buy = (userId: string, productId: string, at: number): AbEvent => ({
    type: 'conversion',
    experimentId: DEFAULT_EXPERIMENT.id,
    variant: 'control',
    userId,
    productId,
    at,
  })
  const run = (events: AbEvent[]) => {
    const counter = createAbCounter()
    for (const e of events) countAbEvent(counter, e, W)
    return variantCounts(counter, DEFAULT_EXPERIMENT)
  }
  const control = (events: AbEvent[]) => run(events)[0]

  test('counts each user, click and conversion once however often it is seen', () => {
    const events = [exposure('ada'), click('ada', 'tent'), buy('ada', 'tent', T0 + HOUR)]
    expect(control([...events, ...events, ...events])).toEqual(counts('control', 1, 1, 1))
    const counter = createAbCounter()
    expect(events.map((e) => countAbEvent(counter, e, W))).toEqual([true, true, true])
    const state = JSON.stringify(counter)
    expect(events.map((e) => countAbEvent(counter, e, W))).toEqual([false, false, false])
    // A log replayed over a snapshot must not grow it.
    expect(JSON.stringify(counter)).toBe(state)
  })

  test('counts clicks per product and conversions once per product, rates per user', () => {
    const c = control([
      exposure('ada'),
      click('ada', 'tent'),
      click('ada', 'stove', T0 + 1),
      click('ada', 'tent', T0 + 2 * HOUR),
      buy('ada', 'tent', T0 + HOUR),
      buy('ada', 'tent', T0 + 3 * HOUR),
      buy('ada', 'lamp', T0 + HOUR),
    ])
    expect(c).toMatchObject({ exposures: 1, clicks: 2, conversions: 1, clickedUsers: 1 })
  })

  test('counts a purchase seen before the click it follows, once the click arrives', () => {
    expect(control([exposure('ada'), buy('ada', 'tent', T0 + HOUR)])?.conversions).toBe(0)
    expect(
      control([buy('ada', 'tent', T0 + HOUR), exposure('ada'), click('ada', 'tent', T0)]),
    ).toEqual(counts('control', 1, 1, 1))
  })

  test('ends the window exactly conversionWindowMs after the click', () => {
    expect(control([click('ada', 'tent'), buy('ada', 'tent', T0 + W)])?.conversions).toBe(1)
    expect(control([click('ada', 'tent'), buy('ada', 'tent', T0 + W + 1)])?.conversions).toBe(0)
    expect(control([click('ada', 'tent'), buy('ada', 'tent', T0 - 1)])?.conversions).toBe(0)
    // A later click opens a new window for the same product.
    const again = [
      click('ada', 'tent'),
      buy('ada', 'tent', T0 + W + 5),
      click('ada', 'tent', T0 + W),
    ]
    expect(control(again)?.conversions).toBe(1)
  })

  test('leaves clicks of users never exposed out of the rates', () => {
    expect(control([click('ada', 'tent'), buy('ada', 'tent', T0 + 1)])).toEqual({
      ...counts('control', 0, 0, 0),
      clicks: 1,
      conversions: 1,
    })
  })

  test('arrives at the same counts in any order, with duplicates, and across a JSON round trip', () => {
    // A small world, so that users meet the same product in both variants and windows overlap.
    const users = ['ada', 'grace']
    const event = fc.oneof(
      fc
        .record({ u: fc.constantFrom(...users), v: fc.constantFrom('control', 'item-item') })
        .map(({ u, v }) => exposure(u, v)),
      fc
        .record({
          u: fc.constantFrom(...users),
          p: fc.constantFrom('tent', 'stove'),
          t: fc.integer({ min: 0, max: 3 }),
          v: fc.constantFrom('control', 'item-item'),
        })
        .map(({ u, p, t, v }) => click(u, p, T0 + t * W * 0.6, v)),
      fc
        .record({
          u: fc.constantFrom(...users),
          p: fc.constantFrom('tent', 'stove'),
          t: fc.integer({ min: 0, max: 4 }),
        })
        .map(({ u, p, t }) => buy(u, p, T0 + t * W * 0.5)),
    )
    const scenario = fc.array(event, { maxLength: 40, size: 'max' }).chain((events) =>
      fc.record({
        events: fc.constant(events),
        // Every event twice, in any order: duplicates and late arrivals at once.
        replay: fc.shuffledSubarray([...events, ...events], { minLength: events.length * 2 }),
        cut: fc.nat({ max: events.length * 2 }),
      }),
    )
    fc.assert(
      fc.property(scenario, ({ events, replay, cut }) => {
        const expected = run(events)
        expect(run(replay)).toEqual(expected)
        const counter = createAbCounter()
        for (const e of replay.slice(0, cut)) countAbEvent(counter, e, W)
        const restored = JSON.parse(JSON.stringify(counter))
        for (const e of replay.slice(cut)) countAbEvent(restored, e, W)
        expect(variantCounts(restored, DEFAULT_EXPERIMENT)).toEqual(expected)
      }),
    )
  })

  test('credits the earliest click a purchase followed, whichever arrived first', () => {
    const late = [click('ada', 'tent', T0 + HOUR, 'item-item'), buy('ada', 'tent', T0 + 2 * HOUR)]
    const early = click('ada', 'tent', T0, 'control')
    const before = run(late)
    expect(before.map((c) => c.conversions)).toEqual([0, 1])
    expect(run([...late, early]).map((c) => c.conversions)).toEqual([1, 0])
    expect(run([early, ...late]).map((c) => c.conversions)).toEqual([1, 0])
  })

  test('takes user ids like __proto__ and constructor as plain names', () => {
    const c = control([
      exposure('__proto__'),
      exposure('constructor'),
      click('__proto__', 'toString'),
      buy('__proto__', 'toString', T0 + 1),
    ])
    expect(c).toEqual(counts('control', 2, 1, 1))
    expect(({} as Record<string, unknown>).exposed).toBeUndefined()
  })
})

describe('parseExperiments', () => {
  const fieldsOf = (json: string) => {
    try {
      parseExperiments(json)
    } catch (error) {
      if (error instanceof ValidationError) return error.errors.map((e) => e.field)
      throw error
    }
    throw new Error('expected a ValidationError')
  }
  const valid = {
    id: 'x',
    name: 'X',
    startedAt: '2026-11-01T00:00:00Z',
    variants: [
      { name: 'a', strategy: 'ease', weight: 1 },
      { name: 'b', strategy: 'session', weight: 3 },
    ],
  }
  const withVariant = (patch: object) =>
    JSON.stringify([
      { ...valid, variants: [valid.variants[0], { ...valid.variants[1], ...patch }] },
    ])

  test('runs hybrid against item-item 50/50 with a 24 h window when unset', () => {
    for (const unset of [undefined, '', '  ']) {
      expect(parseExperiments(unset)).toEqual([DEFAULT_EXPERIMENT])
    }
    expect(DEFAULT_EXPERIMENT.conversionWindowMs).toBe(24 * HOUR)
    expect(parseExperiments('[]')).toEqual([])
  })

  test('reads a configured experiment, filling in status and window', () => {
    expect(parseExperiments(JSON.stringify([valid]))).toEqual([
      { ...valid, status: 'running', conversionWindowMs: 24 * HOUR },
    ] as Experiment[])
  })

  test('names the field of each mistake', () => {
    expect(fieldsOf('{not json')).toEqual(['RECOMMENDER_EXPERIMENTS'])
    expect(fieldsOf(withVariant({ weight: 0 }))).toEqual([
      'RECOMMENDER_EXPERIMENTS[0].variants[1].weight',
    ])
    expect(fieldsOf(withVariant({ strategy: 'magic' }))).toEqual([
      'RECOMMENDER_EXPERIMENTS[0].variants[1].strategy',
    ])
    expect(fieldsOf(withVariant({ name: 'a' }))).toEqual([
      'RECOMMENDER_EXPERIMENTS[0].variants[1].name',
    ])
    expect(fieldsOf(JSON.stringify([{ ...valid, variants: valid.variants.slice(1) }]))).toEqual([
      'RECOMMENDER_EXPERIMENTS[0].variants',
    ])
    expect(fieldsOf(JSON.stringify([valid, { ...valid, status: 'stopped' }]))).toEqual([
      'RECOMMENDER_EXPERIMENTS[1].id',
    ])
    expect(fieldsOf(JSON.stringify([{ ...valid, id: 'Has:Colon', startedAt: 'soon' }]))).toEqual([
      'RECOMMENDER_EXPERIMENTS[0].id',
      'RECOMMENDER_EXPERIMENTS[0].startedAt',
    ])
    expect(() => parseExperiments(withVariant({ weight: -1 }))).toThrow(
      /variants\[1\]\.weight: weight must be positive/,
    )
  })
})
