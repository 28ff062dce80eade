/**
 * Reads dvc.yaml: YAML 1.2, validated against the dvc.yaml JSON schema, `${}` interpolated from params.yaml and
 * `vars`, foreach/matrix groups expanded into stages named like DVC names them (`train@lr`, `train@lr-bow`).
 * Every error is one line naming the file, line and key path.
 */
import {readFile} from 'node:fs/promises'
import path from 'node:path'
import type {ErrorObject} from 'ajv'
import {ConfigError, UserError} from '../errors.js'
import {readDvcConfig} from './dvc-config.js'
import * as validators from './dvc-yaml-validator.generated.js'
import {
  Context, CtxDict, CtxList, CtxValue, InterpolationError, expressionsIn, keyText, parseExpression, sourceName, toNode, toStr,
  type CtxInput, type ParsingConfig,
} from './interpolate.js'
import {DEFAULT_PARAMS_FILE, ParamsFiles} from './params-file.js'
import {isPyMap, parseDocument, toPlainJson, type ParsedDocument, type PyMap, type PyScalar, type PyValue} from './pyvalue.js'
import type {OutKind, Pipeline, Stage, StageOut, StageParams} from './types.js'

export const PIPELINE_FILE = 'dvc.yaml'

export interface LoadPipelineOptions {
  /** `key.path=value` overrides laid over params.yaml (they change `${}` values as they change params). */
  paramOverrides?: readonly string[]
}

/** Parses, validates and resolves `<cwd>/dvc.yaml`. */
export async function loadPipeline(cwd: string, options: LoadPipelineOptions = {}): Promise<Pipeline> {
  const root = path.resolve(cwd)
  const file = path.join(root, PIPELINE_FILE)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new UserError(`no ${PIPELINE_FILE} in ${root}`, {suggestions: ['run the command in the folder that holds dvc.yaml']})
    }
    throw error
  }
  const parsed = parseDocument(text, PIPELINE_FILE)
  validateParsed(parsed, PIPELINE_FILE)
  const config = await readDvcConfig(root)
  const resolver = new PipelineResolver(root, parsed, new ParamsFiles(root, options.paramOverrides), config.parsing)
  return {root, file, stages: await resolver.resolve()}
}

/** Validates dvc.yaml text against the dvc.yaml JSON schema; throws a ConfigError naming line and key path. */
export function validatePipelineText(text: string, fileName = PIPELINE_FILE): void {
  validateParsed(parseDocument(text, fileName), fileName)
}

type Segment = string | number

function keyPath(segments: readonly Segment[]): string {
  if (segments.length === 0) return '(top level)'
  return segments
    .map((s, i) => (typeof s === 'number' ? `[${s}]` : `${i > 0 ? '.' : ''}${/[.\s[\]"]/.test(s) || s === '' ? JSON.stringify(s) : s}`))
    .join('')
}

/** `dvc.yaml:12: stages.train.cmd` — the line of the deepest node that exists on the path. */
function locate(parsed: ParsedDocument, fileName: string, segments: readonly Segment[], keyOf?: string, display?: string): string {
  let line: number | undefined
  if (keyOf !== undefined) line = keyLine(parsed, segments, keyOf)
  // A mapping entry is reported on the line of its key (its value may start on the next line).
  const last = segments.at(-1)
  if (line === undefined && typeof last === 'string') line = keyLine(parsed, segments.slice(0, -1), last)
  for (let n = segments.length; line === undefined && n >= 0; n--) {
    const node = (n === 0 ? parsed.doc.contents : parsed.doc.getIn(segments.slice(0, n), true)) as {range?: [number, number, number]} | null
    if (node?.range) line = parsed.lineCounter.linePos(node.range[0]).line
  }
  const shown = display ?? keyPath(keyOf === undefined ? segments : [...segments, keyOf])
  return `${fileName}${line ? `:${line}` : ''}: ${shown}`
}

