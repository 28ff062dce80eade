import type {Params} from '../config/params.js'
import type {CsrMatrix} from '../features/sparse.js'
import type {Reporter} from '../reporter.js'

export interface ThresholdChoice {
  /** Class-1 probability above which class 1 is predicted. */
  threshold: number
  /** fixed: evaluate.threshold as given; auto: chosen on out-of-fold predictions of the training split. */
  source: 'fixed' | 'auto'
}

/**
 * The decision threshold the bundle stores (two classes only; undefined for more).
 * INTERIM (lead's scaffold, replaced by the threshold helper): auto falls back to 0.5.
 */
export async function decideThreshold(
  _X: CsrMatrix,
  _labels: Int32Array,
  nClasses: number,
  params: Params,
  _opts: {reporter: Reporter; signal?: AbortSignal},
): Promise<ThresholdChoice | undefined> {
  if (nClasses !== 2) return undefined
  const t = params.evaluate.threshold
  return typeof t === 'number' ? {threshold: t, source: 'fixed'} : {threshold: 0.5, source: 'auto'}
}
