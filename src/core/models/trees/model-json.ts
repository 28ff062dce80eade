import {corrupt, expectObject, numberArray} from './tree.js'

/** Per-feature gains from their sparse JSON form ({features, gains}), checked. */
export function decodeGains(json: unknown, nFeatures: number, where: string): Float64Array {
  const o = expectObject(json, where)
  const features = numberArray(o.features, `${where}.features`)
  const gains = numberArray(o.gains, `${where}.gains`)
  if (features.length !== gains.length) throw corrupt(`${where}.features and ${where}.gains differ in length`)
  const out = new Float64Array(nFeatures)
  for (let i = 0; i < features.length; i++) {
    const f = features[i]
    if (!Number.isInteger(f) || f < 0 || f >= nFeatures) throw corrupt(`${where}.features[${i}] = ${f} is not a feature index 0..${nFeatures - 1}`)
    if (gains[i] < 0) throw corrupt(`${where}.gains[${i}] is negative`)
    out[f] = gains[i]
  }
  return out
}
