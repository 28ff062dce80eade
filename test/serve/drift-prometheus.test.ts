import {readFile, rename, rm, symlink} from 'node:fs/promises'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {readSplit} from '../../src/core/data/split-file.js'
import {promQuery, startPrometheus, type Service} from '../support/ship-services.js'
import {postJson, waitFor} from './support/http.js'
import {tempDir, trainModel} from './support/model.js'
import {ensureServeDeps, ROOT, spawnServe, type ServeProcess} from './support/serve-process.js'

const WINDOW = 400
const THRESHOLD = 0.2
const RULES = path.join(ROOT, 'k8s', 'monitoring', 'alert-rules.yml')

let serve: ServeProcess
let prometheus: Service
let cwd: string
let link: string
let secondModel: string
let secondCwd: string
let testTexts: string[]
/** Texts the server classified so far (spawnServe's warm-up request is one). */
let classified = 1

/** A made-up word of letters only (digits would split it into tokens): 'zqa' … 'zqzz' … framed by 'vk'. */
const madeUpWord = (k: number) => {
  let letters = ''
  do {
    letters += String.fromCharCode(97 + (k % 26))
    k = Math.floor(k / 26)
  } while (k > 0)
  return `zq${letters}vk`
}

/** Out-of-domain texts: long (40 to 69 words, 300+ characters), made of words no vocabulary holds; deterministic. */
function unknownWordTexts(n: number): string[] {
  return Array.from({length: n}, (_, i) => Array.from({length: 40 + (i % 30)}, (_, j) => madeUpWord((i * 97 + j * 13) % 5000)).join(' '))
}

async function send(texts: readonly string[]): Promise<void> {
  for (let i = 0; i < texts.length; i += 50) {
    const res = await postJson(`${serve.address}/predict`, {texts: texts.slice(i, i + 50)})
    expect(res.status, res.body).toBe(200)
  }
  classified += texts.length
}

/** Waits until Prometheus scraped the server after everything sent so far was classified. */
async function scrapedAll(): Promise<void> {
  await waitFor(`Prometheus to scrape ${classified} predictions`, async () => {
    const [total] = await promQuery(prometheus, 'sum(sentiops_predictions_total)')
    return total && Number(total.value[1]) >= classified ? true : undefined
  }, 30_000, 250)
}

async function psiBySignal(): Promise<Record<string, number>> {
  return Object.fromEntries((await promQuery(prometheus, 'sentiops_drift_psi')).map(s => [s.metric.signal, Number(s.value[1])]))
}

beforeAll(async () => {
  ensureServeDeps()
  cwd = await tempDir('sentiops-drift-prom-')
  const first = await trainModel(cwd)
  testTexts = (await readSplit(path.join(cwd, 'data', 'raw', 'test.csv'))).map(r => r.text)
  expect(testTexts.length).toBeGreaterThan(WINDOW)
  expect(JSON.parse(await readFile(path.join(first.dir, 'bundle.json'), 'utf8')).profile.signals).toBeDefined()
  secondCwd = await tempDir('sentiops-drift-prom-2-')
  secondModel = (await trainModel(secondCwd, {'train.algorithm': 'mnb'})).dir
  // Served through a symlink, so the swap to the second model is one atomic rename.
  link = path.join(cwd, 'serving-model')
  await symlink(first.dir, link)
  serve = await spawnServe(['--model', link, '--watch', '1', '--drift-window', String(WINDOW)], {cwd})
  prometheus = await startPrometheus([`127.0.0.1:${serve.port}`], [RULES])
}, 180_000)

afterAll(async () => {
  await Promise.allSettled([prometheus?.stop(), serve?.stop()])
  await Promise.all([cwd, secondCwd].filter(Boolean).map(dir => rm(dir, {recursive: true, force: true})))
})

