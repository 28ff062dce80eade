import {stringify} from 'csv-stringify/sync'
import {writeFilesAtomic} from '../fs/atomic.js'
import type {SplitPlan} from './split.js'

/** Rows per csv-stringify call: one huge call spends its time growing a single string. */
const BATCH = 8192
const COLUMNS = ['text', 'label']

/** A split as RFC 4180 CSV with the header text,label (fields quoted only when they need it, LF line ends). */
export function splitCsv(rows: Uint32Array, texts: readonly string[], labels: readonly number[]): string {
  const parts = [stringify([COLUMNS])]
  for (let start = 0; start < rows.length; start += BATCH) {
    const end = Math.min(rows.length, start + BATCH)
    const batch: [string, string][] = []
    for (let i = start; i < end; i++) batch.push([texts[rows[i]], String(labels[rows[i]])]) // strings skip csv-stringify's number cast
    parts.push(stringify(batch))
  }
  return parts.join('')
}

/**
 * Writes both splits as one commit (src/core/fs/atomic.ts `writeFilesAtomic`): a failure or a kill at any point
 * leaves the previous train.csv and test.csv or the new pair, never one of each.
 */
export async function writeSplits(files: {train: string; test: string}, texts: readonly string[], labels: readonly number[], plan: SplitPlan): Promise<void> {
  await writeFilesAtomic([
    {target: files.train, data: splitCsv(plan.train, texts, labels)},
    {target: files.test, data: splitCsv(plan.test, texts, labels)},
  ])
}
