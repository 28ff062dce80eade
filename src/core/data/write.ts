import {writeFilesAtomic} from '../fs/atomic.js'
import {CsvTextFields} from './csv-write.js'
import type {SplitPlan} from './split.js'

/** A split as RFC 4180 CSV text with the header text,label (fields quoted only when they need it, LF line ends). */
export function splitCsv(rows: Uint32Array, texts: readonly string[], labels: readonly number[]): string {
  return new CsvTextFields(texts).csv(labels, rows).toString('utf8')
}

/**
 * Writes both splits as one commit (src/core/fs/atomic.ts `writeFilesAtomic`): a failure or a kill at any point
 * leaves the previous train.csv and test.csv or the new pair, never one of each.
 */
export async function writeSplits(files: {train: string; test: string}, texts: readonly string[], labels: readonly number[], plan: SplitPlan): Promise<void> {
  const fields = new CsvTextFields(texts)
  await writeFilesAtomic([
    {target: files.train, data: fields.csv(labels, plan.train)},
    {target: files.test, data: fields.csv(labels, plan.test)},
  ])
}