describe('live drift: a real Prometheus scraping a real `sentiops serve`', () => {
  const seen: Record<string, Record<string, number>> = {}

  it('in-domain traffic (the model\'s own test split): every PSI stays below the threshold, no drift alert', async () => {
    await send(testTexts)
    await scrapedAll()
    const [fill] = await promQuery(prometheus, 'sentiops_drift_window_texts')
    expect(Number(fill!.value[1])).toBe(WINDOW)
    const psi = await psiBySignal()
    seen.inDomain = psi
    expect(Object.keys(psi).sort()).toEqual(['oov_rate', 'score', 'text_length', 'token_count'])
    for (const value of Object.values(psi)) expect(value).toBeLessThan(THRESHOLD)
    expect(await promQuery(prometheus, `sentiops_drift_psi > ${THRESHOLD}`)).toEqual([])
    const [oov] = await promQuery(prometheus, 'sentiops_drift_oov_share')
    const [reference] = await promQuery(prometheus, 'sentiops_drift_reference_oov_share')
    expect(Math.abs(Number(oov!.value[1]) - Number(reference!.value[1]))).toBeLessThan(0.05)
    expect(await promQuery(prometheus, 'ALERTS{alertname=~"SentiopsInputDrift|SentiopsPredictionMixShift"}')).toEqual([])
  })

  it('out-of-domain traffic (long texts of unknown words): PSI rises past the threshold, the drift and class-mix alerts go pending', async () => {
    await send(unknownWordTexts(WINDOW))
    await scrapedAll()
    const psi = await psiBySignal()
    seen.outOfDomain = psi
    const drifted = (await promQuery(prometheus, `sentiops_drift_psi > ${THRESHOLD}`)).map(s => s.metric.signal).sort()
    expect(drifted).toEqual(expect.arrayContaining(['oov_rate', 'text_length', 'token_count']))
    const [oov] = await promQuery(prometheus, 'sentiops_drift_oov_share')
    expect(Number(oov!.value[1])).toBeGreaterThan(0.95)
    // The rule (evaluated every second here) matches; it would fire after 15 minutes.
    const pending = await waitFor('SentiopsInputDrift to be pending', async () => {
      const alerts = await promQuery(prometheus, 'ALERTS{alertname="SentiopsInputDrift",alertstate="pending"}')
      return alerts.length >= 3 ? alerts : undefined
    }, 15_000, 250)
    expect(pending.map(a => a.metric.signal).sort()).toEqual(expect.arrayContaining(['oov_rate', 'text_length', 'token_count']))
    // Texts with (almost) no known word get (almost) one and the same answer: the class mix moves far from the test split's.
    const [shift] = await promQuery(prometheus, 'max(abs(sentiops_drift_class_share - sentiops_drift_reference_class_share))')
    seen.classShift = {max: Number(shift!.value[1])}
    expect(Number(shift!.value[1])).toBeGreaterThan(0.1)
    await waitFor('SentiopsPredictionMixShift to be pending', async () => ((await promQuery(prometheus, 'ALERTS{alertname="SentiopsPredictionMixShift",alertstate="pending"}')).length === 2 ? true : undefined), 15_000, 250)
  })

  it('a model swap empties the window: the drift series go away until the new model has classified enough', async () => {
    const [before] = await promQuery(prometheus, 'sentiops_model_info')
    const next = path.join(cwd, 'serving-model.next')
    await symlink(secondModel, next)
    await rename(next, link)
    await waitFor('the second model load to be scraped', async () => {
      const [loads] = await promQuery(prometheus, 'sentiops_model_loads_total{result="success"}')
      return loads && Number(loads.value[1]) === 2 ? true : undefined
    }, 30_000, 250)
    const [after] = await promQuery(prometheus, 'sentiops_model_info')
    expect(after!.metric.version).not.toBe(before!.metric.version)
    expect(Number((await promQuery(prometheus, 'sentiops_drift_window_texts'))[0]!.value[1])).toBe(0)
    expect(await promQuery(prometheus, 'sentiops_drift_psi')).toEqual([])
    expect(await promQuery(prometheus, 'sentiops_drift_class_share')).toEqual([])
    await waitFor('the pending drift alert to clear', async () => ((await promQuery(prometheus, 'ALERTS{alertname="SentiopsInputDrift"}')).length === 0 ? true : undefined), 15_000, 250)

    await send(testTexts.slice(0, 300))
    await scrapedAll()
    expect(Number((await promQuery(prometheus, 'sentiops_drift_window_texts'))[0]!.value[1])).toBe(300)
    const psi = await psiBySignal()
    seen.afterSwapInDomain300 = psi
    expect(Object.keys(psi)).toHaveLength(4)
    for (const value of Object.values(psi)) expect(value).toBeLessThan(THRESHOLD)
    console.info(`live drift values seen in Prometheus (window ${WINDOW}): ${JSON.stringify(seen)}`)
  })
})
