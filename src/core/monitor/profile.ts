import type {Bundle} from '../bundle/types.js'

/**
 * What "normal" looked like on the test split, stored in bundle.json.
 * INTERIM (lead's scaffold, replaced by the drift helper).
 */
export interface TrainingProfile {
  version: 1
  n: number
}

/** Profiles the raw test-split texts through the bundle (the serving path). */
export function buildTrainingProfile(_bundle: Bundle, rows: ReadonlyArray<{text: string; label: number}>): TrainingProfile {
  return {version: 1, n: rows.length}
}
