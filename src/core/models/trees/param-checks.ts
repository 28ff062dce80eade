import {ConfigError, DataError} from '../../errors.js'
import type {CsrMatrix} from '../../features/sparse.js'
import {checkTrainingData} from '../guards.js'

/**
 * Defensive checks of the hyperparameters a learner receives. The params.yaml schema already rejects these
 * values; learners are also called directly (experiments, tests, library use), so they check again and name
 * the params.yaml key.
 */
export function checkInt(value: unknown, key: string, min: number, max = Number.POSITIVE_INFINITY): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.POSITIVE_INFINITY ? `≥ ${min}` : `in ${min}..${max}`
    throw new ConfigError(`${key} must be an integer ${range} (got ${show(value)})`)
  }
  return value
}

/** A finite number within the bounds: min ≤ value, minOpen < value, value ≤ max (each optional). */
export function checkNumber(value: unknown, key: string, range: {min?: number; minOpen?: number; max?: number}): number {
  const {min, minOpen, max} = range
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (min === undefined || value >= min) &&
    (minOpen === undefined || value > minOpen) &&
    (max === undefined || value <= max)
  if (!ok) {
    const name = key.split('.').pop()
    const low = minOpen === undefined ? {op: '≥', to: min} : {op: '>', to: minOpen}
    const range =
      max === undefined ? `${name} ${low.op} ${low.to}` : `${low.to} ${low.op === '>' ? '<' : '≤'} ${name} ≤ ${max}`
    throw new ConfigError(`${key} must be a number with ${range} (got ${show(value)})`)
  }
  return value as number
}

export function checkChoice<T extends string>(value: unknown, key: string, choices: readonly T[]): T {
  if (typeof value !== 'string' || !choices.includes(value as T)) {
    throw new ConfigError(`${key} must be one of ${choices.join(', ')} (got ${show(value)})`)
  }
  return value as T
}

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value)
}

/** Training input every tree learner needs: shapes, labels, two classes at least, finite feature values. */
export function checkTreeTrainingData(X: CsrMatrix, y: Int32Array, nClasses: number, algorithm: string): void {
  if (!Number.isInteger(nClasses) || nClasses < 2) throw new DataError(`${algorithm}: nClasses must be an integer ≥ 2 (got ${nClasses})`)
  checkTrainingData(X, y, nClasses)
  const nnz = X.indptr[X.rows]
  for (let p = 0; p < nnz; p++) {
    if (!Number.isFinite(X.data[p])) {
      let row = 0
      while (X.indptr[row + 1] <= p) row++
      throw new DataError(`${algorithm}: feature matrix has a non-finite value (${X.data[p]}) at row ${row}, column ${X.indices[p]}`)
    }
  }
}