function keyLine(parsed: ParsedDocument, segments: readonly Segment[], key: string): number | undefined {
  const parent = (segments.length === 0 ? parsed.doc.contents : parsed.doc.getIn(segments, true)) as {items?: Array<{key?: {value?: unknown; range?: [number, number, number]}}>} | null
  const pair = parent?.items?.find(item => item.key?.value !== undefined && String(item.key.value) === key)
  return pair?.key?.range ? parsed.lineCounter.linePos(pair.key.range[0]).line : undefined
}

// ---------------------------------------------------------------------------------------------- validation

// The validators of ./dvc-yaml-schema.ts are generated ahead of time (scripts/gen-dvcyaml-validator.mjs): no Ajv
// import or schema compile when a command reads dvc.yaml.
type ValidateFunction = typeof validators.top

function validateParsed(parsed: ParsedDocument, fileName: string): void {
  if (!isPyMap(parsed.value)) throw new ConfigError(`${fileName}: the top level must be a mapping with a 'stages' key`)
  const data = toSchemaJson(parsed.value) as Record<string, unknown>
  const topErrors = schemaErrors(validators.top, data)
  if (topErrors.length === 0) return
  // oneOf over three stage shapes buries the useful message: validate each stage against the shape it is meant to be.
  const stages = data.stages
  if (stages && typeof stages === 'object' && !Array.isArray(stages)) {
    for (const [name, stage] of Object.entries(stages as Record<string, unknown>)) {
      const keys = stage && typeof stage === 'object' ? Object.keys(stage) : []
      const shape = keys.includes('matrix') ? 'Matrix' : keys.includes('foreach') || keys.includes('do') ? 'ForeachDo' : 'Stage'
      const errors = schemaErrors(validators[shape], stage)
      if (errors.length > 0) throw schemaError(parsed, fileName, data, errors, ['stages', name])
    }
  }
  throw schemaError(parsed, fileName, data, topErrors, [])
}

function schemaErrors(validate: ValidateFunction, data: unknown): ErrorObject[] {
  return validate(data) ? [] : [...(validate.errors ?? [])]
}

/** JSON as the schema sees it: bigint → number, Map → object. */
function toSchemaJson(value: PyValue): unknown {
  if (typeof value === 'bigint') return Number(value)
  if (Array.isArray(value)) return value.map(item => toSchemaJson(item))
  if (isPyMap(value)) {
    const out: Record<string, unknown> = {}
    for (const [k, v] of value) out[k === null ? 'null' : String(k)] = toSchemaJson(v)
    return out
  }
  return value
}

function schemaError(parsed: ParsedDocument, fileName: string, data: unknown, errors: ErrorObject[], prefix: Segment[]): ConfigError {
  const withSegments = errors.map(e => ({error: e, segments: [...prefix, ...pointerSegments(data, prefix, e.instancePath)]}))
  const depth = Math.max(...withSegments.map(e => e.segments.length))
  const deepest = withSegments.filter(e => e.segments.length === depth && !['oneOf', 'anyOf', 'allOf'].includes(e.error.keyword))
  const chosen = deepest.length > 0 ? deepest : withSegments.filter(e => e.segments.length === depth)
  const first = chosen[0]!
  const {error, segments} = first
  let message: string
  let keyOf: string | undefined
  switch (error.keyword) {
    case 'additionalProperties': {
      keyOf = (error.params as {additionalProperty: string}).additionalProperty
      const allowed = Object.keys((error.parentSchema as {properties?: object} | undefined)?.properties ?? {})
      message = `unknown key${allowed.length > 0 ? `; allowed here: ${allowed.join(', ')}` : ''}`
      break
    }
    case 'required':
      message = `missing required key '${(error.params as {missingProperty: string}).missingProperty}'`
      break
    case 'type': {
      const types = [...new Set(chosen.filter(e => e.error.keyword === 'type').map(e => (e.error.params as {type: string}).type))]
      message = `must be ${types.map(t => (t === 'object' ? 'a mapping' : t === 'array' ? 'a list' : `a ${t}`)).join(' or ')}`
      break
    }
    case 'uniqueItems': {
      const {i, j} = error.params as {i: number; j: number}
      message = `has the same item twice (positions ${j} and ${i})`
      break
    }
    case 'pattern':
      message = 'must be a list, a mapping or one ${...} reference'
      break
    default:
      message = error.message ?? 'is not valid'
  }
  return new ConfigError(`${locate(parsed, fileName, segments, keyOf)}: ${message}`, {
    data: {errors: errors.map(e => `${e.instancePath || '/'} ${e.message ?? ''}`)},
  })
}

