import {DataError} from '../../errors.js'

/**
 * One decision tree as parallel arrays (compact in memory and in JSON).
 *
 * Internal node i splits on `feature[i]`: a stored value v goes left when v < threshold[i]; a feature the row
 * does not have (zero in sparse text, or missing) goes left when defaultLeft[i] is 1. A child reference ≥ 0
 * is an internal node, < 0 is the leaf −1−ref; children always come after their parent, so a walk ends.
 * The root is internal node 0, or leaf 0 when the tree has no split. Leaf j's values are
 * value[j·width .. (j+1)·width).
 */
export interface Tree {
  readonly feature: Int32Array
  readonly threshold: Float64Array
  readonly left: Int32Array
  readonly right: Int32Array
  readonly defaultLeft: Uint8Array
  readonly value: Float64Array
}

export interface TreeJSON {
  feature: number[]
  threshold: number[]
  left: number[]
  right: number[]
  defaultLeft: number[]
  value: number[]
}

export function rootRef(tree: Tree): number {
  return tree.feature.length > 0 ? 0 : -1
}

/** Appends nodes in the order a grower decides them; a child is linked when it is created. */
export class TreeBuilder {
  private readonly feature: number[] = []
  private readonly threshold: number[] = []
  private readonly left: number[] = []
  private readonly right: number[] = []
  private readonly defaultLeft: number[] = []
  private readonly value: number[] = []

  constructor(private readonly width: number) {}

  /** Adds an internal node and links it from `parent` (−1 for the root); returns its index. */
  addSplit(parent: number, isLeft: boolean, feature: number, threshold: number, defaultLeft: boolean): number {
    const i = this.feature.length
    this.feature.push(feature)
    this.threshold.push(threshold)
    this.left.push(0)
    this.right.push(0)
    this.defaultLeft.push(defaultLeft ? 1 : 0)
    this.link(parent, isLeft, i)
    return i
  }

  /** Adds a leaf with `width` values read from values[offset..] and links it from `parent`. */
  addLeaf(parent: number, isLeft: boolean, values: ArrayLike<number>, offset = 0): void {
    const ref = -1 - this.value.length / this.width
    for (let c = 0; c < this.width; c++) this.value.push(values[offset + c])
    this.link(parent, isLeft, ref)
  }

  private link(parent: number, isLeft: boolean, ref: number): void {
    if (parent < 0) return
    if (isLeft) this.left[parent] = ref
    else this.right[parent] = ref
  }

  build(): Tree {
    return {
      feature: Int32Array.from(this.feature),
      threshold: Float64Array.from(this.threshold),
      left: Int32Array.from(this.left),
      right: Int32Array.from(this.right),
      defaultLeft: Uint8Array.from(this.defaultLeft),
      value: Float64Array.from(this.value),
    }
  }
}

export function treeToJSON(t: Tree): TreeJSON {
  return {
    feature: Array.from(t.feature),
    threshold: Array.from(t.threshold),
    left: Array.from(t.left),
    right: Array.from(t.right),
    defaultLeft: Array.from(t.defaultLeft),
    value: Array.from(t.value),
  }
}

/** Rebuilds a tree from JSON, checking everything a walk relies on; `where` names it in errors. */
export function treeFromJSON(json: unknown, width: number, nFeatures: number, where: string): Tree {
  const o = expectObject(json, where)
  const feature = numberArray(o.feature, `${where}.feature`)
  const threshold = numberArray(o.threshold, `${where}.threshold`)
  const left = numberArray(o.left, `${where}.left`)
  const right = numberArray(o.right, `${where}.right`)
  const defaultLeft = numberArray(o.defaultLeft, `${where}.defaultLeft`)
  const value = numberArray(o.value, `${where}.value`)
  const nInternal = feature.length
  for (const [name, a] of [['threshold', threshold], ['left', left], ['right', right], ['defaultLeft', defaultLeft]] as const) {
    if (a.length !== nInternal) throw corrupt(`${where}.${name} has ${a.length} entries, ${where}.feature has ${nInternal}`)
  }
  if (value.length === 0 || value.length % width !== 0) {
    throw corrupt(`${where}.value has ${value.length} numbers; expected a positive multiple of ${width} (one group per leaf)`)
  }
  const nLeaves = value.length / width
  for (let i = 0; i < nInternal; i++) {
    if (!Number.isInteger(feature[i]) || feature[i] < 0 || feature[i] >= nFeatures) {
      throw corrupt(`${where}.feature[${i}] = ${feature[i]} is not a feature index 0..${nFeatures - 1}`)
    }
    if (defaultLeft[i] !== 0 && defaultLeft[i] !== 1) throw corrupt(`${where}.defaultLeft[${i}] = ${defaultLeft[i]} is not 0 or 1`)
    for (const [name, child] of [['left', left[i]], ['right', right[i]]] as const) {
      const ok = Number.isInteger(child) && (child >= 0 ? child > i && child < nInternal : -1 - child < nLeaves)
      if (!ok) throw corrupt(`${where}.${name}[${i}] = ${child} is neither a later node (${i + 1}..${nInternal - 1}) nor a leaf (-1..${-nLeaves})`)
    }
  }
  return {
    feature: Int32Array.from(feature),
    threshold: Float64Array.from(threshold),
    left: Int32Array.from(left),
    right: Int32Array.from(right),
    defaultLeft: Uint8Array.from(defaultLeft),
    value: Float64Array.from(value),
  }
}

export function corrupt(message: string): DataError {
  return new DataError(`model JSON is invalid: ${message}`, {suggestions: ['retrain the model, or restore the bundle from the registry']})
}

export function expectObject(v: unknown, where: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw corrupt(`${where} is not an object`)
  return v as Record<string, unknown>
}

export function numberArray(v: unknown, where: string): number[] {
  if (!Array.isArray(v)) throw corrupt(`${where} is not an array`)
  for (let i = 0; i < v.length; i++) {
    if (typeof v[i] !== 'number' || !Number.isFinite(v[i])) throw corrupt(`${where}[${i}] is not a finite number`)
  }
  return v as number[]
}

export function positiveInt(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw corrupt(`${where} is not a positive integer`)
  return v
}
