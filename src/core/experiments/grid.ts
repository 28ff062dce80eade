import {ALGORITHMS, type Params} from '../config/params.js'
import {getAt, setAt, validateParams} from '../config/index.js'
import {ConfigError} from '../errors.js'

/** One combination of the grid: the overrides it applies and a canonical key (for resume and dedupe). */
export interface GridPoint {
  overrides: Record<string, unknown>
  /** Canonical JSON of the effective overrides: equal keys ⇔ the same model. */
  key: string
  /** Short human label, e.g. "tfidf lr C=10". */
  label: string
  params: Params
}

/**
 * Expands a grid (dotted params key → values) into its Cartesian product. Keys of another algorithm's section
 * (train.mnb.alpha while train.algorithm = lr) do not change the model, so they are dropped and the
 * duplicates they would make are merged: {lr, mnb} × alpha {0.1, 1} gives 3 points, not 4.
 */
export function expandGrid(grid: Record<string, unknown[]>, base: Params): GridPoint[] {
  const keys = Object.keys(grid).sort()
  for (const key of keys) {
    if (!Array.isArray(grid[key]) || grid[key].length === 0) throw new ConfigError(`experiment.grid.${key}: needs a non-empty list of values`)
    if (getAt(base, key) === undefined && !/^train\.(lr|mnb|rf|gb|xgb)\./.test(key)) throw new ConfigError(`experiment.grid: "${key}" is not a params key`)
  }
  const points = new Map<string, GridPoint>()
  const combos: Array<Record<string, unknown>> = [{}]
  for (const key of keys) {
    const next: Array<Record<string, unknown>> = []
    for (const combo of combos) for (const value of grid[key]) next.push({...combo, [key]: value})
    combos.splice(0, combos.length, ...next)
  }
  for (const combo of combos) {
    const algorithm = String(combo['train.algorithm'] ?? base.train.algorithm)
    const effective = Object.fromEntries(Object.entries(combo).filter(([key]) => {
      const section = /^train\.([a-z]+)\./.exec(key)?.[1]
      return !(section && (ALGORITHMS as readonly string[]).includes(section) && section !== algorithm)
    }))
    const key = JSON.stringify(Object.keys(effective).sort().map(k => [k, effective[k]]))
    if (points.has(key)) continue
    const raw = structuredClone(base) as unknown as Record<string, unknown>
    for (const [k, v] of Object.entries(effective)) setAt(raw, k, v)
    const params = validateParams(raw, `experiment point ${key}`)
    points.set(key, {overrides: effective, key, label: labelOf(effective), params})
  }
  return [...points.values()]
}

function labelOf(overrides: Record<string, unknown>): string {
  const parts: string[] = []
  for (const [key, value] of Object.entries(overrides)) {
    if (key === 'train.algorithm' || key === 'featurize.method') parts.push(String(value))
    else parts.push(`${key.split('.').at(-1)}=${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
  }
  return parts.join(' ') || 'base'
}

/** Parses `--grid train.lr.C=1,10,30` into a grid entry (values as YAML scalars). */
export function parseGridFlag(flag: string, parse: (text: string) => unknown): [string, unknown[]] {
  const eq = flag.indexOf('=')
  if (eq <= 0) throw new ConfigError(`--grid ${flag}: expected key.path=v1,v2,...`)
  return [flag.slice(0, eq), flag.slice(eq + 1).split(',').map(v => parse(v.trim()))]
}
