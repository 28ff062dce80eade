import {createWriteStream} from 'node:fs'
import {readFile, writeFile} from 'node:fs/promises'
import {createRequire} from 'node:module'
import path from 'node:path'
import {Writable} from 'node:stream'
import {beforeAll, describe, expect, it} from 'vitest'
import {loadBundle} from '../../src/core/bundle/index.js'
import type {Bundle} from '../../src/core/bundle/types.js'
import type {Reporter} from '../../src/core/reporter.js'
import {predictStream} from '../../src/core/stages/predict.js'
import {chooseWorkerCount, PredictPool} from '../../src/core/stages/predict-pool.js'
import {tempDir, trainModel} from '../serve/support/model.js'
import {sentiops} from '../support/cli.js'

const require = createRequire(import.meta.url)
const texts = ['amazon', 'imdb', 'yelp'].flatMap(name => (require(`sentiment/test/fixtures/${name}.json`) as Array<{text?: string}>).map(r => r.text ?? ''))

let project: string
let modelDir: string
let bundle: Bundle
let csv: string

/** A CSV of `text,id` rows: the fixtures three times over (about 6,000 rows), some ids left empty. */
function csvOf(rows: readonly string[]): string {
  const quote = (s: string) => `"${s.replaceAll('"', '""')}"`
  return 'id,text\n' + rows.map((t, i) => `${i % 7 === 0 ? '' : `r${i}`},${quote(t)}`).join('\n') + '\n'
}

async function run(options: {pool?: PredictPool; batchSize?: number} = {}): Promise<{lines: string; count: number}> {
  let lines = ''
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines += chunk.toString()
      done()
    },
  })
  const {count} = await predictStream(bundle, csv, out, {batchSize: options.batchSize ?? 128, pool: options.pool})
  return {lines, count}
}

beforeAll(async () => {
  project = await tempDir('sentiops-predict-stream-')
  modelDir = (await trainModel(project)).dir
  bundle = await loadBundle(modelDir)
  csv = path.join(project, 'texts.csv')
  await writeFile(csv, csvOf([...texts, ...texts, ...texts]))
}, 120_000)

describe('sentiops predict --input with worker threads', () => {
  it('writes the same lines, in input order, with a pool of workers as without', async () => {
    const alone = await run()
    const pool = PredictPool.start(modelDir, 2)
    try {
      expect(await pool.ready()).toBe(2)
      const pooled = await run({pool})
      expect(pool.taken).toBeGreaterThan(5)
      expect(pooled.count).toBe(texts.length * 3)
      expect(pooled.lines).toBe(alone.lines)
    } finally {
      await pool.close()
    }
    const first = JSON.parse(alone.lines.split('\n')[1]!) as {id?: string; label: string}
    expect(first.id).toBe('r1')
    expect(JSON.parse(alone.lines.split('\n')[0]!)).not.toHaveProperty('id')
  }, 60_000)

  it('predicts everything on the main thread when the workers cannot load the model, with one warning each', async () => {
    const warnings: string[] = []
    const reporter: Reporter = {info() {}, progress() {}, debug() {}, warn: message => warnings.push(message)}
    const pool = PredictPool.start(path.join(project, 'no-such-bundle'), 2, reporter)
    try {
      expect(await pool.ready()).toBe(0)
      const result = await run({pool})
      expect(pool.taken).toBe(0)
      expect(result.lines).toBe((await run()).lines)
    } finally {
      await pool.close()
    }
    expect(warnings).toHaveLength(2)
    expect(warnings[0]).toMatch(/^predict: a worker thread could not load the model \(no model bundle at .*no-such-bundle/)
  }, 60_000)

  it('predicts again on the main thread what workers had in flight when they stopped', async () => {
    const pool = PredictPool.start(modelDir, 2)
    expect(await pool.ready()).toBe(2)
    // The workers stop while the stream is under way, with batches in flight.
    const submit = pool.trySubmit.bind(pool)
    pool.trySubmit = batch => {
      const lines = submit(batch)
      if (batch.seq === 6) void pool.close()
      return lines
    }
    const result = await run({pool})
    expect(pool.taken).toBeGreaterThan(0)
    expect(result.lines).toBe((await run()).lines)
  }, 60_000)

  it('uses workers by default only for files large enough to pay for them, never for stdin', async () => {
    expect(await chooseWorkerCount(csv)).toBe(0) // ~1 MB
    expect(await chooseWorkerCount('-')).toBe(0)
    expect(await chooseWorkerCount(csv, 3)).toBe(3)
    const big = path.join(project, 'big.csv')
    const stream = createWriteStream(big)
    const block = await readFile(csv)
    for (let size = 0; size <= 8 * 1024 * 1024; size += block.length) stream.write(block)
    await new Promise<void>(resolve => stream.end(resolve))
    expect(await chooseWorkerCount(big)).toBe(Math.min((await import('node:os')).availableParallelism() - 1, 7))
  })

  it('gives the real binary the same output with --workers 2 as with --workers 0', () => {
    const args = (workers: number) => ['predict', '--model', modelDir, '--input', csv, '--output', '-', '--workers', String(workers)]
    const alone = sentiops(args(0), {cwd: project})
    const pooled = sentiops(args(2), {cwd: project})
    expect(alone.code, alone.stderr).toBe(0)
    expect(pooled.code, pooled.stderr).toBe(0)
    expect(pooled.stdout).toBe(alone.stdout)
    expect(pooled.stdout.split('\n')).toHaveLength(texts.length * 3 + 1)
  }, 60_000)
})