function pointerSegments(data: unknown, prefix: Segment[], pointer: string): Segment[] {
  let node: unknown = data
  for (const s of prefix) node = (node as Record<string, unknown>)?.[String(s)]
  const out: Segment[] = []
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~')
    if (Array.isArray(node)) {
      out.push(Number(key))
      node = node[Number(key)]
    } else {
      out.push(key)
      node = (node as Record<string, unknown> | undefined)?.[key]
    }
  }
  return out
}

// ---------------------------------------------------------------------------------------------- resolution

interface Origin {
  /** Path in dvc.yaml of the definition the stage comes from (`stages.x` or `stages.x.do`). */
  segments: Segment[]
  group?: string
}

class PipelineResolver {
  constructor(
    private readonly root: string,
    private readonly parsed: ParsedDocument,
    private readonly params: ParamsFiles,
    private readonly parsing: ParsingConfig,
  ) {}

  async resolve(): Promise<Stage[]> {
    const data = this.parsed.value as PyMap
    const global = new Context()
    const defaultParams = path.join(this.root, DEFAULT_PARAMS_FILE)
    const defaults = await this.params.read(defaultParams)
    if (defaults) global.mergeFile(DEFAULT_PARAMS_FILE, DEFAULT_PARAMS_FILE, defaults, null)
    await this.loadVars(global, data.get('vars') ?? [], '.', ['vars'])

    const stages: Stage[] = []
    const seen = new Set<string>()
    for (const [rawName, definition] of (data.get('stages') as PyMap | undefined) ?? new Map()) {
      const name = String(rawName)
      for (const stage of await this.expand(name, definition as PyMap, global)) {
        if (seen.has(stage.name)) {
          throw new ConfigError(`${locate(this.parsed, PIPELINE_FILE, ['stages', name])}: stage name '${stage.name}' is defined twice`)
        }
        seen.add(stage.name)
        stages.push(stage)
      }
    }
    return stages
  }

  private fail(segments: Segment[], message: string, display?: string): ConfigError {
    return new ConfigError(`${locate(this.parsed, PIPELINE_FILE, segments, undefined, display)}: ${message}`)
  }

  private async loadVars(context: Context, vars: PyValue, wdir: string, at: Segment[]): Promise<void> {
    if (!Array.isArray(vars)) throw this.fail(at, 'must be a list of params files and mappings')
    for (const [index, item] of vars.entries()) {
      const where: Segment[] = [...at, index]
      this.noInterpolation(item, where)
      try {
        if (typeof item === 'string') {
          const colon = item.indexOf(':')
          const file = colon === -1 ? item : item.slice(0, colon)
          const keys = colon === -1 ? [] : item.slice(colon + 1).split(',').filter(Boolean)
          const abs = path.resolve(this.root, wdir, file)
          const data = await this.params.read(abs)
          if (!data) throw new InterpolationError(`'${sourceName(this.root, abs)}' does not exist`)
          context.mergeFile(sourceName(this.root, abs), item, data, keys.length > 0 ? keys : null)
        } else if (isPyMap(item)) {
          context.merge(toNode(item, {path: []}) as CtxDict)
        } else {
          throw new InterpolationError('each item must be a params file path or a mapping')
        }
      } catch (error) {
        if (error instanceof InterpolationError) throw this.fail(where, error.message)
        throw error
      }
    }
  }

  private noInterpolation(value: PyValue, at: Segment[]): void {
    const strings: string[] = []
    collectStrings(value, strings)
    if (strings.some(s => expressionsIn(s).length > 0)) throw this.fail(at, 'interpolating is not allowed in vars')
  }

