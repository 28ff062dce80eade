/**
 * `${...}` templating of dvc.yaml, following DVC's rules: the context is params.yaml (when present), then the
 * top-level `vars`, then a stage's own `vars`; keys may not be redefined; `${a.b}`, `${a[0]}` and `${a.0}`
 * address nested values; a string that is exactly one `${...}` keeps the value's type; inside text, booleans
 * print as true/false, floats as Python prints them, and a dict (only in `cmd`) as `--key value` flags;
 * `\${` is a literal `${`. Values read from params files are tracked per stage.
 */
import path from 'node:path'
import {isPyMap, pyFloatRepr, pyScalarStr, type PyMap, type PyScalar, type PyValue} from './pyvalue.js'

/** A problem in a `${}` expression or in the context; the caller adds the dvc.yaml location. */
export class InterpolationError extends Error {
  override name = 'InterpolationError'
}

interface Meta {
  /** Params file the value came from (root-relative); undefined for inline vars, `item` and `key`. */
  source?: string
  path: string[]
}

export class CtxValue {
  constructor(readonly value: PyScalar, readonly meta: Meta) {}
}

export class CtxList {
  constructor(readonly items: CtxNode[], readonly meta: Meta) {}
}

export class CtxDict {
  constructor(readonly entries: Map<string, CtxNode>, readonly meta: Meta) {}
}

export type CtxNode = CtxValue | CtxList | CtxDict
/** Data handed to the context: plain values, or nodes taken from it (a foreach item keeps its source). */
export type CtxInput = PyValue | CtxNode | CtxInput[] | Map<PyScalar, CtxInput>

function isNode(value: unknown): value is CtxNode {
  return value instanceof CtxValue || value instanceof CtxList || value instanceof CtxDict
}

export function toNode(value: CtxInput, meta: Meta): CtxNode {
  if (isNode(value)) return value
  if (Array.isArray(value)) return new CtxList(value.map((item, i) => toNode(item, {...meta, path: [...meta.path, String(i)]})), meta)
  if (value instanceof Map) {
    const entries = new Map<string, CtxNode>()
    // DVC's context ignores non-string keys: they cannot be addressed in an expression.
    for (const [key, item] of value) if (typeof key === 'string') entries.set(key, toNode(item, {...meta, path: [...meta.path, key]}))
    return new CtxDict(entries, meta)
  }
  return new CtxValue(value, meta)
}

export function unwrap(node: CtxNode): PyValue {
  if (node instanceof CtxValue) return node.value
  if (node instanceof CtxList) return node.items.map(item => unwrap(item))
  return new Map([...node.entries].map(([key, item]) => [key, unwrap(item)]))
}

export interface ParsingConfig {
  /** `parsing.bool` in .dvc/config: how a true/false inside a dict prints as flags. */
  bool: 'store_true' | 'boolean_optional'
  /** `parsing.list`: `nargs` (--k a b) or `append` (--k a --k b). */
  list: 'nargs' | 'append'
}

export const DEFAULT_PARSING: ParsingConfig = {bool: 'store_true', list: 'nargs'}

const EXPRESSION = /(?<!\\)\$\{([^\n]*?)\}/g
const EXPRESSION_SYNTAX = /^[^.[\]]+(?:\.[^.[\]]+|\[[^.[\]]+\])*$/

export class Context {
  private tracking: Map<string, Map<string, PyValue>> | undefined
  /** Params files loaded so far (root-relative path → the keys loaded, or null for the whole file). */
  readonly imports = new Map<string, string[] | null>()
  private readonly reserved = new Set<string>()

  constructor(private readonly data: CtxDict = new CtxDict(new Map(), {path: []})) {}

  clone(): Context {
    const copy = new Context(cloneDict(this.data))
    for (const [file, keys] of this.imports) copy.imports.set(file, keys === null ? null : [...keys])
    return copy
  }

  has(key: string): boolean {
    return this.data.entries.has(key)
  }

  /** Merges data into the context; redefining an existing key (other than merging two dicts) is an error. */
  merge(update: CtxDict): void {
    const clash = [...update.entries.keys()].filter(key => this.reserved.has(key))
    if (clash.length > 0) throw new InterpolationError(`attempted to modify reserved key${clash.length > 1 ? 's' : ''} ${clash.join(', ')}`)
    mergeInto(this.data, update)
  }

