import type {FastifyInstance} from 'fastify'
import {afterEach, describe, expect, it} from 'vitest'
import type {Bundle, Prediction} from '../../src/core/bundle/types.js'
import type {TrainingProfile} from '../../src/core/monitor/profile.js'
import {buildApp} from '../../src/serve/app.js'
import {DriftWindow} from '../../src/serve/drift-window.js'
import {psi} from '../../src/core/monitor/psi.js'
import {ServeMetrics} from '../../src/serve/metrics.js'
import {ModelHolder} from '../../src/serve/model-holder.js'
import {fakeBundle} from './support/fake-bundle.js'

const CLASSES = ['negative', 'positive']

/**
 * The oracle of the window is the bin counts, worked out by hand below; PSI is then THE definition
 * (src/core/monitor/psi.ts, tested on its own) applied to those counts and the profile's shares.
 */
const psiOf = (shares: number[], handCounts: number[]): number => psi(shares, handCounts)

function predicted(positive: number): Prediction {
  const probabilities = {negative: 1 - positive, positive}
  return positive > 0.5 ? {label: 'positive', score: positive, probabilities} : {label: 'negative', score: 1 - positive, probabilities}
}

function profile(signals: Record<string, [number[], number[]]>, oovShare: number, classMix: Record<string, number>): TrainingProfile {
  return {
    version: 1,
    n: 100,
    signals: Object.fromEntries(Object.entries(signals).map(([name, [edges, shares]]) => [name, {edges, shares}])) as TrainingProfile['signals'],
    oovShare,
    classMix,
  }
}

describe('DriftWindow (hand-computed counts and PSI)', () => {
  const reference = profile(
    {text_length: [[10, 20], [0.25, 0.5, 0.25]], token_count: [[2], [0.5, 0.5]], oov_rate: [[0], [0.8, 0.2]], score: [[0.5], [0.5, 0.5]]},
    0.1,
    {negative: 0.5, positive: 0.5},
  )
  // [text length, words, unknown words, P(positive)]
  const rows: Array<[number, number, number, number]> = [
    [5, 1, 0, 0.9],
    [15, 3, 3, 0.2],
    [25, 4, 1, 0.7],
    [12, 2, 0, 0.6],
    [30, 5, 5, 0.1],
    [18, 3, 0, 0.4],
  ]
  const add = (window: DriftWindow, [length, tokens, unknown, positive]: [number, number, number, number]) => window.add('x'.repeat(length), tokens, unknown, predicted(positive))

  it('counts the texts it holds per bin before the window is full', () => {
    const window = new DriftWindow(reference, CLASSES, 4)
    for (const row of rows.slice(0, 4)) add(window, row)
    expect(window.texts).toBe(4)
    // lengths 5, 15, 25, 12 in (-inf,10], (10,20], (20,inf)
    expect(window.binCounts('text_length')).toEqual([1, 2, 1])
    expect(window.psi('text_length')).toBe(psiOf([0.25, 0.5, 0.25], [1, 2, 1]))
    expect(window.binCounts('token_count')).toEqual([2, 2])
    expect(window.binCounts('oov_rate')).toEqual([2, 2])
    expect(window.binCounts('score')).toEqual([1, 3])
    expect(window.classShares()).toEqual({negative: 0.25, positive: 0.75})
    expect(window.oovShare()).toBeCloseTo(4 / 10, 12)
  })

  it('after two evictions holds only the last four texts: counts, PSI, class and OOV shares', () => {
    const window = new DriftWindow(reference, CLASSES, 4)
    for (const row of rows) add(window, row)
    expect(window.texts).toBe(4)
    // Rows 3-6: lengths 25, 12, 30, 18; words 4, 2, 5, 3; OOV rates 0.25, 0, 1, 0; P(positive) 0.7, 0.6, 0.1, 0.4.
    expect(window.binCounts('text_length')).toEqual([0, 2, 2])
    expect(window.binCounts('token_count')).toEqual([1, 3])
    expect(window.binCounts('oov_rate')).toEqual([2, 2])
    expect(window.binCounts('score')).toEqual([2, 2])
    expect(window.psi('text_length')).toBe(psiOf([0.25, 0.5, 0.25], [0, 2, 2]))
    expect(window.psi('token_count')).toBe(psiOf([0.5, 0.5], [1, 3]))
    expect(window.psi('oov_rate')).toBe(psiOf([0.8, 0.2], [2, 2]))
    expect(window.psi('score')).toBe(psiOf([0.5, 0.5], [2, 2]))
    // The shifted signals score above the balanced one.
    expect(window.psi('text_length')).toBeGreaterThan(window.psi('score'))
    expect(window.classShares()).toEqual({negative: 0.5, positive: 0.5})
    expect(window.oovShare()).toBeCloseTo((1 + 0 + 5 + 0) / (4 + 2 + 5 + 3), 12)
  })

  it('a window of one holds the last text only; an empty window has no PSI', () => {
    const window = new DriftWindow(reference, CLASSES, 1)
    expect(window.psi('score')).toBeNaN()
    for (const row of rows) add(window, row)
    expect(window.binCounts('text_length')).toEqual([0, 1, 0])
    expect(window.classShares()).toEqual({negative: 1, positive: 0})
  })

  it('refuses a size that is not a positive integer and a profile whose shares do not match its edges', () => {
    expect(() => new DriftWindow(reference, CLASSES, 0)).toThrow(/positive integer/)
    const bad = profile({text_length: [[10], [1]], token_count: [[2], [0.5, 0.5]], oov_rate: [[0], [0.8, 0.2]], score: [[0.5], [0.5, 0.5]]}, 0, {})
    expect(() => new DriftWindow(bad, CLASSES, 4)).toThrow(/text_length: 1 edges but 1 shares/)
  })
})

