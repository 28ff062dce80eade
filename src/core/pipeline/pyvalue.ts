/**
 * Values as DVC (Python) sees them after reading YAML 1.2 or JSON. Integers are `bigint` and floats are
 * `number`, so `1` and `1.0` keep their identity (they print differently in dvc.lock and in `${}`
 * interpolation), while comparisons follow Python equality: 1 == 1.0 == True. Mappings are `Map`s so key
 * order and non-string keys survive exactly as written.
 */
import YAML, {LineCounter, type Document} from 'yaml'
import {ConfigError} from '../errors.js'

export type PyScalar = null | boolean | bigint | number | string
export type PyMap = Map<PyScalar, PyValue>
export type PyValue = PyScalar | PyValue[] | PyMap

export function isPyMap(value: unknown): value is PyMap {
  return value instanceof Map
}

export function isPyScalar(value: unknown): value is PyScalar {
  return value === null || ['boolean', 'bigint', 'number', 'string'].includes(typeof value)
}

export interface ParsedDocument {
  value: PyValue
  doc: Document.Parsed
  lineCounter: LineCounter
}

/**
 * Parses YAML 1.2 (core schema, as ruamel's safe loader does for DVC) or JSON into Python-like values.
 * An empty document is an empty mapping, like DVC's `yaml.load(text) or {}`.
 */
export function parseDocument(text: string, file: string, format: 'yaml' | 'json' = 'yaml'): ParsedDocument {
  const lineCounter = new LineCounter()
  const doc = YAML.parseDocument(text, {
    version: '1.2',
    ...(format === 'json' ? {schema: 'json' as const} : {merge: true}),
    intAsBigInt: true,
    uniqueKeys: true,
    lineCounter,
  })
  const problem = doc.errors[0]
  if (problem) {
    const line = problem.linePos?.[0]?.line
    throw new ConfigError(`${file}${line ? `:${line}` : ''}: not valid ${format === 'json' ? 'JSON' : 'YAML'}: ${problem.message.split('\n')[0]}`)
  }
  const raw: unknown = doc.toJS({mapAsMap: true, maxAliasCount: 1000})
  const value = raw === null || raw === undefined ? new Map() : raw
  assertPyValue(value, file, '')
  return {value: value as PyValue, doc, lineCounter}
}

/** Parses one YAML 1.2 flow value, as `--set key=value` gives it (`0.5`, `mnb`, `[1, 2]`). */
export function parseScalarText(text: string): PyValue {
  if (text === '') return ''
  try {
    const doc = YAML.parseDocument(text, {version: '1.2', intAsBigInt: true})
    if (doc.errors.length > 0) return text
    const value: unknown = doc.toJS({mapAsMap: true})
    return isPlainPyValue(value) ? value : text
  } catch {
    return text
  }
}

function isPlainPyValue(value: unknown): value is PyValue {
  if (isPyScalar(value)) return true
  if (Array.isArray(value)) return value.every(item => isPlainPyValue(item))
  if (isPyMap(value)) return [...value].every(([k, v]) => isPyScalar(k) && isPlainPyValue(v))
  return false
}

function assertPyValue(value: unknown, file: string, at: string): void {
  if (isPyScalar(value)) return
  if (Array.isArray(value)) {
    value.forEach((item, i) => assertPyValue(item, file, `${at}[${i}]`))
    return
  }
  if (isPyMap(value)) {
    for (const [key, item] of value) {
      if (!isPyScalar(key)) throw new ConfigError(`${file}: ${at || '(top level)'} has a mapping or list as a key, which is not supported`)
      assertPyValue(item, file, at ? `${at}.${String(key)}` : String(key))
    }
    return
  }
  // Tags such as !!binary or !!set produce values DVC itself does not accept in params or pipelines.
  throw new ConfigError(`${file}: ${at || '(top level)'} has a value of an unsupported YAML type (${Object.prototype.toString.call(value)})`)
}

/** Python's `repr(float)`: the shortest round-trip digits, exponent form below 1e-4 and from 1e16 on. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan'
  if (x === Number.POSITIVE_INFINITY) return 'inf'
  if (x === Number.NEGATIVE_INFINITY) return '-inf'
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0'
  const [mantissa, exponentText] = x.toExponential().split('e') as [string, string]
  const exponent = Number(exponentText)
  const sign = mantissa.startsWith('-') ? '-' : ''
  const digits = mantissa.replace('-', '').replace('.', '')
  if (exponent >= -4 && exponent < 16) {
    if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`
    const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0')
    const fraction = digits.slice(exponent + 1) || '0'
    return `${sign}${whole}.${fraction}`
  }
  const significand = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits
  return `${sign}${significand}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`
}

/** Python's `str()` of a scalar: None, True/False, ints, float repr, the string itself. */
export function pyScalarStr(value: PyScalar): string {
  if (value === null) return 'None'
  if (typeof value === 'boolean') return value ? 'True' : 'False'
  if (typeof value === 'number') return pyFloatRepr(value)
  return String(value)
}