  private async expand(name: string, definition: PyMap, global: Context): Promise<Stage[]> {
    if (definition.has('matrix')) return this.expandMatrix(name, definition, global)
    if (definition.has('foreach')) return this.expandForeach(name, definition, global)
    return [await this.resolveStage(name, definition, global.clone(), {segments: ['stages', name]})]
  }

  private async expandForeach(name: string, definition: PyMap, global: Context): Promise<Stage[]> {
    const at: Segment[] = ['stages', name, 'foreach']
    const data = this.resolveIn(global.clone(), definition.get('foreach')!, undefined, at)
    const entries = new Map<string, CtxInput>()
    const isMapping = data instanceof Map || data instanceof CtxDict
    if (data instanceof Map) {
      for (const [key, value] of data) entries.set(keyText(key as PyScalar), value)
    } else if (data instanceof CtxDict) {
      for (const [key, value] of data.entries) entries.set(key, value)
    } else if (Array.isArray(data) || data instanceof CtxList) {
      const items: CtxInput[] = Array.isArray(data) ? data : data.items
      const composite = items.some(item => isComposite(item))
      items.forEach((item, index) => entries.set(composite ? String(index) : keyText(item), item))
    } else {
      throw this.fail(at, `expected a list or a mapping, got ${describeType(data)}`)
    }
    const template = definition.get('do')
    if (!isPyMap(template)) throw this.fail(['stages', name, 'do'], 'must be a stage mapping')
    const stages: Stage[] = []
    for (const [key, item] of entries) {
      const context = global.clone()
      context.setReserved(isMapping ? {item, key} : {item})
      stages.push(await this.resolveStage(`${name}@${key}`, template, context, {segments: ['stages', name, 'do'], group: name}))
    }
    return stages
  }

  private async expandMatrix(name: string, definition: PyMap, global: Context): Promise<Stage[]> {
    const at: Segment[] = ['stages', name, 'matrix']
    const data = this.resolveIn(global.clone(), definition.get('matrix')!, undefined, at)
    if (!(data instanceof Map)) throw this.fail(at, `expected a mapping of name: list, got ${describeType(data)}`)
    const axes: Array<[string, CtxInput[]]> = []
    for (const [key, values] of data) {
      const items = Array.isArray(values) ? values : values instanceof CtxList ? values.items : undefined
      if (!items) throw this.fail([...at, String(key)], `expected a list, got ${describeType(values)}`)
      axes.push([String(key), items])
    }
    const template = new Map([...definition].filter(([key]) => key !== 'matrix'))
    const stages: Stage[] = []
    for (const combination of product(axes.map(([, items]) => items.map((item, index) => ({item, index}))))) {
      const item = new Map<PyScalar, CtxInput>()
      const fragments: string[] = []
      combination.forEach(({item: value, index}, axis) => {
        const key = axes[axis]![0]
        item.set(key, value)
        fragments.push(isComposite(value) ? `${key}${index}` : keyText(value))
      })
      const key = fragments.join('-')
      const context = global.clone()
      context.setReserved({key, item})
      stages.push(await this.resolveStage(`${name}@${key}`, template, context, {segments: ['stages', name], group: name}))
    }
    return stages
  }

  private resolveIn(context: Context, value: CtxInput, key: string | undefined, at: Segment[], display?: string): CtxInput {
    try {
      return context.resolve(value, key, this.parsing)
    } catch (error) {
      if (error instanceof InterpolationError) throw this.fail(at, error.message, display)
      throw error
    }
  }

