import type {Writable} from 'node:stream'
import type {Bundle} from '../bundle/index.js'
import {readTextsForPrediction} from '../data/index.js'
import type {Reporter} from '../reporter.js'
import {formatPredictions} from './predict-format.js'
import type {PredictPool} from './predict-pool.js'

export {toRecord, type PredictionRecord} from './predict-format.js'

export interface PredictStreamOptions {
  format?: 'auto' | 'csv' | 'tsv' | 'json' | 'jsonl'
  textColumn?: string
  batchSize?: number
  reporter?: Reporter
  /** Worker threads that take batches while the main thread reads, writes and predicts the rest. */
  pool?: PredictPool
}

/** A batch of `size` texts and its JSON lines: ready (predicted here) or still coming from a worker. */
interface Pending {
  size: number
  lines?: string
  promise?: Promise<string>
}

/**
 * Streams texts from a file or stdin through bundle.predict in batches and writes one JSON line per text,
 * in input order. With a pool, workers predict some batches concurrently; a batch a worker fails on is
 * predicted again here, so a worker's trouble costs time, never a line. Memory stays flat whatever the
 * input size: at most a few batches per worker are in flight.
 */
export async function predictStream(bundle: Bundle, input: string | NodeJS.ReadableStream, output: Writable, options: PredictStreamOptions = {}): Promise<{count: number; seconds: number}> {
  const started = performance.now()
  const batchSize = options.batchSize ?? 512
  const maxPending = 2 * (options.pool?.size ?? 0) + 1
  const pending: Pending[] = []
  let texts: string[] = []
  let ids: Array<string | undefined> | undefined
  let seq = 0
  let count = 0
  let written = 0

  const write = async (lines: string, n: number) => {
    written += n
    options.reporter?.progress('predict', written)
    if (!output.write(lines)) await new Promise(resolve => output.once('drain', resolve))
  }
  /** Writes finished batches from the head; waits for the head while too many are in flight (or at the end). */
  const drain = async (all: boolean) => {
    while (pending.length > 0) {
      const head = pending[0]!
      if (head.lines === undefined && !all && pending.length <= maxPending) return
      const lines = head.lines ?? (await head.promise!)
      pending.shift()
      await write(lines, head.size)
    }
  }
  const submit = async () => {
    if (texts.length === 0) return
    const batch = {seq: seq++, texts, ids}
    count += texts.length
    texts = []
    ids = undefined
    const local = () => formatPredictions(bundle.predict(batch.texts), batch.ids)
    const remote = options.pool?.trySubmit(batch)
    if (remote === undefined) {
      pending.push({size: batch.texts.length, lines: local()})
    } else {
      const promise = remote.catch(local)
      const item: Pending = {size: batch.texts.length, promise}
      promise.then(lines => (item.lines = lines), () => {})
      pending.push(item)
    }
    await drain(false)
  }

  for await (const row of readTextsForPrediction(input, {format: options.format, textColumn: options.textColumn})) {
    if (row.id !== undefined) (ids ??= new Array<string | undefined>(texts.length))[texts.length] = row.id
    else if (ids) ids[texts.length] = undefined
    texts.push(row.text)
    if (texts.length >= batchSize) await submit()
  }
  await submit()
  await drain(true)
  return {count, seconds: (performance.now() - started) / 1000}
}