/** The fake bundle's words: good/great/love are known (and make it predict positive, P 0.9; else 0.2). */
const FAKE_PROFILE = profile(
  {text_length: [[10], [0.5, 0.5]], token_count: [[2], [0.5, 0.5]], oov_rate: [[0.5], [0.5, 0.5]], score: [[0.5], [0.5, 0.5]]},
  0.5,
  {negative: 0.5, positive: 0.5},
)

function withProfile(bundle: Bundle, value: TrainingProfile | undefined): Bundle {
  if (value) bundle.meta.profile = value
  return bundle
}

/** The exposition text's samples of `name` as `{labels}` → value (labels in the text's own order). */
function samples(text: string, name: string): Record<string, number> {
  const out: Record<string, number> = {}
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)(\{[^}]*\})? (\S+)$/.exec(line)
    if (m && m[1] === name) out[m[2] ?? ''] = Number(m[3])
  }
  return out
}

describe('live drift in serve: /predict and /invocations feed the window, /metrics exports it', () => {
  let app: FastifyInstance | undefined
  afterEach(async () => app?.close())

  async function start(profiles: Record<string, TrainingProfile | undefined>, window = 4, minSamples = 2) {
    const state = {dir: Object.keys(profiles)[0]!}
    const logLines: Array<{level: number; msg: string}> = []
    const holder = new ModelHolder({uri: 'models:/sentiment@champion', resolve: async () => ({dir: state.dir, name: 'sentiment', version: state.dir, alias: 'champion'}), load: async dir => withProfile(fakeBundle(dir), profiles[dir])})
    const metrics = new ServeMetrics({defaultMetrics: false, drift: {window, minSamples}})
    app = await buildApp({holder, metrics, limits: {bodyLimit: 65_536, maxTextLength: 1000, maxBatch: 16}, logger: {level: 'info', stream: {write: (line: string) => logLines.push(JSON.parse(line) as {level: number; msg: string})}}})
    await app.ready()
    await holder.load()
    const scrape = async () => (await app!.inject({method: 'GET', url: '/metrics'})).body
    const predict = async (texts: string[]) => expect((await app!.inject({method: 'POST', url: '/predict', headers: {'content-type': 'application/json'}, payload: JSON.stringify({texts})})).statusCode).toBe(200)
    const swapTo = async (dir: string) => {
      state.dir = dir
      expect((await holder.refresh()).status).toBe('swapped')
    }
    return {scrape, predict, swapTo, logLines}
  }

  it('exports nothing but the window size below min_samples, then PSI, class and OOV shares after evictions', async () => {
    const {scrape, predict} = await start({v1: FAKE_PROFILE})
    await predict(['great'])
    let text = await scrape()
    expect(samples(text, 'sentiops_drift_window_texts')).toEqual({'': 1})
    expect(samples(text, 'sentiops_drift_psi')).toEqual({})
    expect(samples(text, 'sentiops_drift_class_share')).toEqual({})
    expect(samples(text, 'sentiops_drift_oov_share')).toEqual({})
    expect(samples(text, 'sentiops_drift_reference_oov_share')).toEqual({'': 0.5})
    expect(samples(text, 'sentiops_drift_reference_class_share')).toEqual({'{class="negative"}': 0.5, '{class="positive"}': 0.5})

    // 'great' (5 chars, 1 word, 0 unknown, P 0.9), then 12 chars/3/3/0.2, 15/4/3/0.9, 9/2/0/0.9.
    await predict(['this is dull', 'love it so much', 'good good'])
    text = await scrape()
    expect(samples(text, 'sentiops_drift_window_texts')).toEqual({'': 4})
    // Bins per signal: text_length 5, 12, 15, 9 vs edge 10 → [2, 2]; words 1, 3, 4, 2 vs 2 → [2, 2];
    // OOV rates 0, 1, 0.75, 0 vs 0.5 → [2, 2]; P(positive) 0.9, 0.2, 0.9, 0.9 vs 0.5 → [1, 3].
    const even = psiOf([0.5, 0.5], [2, 2])
    const skewed = psiOf([0.5, 0.5], [1, 3])
    expect(samples(text, 'sentiops_drift_psi')).toEqual({'{signal="text_length"}': even, '{signal="token_count"}': even, '{signal="oov_rate"}': even, '{signal="score"}': skewed})
    expect(samples(text, 'sentiops_drift_class_share')).toEqual({'{class="negative"}': 0.25, '{class="positive"}': 0.75})
    expect(samples(text, 'sentiops_drift_oov_share')['']).toBeCloseTo(6 / 10, 9)

    // Two texts of 12 unknown words (23 chars, P 0.2) push out 'great' and 'this is dull'.
    await predict(['a b c d e f g h i j k l', 'a b c d e f g h i j k l'])
    text = await scrape()
    expect(samples(text, 'sentiops_drift_window_texts')).toEqual({'': 4})
    // Now 15, 9, 23, 23 chars → [1, 3]; 4, 2, 12, 12 words → [1, 3]; OOV 0.75, 0, 1, 1 → [1, 3]; P 0.9, 0.9, 0.2, 0.2 → [2, 2].
    expect(samples(text, 'sentiops_drift_psi')).toEqual({'{signal="text_length"}': skewed, '{signal="token_count"}': skewed, '{signal="oov_rate"}': skewed, '{signal="score"}': even})
    expect(samples(text, 'sentiops_drift_class_share')).toEqual({'{class="negative"}': 0.5, '{class="positive"}': 0.5})
    expect(samples(text, 'sentiops_drift_oov_share')['']).toBeCloseTo(27 / 30, 9)
  })

  it('POST /invocations feeds the same window', async () => {
    const {scrape} = await start({v1: FAKE_PROFILE})
    const res = await app!.inject({method: 'POST', url: '/invocations', headers: {'content-type': 'application/json'}, payload: JSON.stringify({instances: ['good', 'bad one', 'love']})})
    expect(res.statusCode).toBe(200)
    expect(samples(await scrape(), 'sentiops_drift_class_share')).toEqual({'{class="negative"}': 1 / 3, '{class="positive"}': 2 / 3})
  })

  it('a model swap starts an empty window against the new profile; a bundle without one turns drift off with one log line', async () => {
    const v2: TrainingProfile = {...FAKE_PROFILE, oovShare: 0.25, classMix: {negative: 0.7, positive: 0.3}}
    const {scrape, predict, swapTo, logLines} = await start({v1: FAKE_PROFILE, v2, v3: undefined})
    await predict(['good', 'bad', 'love it', 'great'])
    expect(Object.keys(samples(await scrape(), 'sentiops_drift_psi'))).toHaveLength(4)

    await swapTo('v2')
    let text = await scrape()
    expect(samples(text, 'sentiops_drift_window_texts')).toEqual({'': 0})
    expect(samples(text, 'sentiops_drift_psi')).toEqual({})
    expect(samples(text, 'sentiops_drift_reference_oov_share')).toEqual({'': 0.25})
    expect(samples(text, 'sentiops_drift_reference_class_share')).toEqual({'{class="negative"}': 0.7, '{class="positive"}': 0.3})
    await predict(['good', 'bad'])
    expect(samples(await scrape(), 'sentiops_drift_class_share')).toEqual({'{class="negative"}': 0.5, '{class="positive"}': 0.5})

    await swapTo('v3')
    await predict(['good', 'bad', 'worse'])
    text = await scrape()
    expect(samples(text, 'sentiops_drift_window_texts')).toEqual({'': 0})
    expect(samples(text, 'sentiops_drift_psi')).toEqual({})
    expect(samples(text, 'sentiops_drift_reference_oov_share')).toEqual({})
    expect(logLines.filter(l => /live drift/.test(l.msg)).map(l => l.msg)).toEqual(['live drift off: the model bundle has no training profile (retrain it with this sentiops version)'])
  })

  it('monitor.window 0: no drift metrics at all', async () => {
    const metrics = new ServeMetrics({defaultMetrics: false, drift: {window: 0, minSamples: 1}})
    expect(metrics.drift).toBeUndefined()
    expect(await metrics.render()).not.toMatch(/sentiops_drift_/)
  })
})