  private async resolveStage(name: string, definition: PyMap, context: Context, origin: Origin): Promise<Stage> {
    const display = (key: string) => keyPath(['stages', name, key])
    for (const [key, value] of definition) {
      const strings: string[] = []
      collectStrings(value, strings)
      try {
        for (const s of strings) for (const expression of expressionsIn(s)) parseExpression(expression)
      } catch (error) {
        if (error instanceof InterpolationError) throw this.fail([...origin.segments, String(key)], error.message, display(String(key)))
        throw error
      }
    }
    let wdir = '.'
    const rawWdir = definition.get('wdir')
    if (rawWdir !== undefined && rawWdir !== null && rawWdir !== '') {
      const resolved = this.resolveIn(context, rawWdir, 'wdir', [...origin.segments, 'wdir'], display('wdir')) as PyValue
      wdir = path.posix.normalize(toStr(resolved)) || '.'
    }
    const vars = definition.get('vars')
    if (vars !== undefined) {
      this.noInterpolation(vars, [...origin.segments, 'vars'])
      await this.loadVars(context, vars, wdir, [...origin.segments, 'vars'])
    }
    context.startTracking()
    const resolved = new Map<string, PyValue>()
    for (const [key, value] of definition) {
      if (key === 'vars') continue
      resolved.set(String(key), this.resolveIn(context, value, String(key), [...origin.segments, String(key)], display(String(key))) as PyValue)
    }
    const tracked = context.stopTracking()
    return this.buildStage(name, wdir, resolved, tracked, origin)
  }

  private buildStage(name: string, wdir: string, data: Map<string, PyValue>, tracked: Map<string, Map<string, PyValue>>, origin: Origin): Stage {
    const fail = (key: string, message: string) => this.fail([...origin.segments, key], message, keyPath(['stages', name, key]))
    const cmd = data.get('cmd')
    if (!(typeof cmd === 'string' && cmd !== '') && !(Array.isArray(cmd) && cmd.length > 0 && cmd.every(c => typeof c === 'string'))) {
      throw fail('cmd', 'must be a non-empty string or list of strings')
    }
    const deps = stringList(data.get('deps'), () => fail('deps', 'must be a list of paths'))
    const stage: Stage = {
      name,
      ...(origin.group ? {group: origin.group} : {}),
      cmd: cmd as string | string[],
      wdir,
      deps,
      params: mergeParams(data.get('params'), message => fail('params', message)),
      outs: [],
      frozen: booleanFlag(data.get('frozen'), () => fail('frozen', 'must be true or false')),
      alwaysChanged: booleanFlag(data.get('always_changed'), () => fail('always_changed', 'must be true or false')),
      interpolated: [...tracked].flatMap(([file, keys]) => [...keys].map(([key, value]) => ({file, key, value: toPlainJson(value)}))),
    }
    const desc = data.get('desc')
    if (typeof desc === 'string') stage.desc = desc
    for (const kind of ['outs', 'metrics', 'plots'] as const) stage.outs.push(...parseOuts(data.get(kind), kind, message => fail(kind, message)))
    this.checkPaths(stage, fail)
    return stage
  }

  private checkPaths(stage: Stage, fail: (key: string, message: string) => ConfigError): void {
    const stageDir = path.resolve(this.root, stage.wdir)
    for (const dep of stage.deps) {
      if (isUrl(dep)) throw fail('deps', `'${dep}' is a remote dependency; sentiops repro only tracks local files and folders`)
    }
    const seen = new Set<string>()
    for (const out of stage.outs) {
      if (isUrl(out.path)) throw fail(out.kind, `'${out.path}' is a remote output; sentiops repro only writes local files and folders`)
      const abs = path.resolve(stageDir, out.path)
      const rel = path.relative(this.root, abs)
      if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) throw fail(out.kind, `output '${out.path}' is outside the repository ${this.root}`)
      if (path.resolve(this.root, PIPELINE_FILE).startsWith(abs + path.sep)) throw fail(out.kind, `output '${out.path}' contains ${PIPELINE_FILE}`)
      if (seen.has(abs)) throw fail(out.kind, `output '${out.path}' is listed twice`)
      seen.add(abs)
      if (stage.deps.some(dep => path.resolve(stageDir, dep) === abs)) {
        throw fail(out.kind, `'${out.path}' is both an output and a dependency of stage '${stage.name}'`)
      }
    }
  }
}

function* product<T>(axes: T[][]): Generator<T[]> {
  if (axes.length === 0) {
    yield []
    return
  }
  const [first, ...rest] = axes
  for (const item of first!) for (const tail of product(rest)) yield [item, ...tail]
}

