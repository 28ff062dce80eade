import type {Writable} from 'node:stream'
import type {Bundle, Prediction} from '../bundle/index.js'
import {readTextsForPrediction} from '../data/index.js'
import type {Reporter} from '../reporter.js'

export interface PredictStreamOptions {
  format?: 'auto' | 'csv' | 'tsv' | 'json' | 'jsonl'
  textColumn?: string
  batchSize?: number
  reporter?: Reporter
}

/** One output line of `sentiops predict`: the prediction, plus the input's id when it had one. */
export type PredictionRecord = Prediction & {id?: string}

/**
 * Streams texts from a file or stdin through bundle.predict in batches and writes one JSON line per text.
 * Memory stays flat whatever the input size.
 */
export async function predictStream(bundle: Bundle, input: string | NodeJS.ReadableStream, output: Writable, options: PredictStreamOptions = {}): Promise<{count: number; seconds: number}> {
  const started = performance.now()
  const batchSize = options.batchSize ?? 512
  let batch: Array<{text: string; id?: string}> = []
  let count = 0
  const flush = async () => {
    if (batch.length === 0) return
    const predictions = bundle.predict(batch.map(b => b.text))
    let chunk = ''
    for (let i = 0; i < batch.length; i++) chunk += JSON.stringify(toRecord(predictions[i], batch[i].id)) + '\n'
    count += batch.length
    batch = []
    options.reporter?.progress('predict', count)
    if (!output.write(chunk)) await new Promise(resolve => output.once('drain', resolve))
  }
  for await (const row of readTextsForPrediction(input, {format: options.format, textColumn: options.textColumn})) {
    batch.push({text: row.text, id: row.id})
    if (batch.length >= batchSize) await flush()
  }
  await flush()
  return {count, seconds: (performance.now() - started) / 1000}
}

export function toRecord(prediction: Prediction, id?: string): PredictionRecord {
  return id === undefined ? prediction : {id, ...prediction}
}
