import type {IngestParams} from '../config/params.js'
import {DataError} from '../errors.js'
import {redactUrls} from '../redact.js'
import type {Reporter} from '../reporter.js'
import {mulberry32, seed32, shuffle, type SplitPlan} from './split.js'

/** Texts and class indexes of one source after cleaning and dedupe (a RowCollector). */
export interface LabeledColumns {
  readonly texts: readonly string[]
  readonly labels: readonly number[]
}

/**
 * The rows of `train` whose text is not in `test`, in order. Texts are compared exactly as ingest's own
 * duplicate check compares them (trimmed, then character for character), so a text counted here would have
 * been a duplicate had both sources been one list.
 */
export function withoutTestTexts(train: LabeledColumns, test: LabeledColumns): {rows: number[]; overlap: number; conflicting: number} {
  const testLabel = new Map<string, number>()
  for (let i = 0; i < test.texts.length; i++) testLabel.set(test.texts[i], test.labels[i])
  const rows: number[] = []
  let conflicting = 0
  for (let i = 0; i < train.texts.length; i++) {
    const label = testLabel.get(train.texts[i])
    if (label === undefined) rows.push(i)
    else if (label !== train.labels[i]) conflicting++
  }
  return {rows, overlap: train.texts.length - rows.length, conflicting}
}

/**
 * The split when ingest.test_source is set: the test split is the test source's rows in their order (a golden
 * set stays comparable line by line); train is ingest.source without the texts that are also in the test set,
 * shuffled with ingest.seed as the random split's train is. test_size does not apply. `plan` indexes `texts`.
 */
export function fixedTestSplit(
  train: LabeledColumns,
  test: LabeledColumns,
  params: IngestParams,
  reporter: Reporter,
): {texts: string[]; labels: number[]; plan: SplitPlan; overlap: number} {
  const kept = withoutTestTexts(train, test)
  const k = params.class_names.length
  const trainRows = Uint32Array.from(kept.rows)
  shuffle(trainRows, mulberry32(seed32(params.seed)))
  const testRows = Uint32Array.from(test.texts.keys(), i => train.texts.length + i)
  const perClass = {train: new Array<number>(k).fill(0), test: new Array<number>(k).fill(0)}
  for (const i of trainRows) perClass.train[train.labels[i]]++
  for (const label of test.labels) perClass.test[label]++

  const source = redactUrls(params.source)
  const overlapNote = kept.overlap > 0 ? ` after dropping ${kept.overlap} texts that are also in the test set` : ''
  const missing = (counts: number[]) => counts.map((n, c) => (n === 0 ? `"${params.class_names[c]}" (${c})` : '')).filter(Boolean)
  if (trainRows.length === 0) {
    throw new DataError(`${source}: no training rows left: all ${train.texts.length} texts are also in ingest.test_source`, {data: {overlap: kept.overlap}})
  }
  const trainMissing = missing(perClass.train)
  if (trainMissing.length > 0) {
    throw new DataError(`${source}: no training rows for class ${trainMissing.join(', ')}${overlapNote}; every class in ingest.class_names needs rows`, {
      data: {perClass: perClass.train, overlap: kept.overlap},
    })
  }
  const testMissing = missing(perClass.test)
  if (testMissing.length > 0) {
    reporter.warn(`${redactUrls(params.test_source)}: the test set has no rows of class ${testMissing.join(', ')}; ROC-AUC and per-class metrics are undefined for it`)
  }
  if (kept.conflicting > 0) {
    reporter.warn(`${kept.conflicting} of the texts dropped from train because they are in the test set had another label there`)
  }
  return {texts: [...train.texts, ...test.texts], labels: [...train.labels, ...test.labels], plan: {train: trainRows, test: testRows, perClass}, overlap: kept.overlap}
}