function isComposite(value: CtxInput): boolean {
  return Array.isArray(value) || value instanceof Map || value instanceof CtxList || value instanceof CtxDict
}

function describeType(value: CtxInput): string {
  if (value instanceof CtxList || Array.isArray(value)) return 'a list'
  if (value instanceof CtxDict || value instanceof Map) return 'a mapping'
  const scalar = value instanceof CtxValue ? value.value : value
  return typeof scalar === 'string' ? `the string '${scalar}'` : `the value ${String(scalar)}`
}

function collectStrings(value: PyValue, out: string[]): void {
  if (typeof value === 'string') out.push(value)
  else if (Array.isArray(value)) for (const item of value) collectStrings(item, out)
  else if (isPyMap(value)) {
    for (const [k, v] of value) {
      if (typeof k === 'string') out.push(k)
      collectStrings(v, out)
    }
  }
}

function isUrl(p: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(p)
}

function stringList(value: PyValue | undefined, fail: () => Error): string[] {
  if (value === undefined || value === null) return []
  if (!Array.isArray(value) || !value.every(item => typeof item === 'string' && item !== '')) throw fail()
  return value as string[]
}

function booleanFlag(value: PyValue | undefined, fail: () => Error): boolean {
  if (value === undefined || value === null) return false
  if (typeof value !== 'boolean') throw fail()
  return value
}

/** DVC's merge of a stage's `params` list: one entry per file; a file listed with no keys is tracked whole. */
function mergeParams(value: PyValue | undefined, fail: (message: string) => Error): StageParams[] {
  if (value === undefined || value === null) return []
  if (!Array.isArray(value)) throw fail('must be a list of keys and {file: [keys]} mappings')
  const whole = new Set<string>()
  for (const item of value) {
    if (isPyMap(item)) for (const [file, keys] of item) if (keys === null || (Array.isArray(keys) && keys.length === 0)) whole.add(String(file))
  }
  const files = new Map<string, string[] | null>()
  const add = (file: string, keys: string[]) => {
    if (whole.has(file)) files.set(file, null)
    else files.set(file, [...(files.get(file) ?? []), ...keys])
  }
  for (const item of value) {
    if (typeof item === 'string') {
      add(DEFAULT_PARAMS_FILE, [item])
    } else if (isPyMap(item)) {
      for (const [file, keys] of item) {
        if (keys !== null && !(Array.isArray(keys) && keys.every(k => typeof k === 'string'))) {
          throw fail(`expected a list of keys for params file '${String(file)}'`)
        }
        add(String(file), (keys ?? []) as string[])
      }
    } else {
      throw fail('each item must be a key or a {file: [keys]} mapping')
    }
  }
  return [...files].map(([file, keys]) => ({file, keys: keys === null ? null : [...new Set(keys)]}))
}

/** DVC's merge of an outs/metrics/plots list: `path` or `{path: flags}`, the same path's flags merged. */
function parseOuts(value: PyValue | undefined, kind: OutKind, fail: (message: string) => Error): StageOut[] {
  if (value === undefined || value === null) return []
  if (!Array.isArray(value)) throw fail('must be a list')
  const merged = new Map<string, Map<PyScalar, PyValue>>()
  for (const item of value) {
    if (typeof item === 'string') {
      if (!merged.has(item)) merged.set(item, new Map())
    } else if (isPyMap(item)) {
      for (const [p, flags] of item) {
        if (typeof p !== 'string' || p === '') throw fail('each output must be a path')
        if (!isPyMap(flags)) throw fail(`expected flags (cache, persist, ...) for '${p}'`)
        merged.set(p, new Map([...(merged.get(p) ?? []), ...flags]))
      }
    } else {
      throw fail('each item must be a path or a {path: flags} mapping')
    }
  }
  return [...merged].map(([p, flags]) => {
    const cache = flags.get('cache') ?? true
    const persist = flags.get('persist') ?? false
    if (typeof cache !== 'boolean' || typeof persist !== 'boolean') throw fail(`'${p}': cache and persist must be true or false`)
    return {path: p, kind, cache, persist}
  })
}