  /** Loads a params file (all of it, or `keys`), as `vars: [file]` / `vars: [file:k1,k2]` and params.yaml do. */
  mergeFile(relFile: string, item: string, data: PyMap, keys: string[] | null): void {
    const previous = this.imports.get(relFile)
    if (this.imports.has(relFile)) {
      if (keys === null && previous === null) return
      if (keys === null && Array.isArray(previous)) throw new InterpolationError(`cannot load '${item}' as it's partially loaded already`)
      if (keys !== null && previous === null) throw new InterpolationError(`cannot partially load '${item}' as it's already loaded`)
      if (keys !== null && Array.isArray(previous) && keys.some(k => previous.includes(k))) {
        throw new InterpolationError(`cannot load '${item}' as it's partially loaded already`)
      }
    }
    let selected: PyMap = data
    if (keys !== null) {
      selected = new Map()
      for (const key of keys) {
        if (!data.has(key)) throw new InterpolationError(`could not find '${key}' in '${relFile}'`)
        selected.set(key, data.get(key)!)
      }
    }
    this.merge(toNode(selected, {source: relFile, path: []}) as CtxDict)
    if (keys === null || !Array.isArray(previous)) this.imports.set(relFile, keys === null ? null : [...keys])
    else previous.push(...keys)
  }

  /** Sets `item`/`key` for one foreach/matrix iteration; they cannot be redefined by the stage's vars. */
  setReserved(values: Record<string, CtxInput>): void {
    for (const [key, value] of Object.entries(values)) {
      this.data.entries.set(key, toNode(value, {path: [key]}))
      this.reserved.add(key)
    }
  }

  /** Records, until `stopTracking`, which params-file values expressions read. */
  startTracking(): void {
    this.tracking = new Map()
  }

  stopTracking(): Map<string, Map<string, PyValue>> {
    const tracked = this.tracking ?? new Map()
    this.tracking = undefined
    return tracked
  }

  select(expression: string): CtxNode {
    const normalized = expression.replaceAll('[', '.').replaceAll(']', '')
    let node: CtxNode = this.data
    const parts = normalized.split('.')
    for (const [i, raw] of parts.entries()) {
      const part = raw.trim()
      let next: CtxNode | undefined
      if (node instanceof CtxDict) {
        next = node.entries.get(part)
      } else if (node instanceof CtxList) {
        if (/^[-+]?\d+$/.test(part)) {
          const index = Number(part)
          next = node.items[index < 0 ? node.items.length + index : index]
        }
      } else {
        throw new InterpolationError(`could not find '${expression}': ${parts.slice(0, i).join('.')} is a primitive value`)
      }
      if (next === undefined) throw new InterpolationError(`could not find '${expression}' in params.yaml or vars`)
      node = next
    }
    this.track(node)
    return node
  }

  private track(node: CtxNode): void {
    // DVC tracks values and lists read from params files; a whole dict is not tracked.
    if (!this.tracking || node instanceof CtxDict || node.meta.source === undefined) return
    const keys = this.tracking.get(node.meta.source) ?? new Map<string, PyValue>()
    keys.set(node.meta.path.join('.'), unwrap(node))
    this.tracking.set(node.meta.source, keys)
  }

  /**
   * Resolves every string inside `value` (map keys included). `key` is the top-level stage key being
   * resolved (`cmd`, `deps`, ...): only `cmd` may interpolate a dict. Without a key (foreach/matrix data),
   * an exact `${ref}` returns the context node itself.
   */
  resolve(value: CtxInput, key: string | undefined, config: ParsingConfig): CtxInput {
    if (typeof value === 'string') return this.resolveString(value, key, config)
    if (isNode(value)) return value
    if (Array.isArray(value)) return value.map(item => this.resolve(item, key, config))
    if (value instanceof Map) {
      const out = new Map<PyScalar, CtxInput>()
      for (const [k, v] of value) {
        const resolvedKey = typeof k === 'string' ? this.resolveString(k, key, config) : k
        if (!isScalar(resolvedKey)) throw new InterpolationError(`a mapping key cannot interpolate a ${typeName(resolvedKey)}`)
        out.set(resolvedKey, this.resolve(v, key, config))
      }
      return out
    }
    return value
  }

  private resolveString(source: string, key: string | undefined, config: ParsingConfig): CtxInput {
    const matches = [...source.matchAll(EXPRESSION)]
    if (matches.length === 1 && matches[0]![0] === source) {
      const node = this.select(parseExpression(matches[0]![1]!))
      if (key === undefined) return node
      const value = unwrap(node)
      validateValue(value, key)
      return value
    }
    let out = ''
    let index = 0
    for (const match of matches) {
      const value = unwrap(this.select(parseExpression(match[1]!)))
      validateValue(value, key)
      out += source.slice(index, match.index) + toStr(value, config)
      index = match.index! + match[0].length
    }
    return (out + source.slice(index)).replaceAll('\\${', '${')
  }
}

