import {DataError} from '../errors.js'

/**
 * mulberry32: a tiny seeded 32-bit PRNG, uniform in [0, 1). Pure integer arithmetic, so the same seed gives
 * the same sequence on every platform and Node version.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A 53-bit seed folded into 32 bits, so that seeds above 2^32 still differ. */
export function seed32(seed: number): number {
  return (seed >>> 0) ^ Math.floor(seed / 2 ** 32)
}

/** Fisher–Yates shuffle in place. */
export function shuffle(items: Uint32Array, random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    const swap = items[i]
    items[i] = items[j]
    items[j] = swap
  }
}

export interface SplitPlan {
  /** Row indexes of each split, in the order the rows are written. */
  train: Uint32Array
  test: Uint32Array
  perClass: {train: number[]; test: number[]}
}

/**
 * Test rows a class of `n` rows gets: round(n × testSize), halves rounded up (Math.round), then clamped to
 * 1..n-1 so that every class has at least one row in each split.
 */
export function testRowsFor(n: number, testSize: number): number {
  return Math.min(n - 1, Math.max(1, Math.round(n * testSize)))
}

/**
 * Deterministic stratified split. All rows are shuffled once (seeded Fisher–Yates); walking that order, a
 * row goes to test while its class still needs test rows, otherwise to train. Each class's test rows are
 * thus a uniformly random subset of the size testRowsFor() gives. Each split is then shuffled again with
 * the same generator: the walk fills test with the first rows of each class, which would leave the start
 * of train short of small classes, and no learner should see rows grouped by source or class.
 * Same labels + testSize + seed → same split, in the same order.
 */
export function stratifiedSplit(labels: readonly number[], classNames: readonly string[], testSize: number, seed: number, source: string): SplitPlan {
  const k = classNames.length
  const counts = new Array<number>(k).fill(0)
  for (const label of labels) counts[label]++
  checkClassCounts(counts, classNames, source)

  const order = new Uint32Array(labels.length)
  for (let i = 0; i < order.length; i++) order[i] = i
  const random = mulberry32(seed32(seed))
  shuffle(order, random)

  const wanted = counts.map(n => testRowsFor(n, testSize))
  const testTotal = wanted.reduce((a, b) => a + b, 0)
  const train = new Uint32Array(labels.length - testTotal)
  const test = new Uint32Array(testTotal)
  const perClass = {train: new Array<number>(k).fill(0), test: new Array<number>(k).fill(0)}
  let nTrain = 0
  let nTest = 0
  for (const row of order) {
    const label = labels[row]
    if (perClass.test[label] < wanted[label]) {
      test[nTest++] = row
      perClass.test[label]++
    } else {
      train[nTrain++] = row
      perClass.train[label]++
    }
  }
  shuffle(train, random)
  shuffle(test, random)
  return {train, test, perClass}
}

function checkClassCounts(counts: readonly number[], classNames: readonly string[], source: string): void {
  const total = counts.reduce((a, b) => a + b, 0)
  const present = counts.filter(n => n > 0).length
  const name = (c: number) => `"${classNames[c]}" (${c})`
  if (present === 1) {
    const only = counts.findIndex(n => n > 0)
    throw new DataError(
      `${source}: only one class in the data: all ${total} kept rows are ${name(only)}; a classifier needs at least two — check ingest.label_column and ingest.label_map`,
      {data: {perClass: counts}},
    )
  }
  const missing = counts.map((n, c) => (n === 0 ? name(c) : '')).filter(Boolean)
  if (missing.length > 0) {
    throw new DataError(
      `${source}: no rows for class ${missing.join(', ')}; every class in ingest.class_names needs rows — fix the labels or remove the class from ingest.class_names`,
      {data: {perClass: counts}},
    )
  }
  const tooFew = counts.map((n, c) => (n < 2 ? `${name(c)} has ${n} row` : '')).filter(Boolean)
  if (tooFew.length > 0) {
    throw new DataError(
      `${source}: too few rows to split: class ${tooFew.join(', ')}; each class needs at least 2 rows (one for train, one for test)`,
      {data: {perClass: counts}},
    )
  }
}
