import {mulberry32} from '../data/split.js'
import {DataError} from '../errors.js'

/**
 * Stratified k-fold assignment, seeded: each class's rows are shuffled, then dealt round-robin to the folds,
 * so every fold has the class proportions of the whole (±1 row). Returns the fold of each row.
 */
export function stratifiedFolds(labels: ArrayLike<number>, k: number, seed: number): Int32Array {
  const byClass = new Map<number, number[]>()
  for (let i = 0; i < labels.length; i++) {
    const rows = byClass.get(labels[i]) ?? []
    rows.push(i)
    byClass.set(labels[i], rows)
  }
  for (const [label, rows] of byClass) {
    if (rows.length < k) throw new DataError(`cross-validation: class ${label} has ${rows.length} rows, fewer than the ${k} folds`)
  }
  const random = mulberry32(seed)
  const fold = new Int32Array(labels.length)
  let offset = 0
  for (const label of [...byClass.keys()].sort((a, b) => a - b)) {
    const rows = byClass.get(label)!
    for (let i = rows.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1))
      ;[rows[i], rows[j]] = [rows[j], rows[i]]
    }
    // Continue the round-robin where the previous class stopped, so fold sizes stay within one row.
    rows.forEach((row, i) => (fold[row] = (offset + i) % k))
    offset = (offset + rows.length) % k
  }
  return fold
}