function cloneDict(dict: CtxDict): CtxDict {
  return new CtxDict(new Map([...dict.entries].map(([key, node]) => [key, node instanceof CtxDict ? cloneDict(node) : node])), dict.meta)
}

function mergeInto(into: CtxDict, update: CtxDict): void {
  for (const [key, node] of update.entries) {
    const existing = into.entries.get(key)
    if (existing instanceof CtxDict && node instanceof CtxDict) {
      mergeInto(existing, node)
      continue
    }
    if (existing) {
      const where = [...node.meta.path].join('.') || key
      throw new InterpolationError(`cannot redefine '${where}' from '${node.meta.source ?? 'vars'}' as it already exists in '${existing.meta.source ?? 'vars'}'`)
    }
    into.entries.set(key, node)
  }
}

/** Checks the `${...}` expression grammar (`a.b`, `a[0]`, `a.0`); DVC rejects anything else. */
export function parseExpression(inner: string): string {
  if (!EXPRESSION_SYNTAX.test(inner)) throw new InterpolationError(`invalid expression \${${inner}}`)
  return inner
}

/** Every `${...}` expression in a string, for syntax checks before resolution. */
export function expressionsIn(text: string): string[] {
  return [...text.matchAll(EXPRESSION)].map(m => m[1]!)
}

function validateValue(value: PyValue, key: string | undefined): void {
  if (key === undefined || key.includes('foreach')) return
  if (isScalar(value)) return
  if (isPyMap(value) && key === 'cmd') return
  throw new InterpolationError(`cannot interpolate data of type '${typeName(value)}'`)
}

function isScalar(value: unknown): value is PyScalar {
  return value === null || ['boolean', 'bigint', 'number', 'string'].includes(typeof value)
}

function typeName(value: unknown): string {
  if (Array.isArray(value)) return 'list'
  if (value instanceof Map || isNode(value)) return 'dict'
  return typeof value
}

/** How DVC prints a value inside a string: true/false, Python's float repr, None, dicts as CLI flags. */
export function toStr(value: PyValue, config: ParsingConfig = DEFAULT_PARSING): string {
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  if (isPyMap(value)) return dictToFlags(value, config)
  if (Array.isArray(value)) return `[${value.map(item => pyRepr(item)).join(', ')}]`
  return pyScalarStr(value)
}

/** Node-backed foreach/matrix keys print with Python's str (True), plain values with `toStr` (true). */
export function keyText(value: CtxInput): string {
  if (value instanceof CtxValue) return pyScalarStr(value.value)
  if (isNode(value)) return toStr(unwrap(value))
  return toStr(value as PyValue)
}

function dictToFlags(dict: PyMap, config: ParsingConfig): string {
  let out = ''
  for (const [key, value] of flatten(dict)) {
    if (typeof value === 'boolean') {
      if (value) out += `--${key} `
      else if (config.bool === 'boolean_optional') out += `--no-${key} `
    } else if (typeof value === 'string') {
      out += `--${key} ${shellQuote(value)} `
    } else if (Array.isArray(value)) {
      value.forEach((item, n) => {
        if (Array.isArray(item) || isPyMap(item)) throw new InterpolationError(`cannot interpolate nested iterable in '${key}'`)
        const text = typeof item === 'string' ? shellQuote(item) : pyScalarStr(item)
        out += config.list === 'append' || n === 0 ? `--${key} ${text} ` : `${text} `
      })
    } else if (isPyMap(value)) {
      // An empty dict flattens to nothing.
    } else {
      out += `--${key} ${pyScalarStr(value)} `
    }
  }
  return out.trimEnd()
}

function flatten(dict: PyMap, prefix = ''): Array<[string, PyValue]> {
  const out: Array<[string, PyValue]> = []
  for (const [key, value] of dict) {
    const name = prefix + (typeof key === 'string' ? key : pyScalarStr(key))
    if (isPyMap(value) && value.size > 0) out.push(...flatten(value, `${name}.`))
    else out.push([name, value])
  }
  return out
}

/** Python's shlex.quote. */
export function shellQuote(text: string): string {
  if (text === '') return "''"
  if (!/[^\w@%+=:,./-]/.test(text)) return text
  return `'${text.replaceAll("'", `'"'"'`)}'`
}

function pyRepr(value: PyValue): string {
  if (typeof value === 'string') return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`
  if (Array.isArray(value)) return `[${value.map(item => pyRepr(item)).join(', ')}]`
  if (isPyMap(value)) return `{${[...value].map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`).join(', ')}}`
  if (typeof value === 'number') return pyFloatRepr(value)
  return pyScalarStr(value)
}

/** A params file path as DVC names its source: relative to the repository root, POSIX. */
export function sourceName(root: string, abs: string): string {
  return path.relative(root, abs).split(path.sep).join('/')
}