/** Python equality after YAML parsing: 1 == 1.0 == True, dicts ignore key order, lists compare in order. */
export function pyEquals(a: PyValue, b: PyValue): boolean {
  const na = numeric(a)
  const nb = numeric(b)
  if (na !== undefined || nb !== undefined) {
    if (na === undefined || nb === undefined) return false
    if (typeof na === 'bigint' && typeof nb === 'bigint') return na === nb
    if (typeof na === 'number' && typeof nb === 'number') return na === nb
    const [big, num] = (typeof na === 'bigint' ? [na, nb] : [nb, na]) as [bigint, number]
    return Number.isInteger(num) && BigInt(num) === big
  }
  if (a === null || b === null) return a === b
  if (typeof a === 'string' || typeof b === 'string') return a === b
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false
    return a.every((item, i) => pyEquals(item, b[i]!))
  }
  if (isPyMap(a) && isPyMap(b)) {
    if (a.size !== b.size) return false
    for (const [key, value] of a) {
      const match = findKey(b, key)
      if (match === NOT_FOUND || !pyEquals(value, b.get(match as PyScalar)!)) return false
    }
    return true
  }
  return false
}

function numeric(value: PyValue): bigint | number | undefined {
  if (typeof value === 'boolean') return value ? 1n : 0n
  if (typeof value === 'bigint' || typeof value === 'number') return value
  return undefined
}

export const NOT_FOUND: unique symbol = Symbol('not found')

/** The key of `map` that Python would consider equal to `key` (1, 1.0 and True are one dict key). */
export function findKey(map: PyMap, key: PyScalar): PyScalar | typeof NOT_FOUND {
  if (map.has(key)) return key
  for (const candidate of map.keys()) if (pyEquals(candidate, key)) return candidate
  return NOT_FOUND
}

/** Looks up a dotted params key (`train.lr`, `layers.0`) the way DVC's dpath lookup does. */
export function getDotted(root: PyValue, dotted: string): {found: true; value: PyValue} | {found: false} {
  let node: PyValue = root
  for (const segment of dotted.split('.')) {
    if (isPyMap(node)) {
      const key = [...node.keys()].find(k => k === segment) ?? [...node.keys()].find(k => k !== null && pyScalarStr(k) === segment)
      if (key === undefined) return {found: false}
      node = node.get(key)!
    } else if (Array.isArray(node) && /^\d+$/.test(segment) && Number(segment) < node.length) {
      node = node[Number(segment)]!
    } else {
      return {found: false}
    }
  }
  return {found: true, value: node}
}

/** Sets a dotted key, creating intermediate mappings (for `--set key.path=value` overrides). */
export function setDotted(root: PyMap, dotted: string, value: PyValue): void {
  const parts = dotted.split('.')
  let node = root
  for (const part of parts.slice(0, -1)) {
    const next = node.get(part)
    if (isPyMap(next)) {
      node = next
    } else {
      const created: PyMap = new Map()
      node.set(part, created)
      node = created
    }
  }
  node.set(parts.at(-1)!, value)
}

export function clonePyValue<T extends PyValue>(value: T): T {
  if (Array.isArray(value)) return value.map(item => clonePyValue(item)) as T
  if (isPyMap(value)) return new Map([...(value as PyMap)].map(([k, v]) => [k, clonePyValue(v)])) as T
  return value
}

/** A short, human-readable rendering for messages: `lr`, `0.5`, `[1, 2]`, `{C: 4.0}`. */
export function describePyValue(value: PyValue, limit = 60): string {
  const text = render(value)
  return text.length > limit ? `${text.slice(0, limit - 1)}…` : text
}

function render(value: PyValue): string {
  if (value === null) return 'null'
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  if (typeof value === 'string') return value === '' || /^\s|\s$|[,:{}[\]]/.test(value) ? JSON.stringify(value) : value
  if (Array.isArray(value)) return `[${value.map(item => render(item)).join(', ')}]`
  if (isPyMap(value)) return `{${[...value].map(([k, v]) => `${render(k)}: ${render(v)}`).join(', ')}}`
  return pyScalarStr(value)
}

/** Plain JSON-compatible data (for JSON-schema validation and --json output). */
export function toPlainJson(value: PyValue): unknown {
  if (typeof value === 'bigint') return Number(value)
  if (Array.isArray(value)) return value.map(item => toPlainJson(item))
  if (isPyMap(value)) {
    const out: Record<string, unknown> = {}
    for (const [k, v] of value) out[k === null ? '' : typeof k === 'string' ? k : pyScalarStr(k)] = toPlainJson(v)
    return out
  }
  return value
}

/** Compares strings by Unicode code point, as Python's `sorted()` does (JS compares UTF-16 code units). */
export function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]()
  const ib = b[Symbol.iterator]()
  for (;;) {
    const ca = ia.next()
    const cb = ib.next()
    if (ca.done || cb.done) return ca.done && cb.done ? 0 : ca.done ? -1 : 1
    const diff = ca.value.codePointAt(0)! - cb.value.codePointAt(0)!
    if (diff !== 0) return diff
  }
}
