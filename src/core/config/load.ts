import {readFile} from 'node:fs/promises'
import path from 'node:path'
import type {ErrorObject} from 'ajv'
import {ConfigError} from '../errors.js'
import {redactUrls} from '../redact.js'
import {yaml} from '../yaml.js'
import {refuseUrlCredentials} from './credentials.js'
import {dvcLoaderWarnings} from './dvc-compat.js'
import type {Params} from './params.js'
import validator from './params-validator.generated.js'
import {paramsSchema} from './schema.js'

export const DEFAULT_PARAMS_FILE = 'params.yaml'

export interface LoadParamsOptions {
  /** Path of params.yaml; a missing default file means "all defaults", a missing explicit file is an error. */
  file?: string
  cwd?: string
  /** `key.path=value` overrides (from --set), applied last. Values are parsed as YAML scalars. */
  overrides?: readonly string[]
  /** Environment for `SENTIOPS__SECTION__KEY=value` overrides; defaults to process.env. */
  env?: NodeJS.ProcessEnv
}

export interface LoadedParams {
  params: Params
  /** Absolute path of the params file read, or undefined when defaults were used. */
  file?: string
  /** Lines real DVC could not read, and top-level keys that look like misspelt sentiops sections. */
  warnings: string[]
}

/** The validator is generated from ./schema.ts at build time: no Ajv import or compile when a command starts. */
function validate(data: unknown): ErrorObject[] {
  return validator(data) ? [] : [...(validator.errors ?? [])]
}

/** Reads params.yaml (YAML 1.2, as DVC does), applies env and --set overrides, fills defaults, validates. */
export async function loadParams(options: LoadParamsOptions = {}): Promise<LoadedParams> {
  const cwd = options.cwd ?? process.cwd()
  const explicit = options.file !== undefined
  const file = path.resolve(cwd, options.file ?? DEFAULT_PARAMS_FILE)
  let raw: unknown = {}
  let used: string | undefined = file
  const warnings: string[] = []
  try {
    const text = await readFile(file, 'utf8')
    const parsed = parsedParams(text, file)
    raw = parsed.value ?? {}
    warnings.push(...parsed.warnings)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    if (explicit) throw new ConfigError(`params file not found: ${file}`)
    used = undefined
  }
  if (!isPlainObject(raw)) throw new ConfigError(`${displayName(file)}: the top level must be a mapping of stage sections`)
  // Where each overridden key came from, so that an invalid value is blamed on the --set (or env) that gave it.
  const origins = new Map<string, string>()
  for (const [key, value, origin] of envOverrides(options.env ?? process.env)) {
    setAt(raw, key, value)
    origins.set(key, origin)
  }
  for (const assignment of options.overrides ?? []) {
    const [key, value] = parseAssignment(assignment)
    setAt(raw, key, value)
    origins.set(key, `--set ${redactUrls(assignment)}`)
  }
  warnings.push(...sectionTypoWarnings(raw, used ? displayName(used) : 'params'))
  return {params: validateParams(raw, used ? displayName(used) : 'params', origins), file: used, warnings}
}

/**
 * A repro loads params once for itself and once per in-process stage: parse each distinct text once. Keyed by the
 * text itself (never stale); a copy is returned because overrides and defaults are applied in place.
 */
const parsedTexts = new Map<string, {text: string; parsed: {value: unknown; warnings: string[]}}>()
function parsedParams(text: string, file: string): {value: unknown; warnings: string[]} {
  let hit = parsedTexts.get(file)
  if (hit?.text !== text) {
    hit = {text, parsed: readParamsText(text, file)}
    parsedTexts.set(file, hit)
  }
  return {value: structuredClone(hit.parsed.value), warnings: [...hit.parsed.warnings]}
}

/**
 * Validates a raw params object (filling defaults in place) and returns it typed. `origins` maps overridden keys
 * to the override that set them (`--set a.b=1`): an error in such a key names it instead of `source`.
 */
export function validateParams(raw: Record<string, unknown>, source = 'params', origins?: ReadonlyMap<string, string>): Params {
  const errors = validate(raw)
  // anyOf reports each failed branch first; the anyOf summary at the same path reads better.
  const first = errors.find(e => e.keyword === 'anyOf' && e.instancePath === errors[0]?.instancePath) ?? errors[0]
  if (first) throw new ConfigError(`${originOf(first, origins) ?? source}: ${formatAjvError(first, raw)}`, {
    data: {errors: errors.map(e => formatAjvError(e, raw))},
  })
  const params = raw as unknown as Params
  crossCheck(params, source)
  return params
}

function crossCheck(p: Params, source: string): void {
  const f = p.featurize
  if (f.ngram_min > f.ngram_max) {
    throw new ConfigError(`${source}: featurize.ngram_min = ${f.ngram_min} is greater than featurize.ngram_max = ${f.ngram_max}`)
  }
  if (f.max_df > 1 && !Number.isInteger(f.max_df)) throw new ConfigError(`${source}: featurize.max_df = ${f.max_df}: must be a fraction in (0, 1] or a whole document count`)
  if (f.min_df > 1 && !Number.isInteger(f.min_df)) throw new ConfigError(`${source}: featurize.min_df = ${f.min_df}: must be a fraction in (0, 1) or a whole document count`)
  const names = p.ingest.class_names
  const mapped = Object.values(p.ingest.label_map)
  if (mapped.some(v => v >= names.length)) {
    throw new ConfigError(`${source}: ingest.label_map maps to class ${Math.max(...mapped)} but ingest.class_names has only ${names.length} names`)
  }
}

/**
 * Parses a params file as DVC does (YAML 1.2); a syntax error names the file and line. A URL with credentials
 * in a sentiops section is refused (see ./credentials.ts).
 */
export function parseParamsYaml(text: string, file: string): unknown {
  return readParamsText(text, file).value
}

/** parseParamsYaml, plus warnings for what DVC's own loader would fail on (see ./dvc-compat.ts). */
export function readParamsText(text: string, file: string): {value: unknown; warnings: string[]} {
  const {LineCounter, parseDocument} = yaml()
  const lines = new LineCounter()
  const doc = parseDocument(text, {version: '1.2', lineCounter: lines})
  const problem = doc.errors[0]
  if (problem) {
    const line = problem.linePos?.[0]?.line
    throw new ConfigError(`${displayName(file)}${line ? `:${line}` : ''}: not valid YAML: ${problem.message.split('\n')[0]}`)
  }
  const value: unknown = doc.toJS()
  if (isPlainObject(value)) {
    for (const [section, content] of Object.entries(value)) {
      if (isOwnSection(section)) refuseUrlCredentials(content, section, displayName(file))
    }
  }
  return {value, warnings: dvcLoaderWarnings(doc, lines, displayName(file))}
}

/** Top-level sections sentiops reads and validates; any other section belongs to another tool and is left alone. */
function isOwnSection(key: string): boolean {
  return Object.hasOwn(paramsSchema.properties, key)
}

/** `trian:` is left alone like other tools' sections, but probably meant `train:`. */
function sectionTypoWarnings(raw: Record<string, unknown>, source: string): string[] {
  const known = Object.keys(paramsSchema.properties)
  return Object.keys(raw)
    .filter(key => !isOwnSection(key))
    .flatMap(key => {
      const near = known.find(k => editDistance(k, key.toLowerCase()) <= Math.min(2, Math.floor(k.length / 3)))
      return near ? [`${source}: the top-level section ${key} is not read by sentiops (did you mean ${near}?)`] : []
    })
}

/** Edits (insert, delete, substitute, swap two neighbours) between two strings. */
function editDistance(a: string, b: string): number {
  const d = Array.from({length: a.length + 1}, (_, i) => Array.from({length: b.length + 1}, (_, j) => (i === 0 ? j : j === 0 ? i : 0)))
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1)
    }
  }
  return d[a.length][b.length]
}

/** `a.b.c=value` → [a.b.c, parsed value]. The value is a YAML scalar/flow (so `[1,2]` and `0.5` work). */
export function parseAssignment(assignment: string, origin = '--set'): [string, unknown] {
  const eq = assignment.indexOf('=')
  if (eq <= 0) throw new ConfigError(`--set ${redactUrls(assignment)}: expected key.path=value, e.g. train.algorithm=mnb`)
  const key = assignment.slice(0, eq).trim()
  const text = assignment.slice(eq + 1)
  if (!/^[A-Za-z_][\w-]*(\.[\w-]+)*$/.test(key)) throw new ConfigError(`--set ${redactUrls(assignment)}: "${key}" is not a dotted key path`)
  if (isOwnSection(key.split('.')[0])) refuseUrlCredentials(text, key, origin)
  let value: unknown
  try {
    value = text === '' ? '' : yaml().parse(text, {version: '1.2'})
  } catch {
    value = text
  }
  return [key, value]
}

/** SENTIOPS__TRAIN__ALGORITHM=mnb → "train.algorithm=mnb" (double underscore separates levels), sorted by key. */
export function envAssignments(env: NodeJS.ProcessEnv = process.env): string[] {
  const out: string[] = []
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('SENTIOPS__') || value === undefined) continue
    out.push(`${schemaKeyPath(name.slice('SENTIOPS__'.length).split('__'))}=${value}`)
  }
  return out.sort()
}

function envOverrides(env: NodeJS.ProcessEnv): Array<[string, unknown, string]> {
  return envAssignments(env).map(assignment => {
    const [key, value] = parseAssignment(assignment, 'SENTIOPS__ environment')
    return [key, value, `environment SENTIOPS__${key.split('.').join('__').toUpperCase()}`]
  })
}

export function setAt(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const parts = dotted.split('.')
  let node: Record<string, unknown> = target
  for (const part of parts.slice(0, -1)) {
    const next = node[part]
    if (!isPlainObject(next)) node[part] = {}
    node = node[part] as Record<string, unknown>
  }
  node[parts.at(-1)!] = value
}

export function getAt(source: unknown, dotted: string): unknown {
  let node: unknown = source
  for (const part of dotted.split('.')) {
    if (!isPlainObject(node)) return undefined
    node = node[part]
  }
  return node
}

/** Env names are upper case; params keys are not always lower case (train.lr.C): match them case-insensitively. */
function schemaKeyPath(parts: string[]): string {
  let node = paramsSchema as unknown as {properties?: Record<string, unknown>}
  const out: string[] = []
  for (const part of parts) {
    const key = Object.keys(node.properties ?? {}).find(k => k.toLowerCase() === part.toLowerCase()) ?? part.toLowerCase()
    out.push(key)
    node = (node.properties?.[key] ?? {}) as {properties?: Record<string, unknown>}
  }
  return out.join('.')
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function displayName(file: string): string {
  const rel = path.relative(process.cwd(), file)
  return rel && !rel.startsWith('..') ? rel : file
}

function errorKeyPath(e: ErrorObject): string {
  return e.instancePath.split('/').filter(Boolean).map(s => s.replace(/~1/g, '/').replace(/~0/g, '~')).join('.')
}

/** The override that set the key in error (or a section holding it), the most recent one first. */
function originOf(e: ErrorObject, origins: ReadonlyMap<string, string> | undefined): string | undefined {
  if (!origins) return undefined
  const extra = e.keyword === 'additionalProperties' ? (e.params as {additionalProperty: string}).additionalProperty : undefined
  const at = [errorKeyPath(e), extra].filter(Boolean).join('.')
  const hits = [...origins].filter(([key]) => key === at || at.startsWith(`${key}.`) || key.startsWith(`${at}.`))
  return hits.at(-1)?.[1]
}

function formatAjvError(e: ErrorObject, root: unknown): string {
  const keyPath = errorKeyPath(e)
  const value = getAt(root, keyPath)
  const shown = JSON.stringify(value)
  const at = keyPath || '(top level)'
  switch (e.keyword) {
    case 'additionalProperties': {
      const extra = (e.params as {additionalProperty: string}).additionalProperty
      const where = keyPath ? `${keyPath}.${extra}` : extra
      return `unknown key ${where}; allowed here: ${Object.keys(allowedKeys(keyPath)).join(', ')}`
    }
    case 'enum':
      return `${at} = ${shown} is not allowed; allowed values: ${(e.params as {allowedValues: unknown[]}).allowedValues.join(', ')}`
    case 'type':
      return `${at} = ${shown} must be ${(e.params as {type: string}).type === 'integer' ? 'a whole number' : `a ${(e.params as {type: string}).type}`}`
    case 'anyOf':
      return `${at} = ${shown} is not allowed; use ${describeAnyOf(keyPath)}`
    default:
      return `${at} = ${shown} ${e.message ?? 'is not valid'}`
  }
}

interface SchemaBranch {
  type?: string
  enum?: unknown[]
  minimum?: number
  maximum?: number
  exclusiveMinimum?: number
  exclusiveMaximum?: number
}

/** What an anyOf key accepts, from its schema: `a number in [0, 1] or auto`, `sqrt, log2 or a number in (0, 1]`. */
function describeAnyOf(keyPath: string): string {
  const parts = keyPath.split('.')
  const node = allowedKeys(parts.slice(0, -1).join('.'))[parts.at(-1)!] as {anyOf?: SchemaBranch[]} | undefined
  const options = (node?.anyOf ?? []).flatMap(branch => {
    if (branch.enum) return branch.enum.map(String)
    if (branch.type === 'number' || branch.type === 'integer') {
      const low = branch.exclusiveMinimum ?? branch.minimum
      const high = branch.exclusiveMaximum ?? branch.maximum
      const kind = branch.type === 'integer' ? 'a whole number' : 'a number'
      if (low === undefined && high === undefined) return [kind]
      if (high === undefined) return [`${kind} ${branch.exclusiveMinimum === undefined ? '≥' : '>'} ${low}`]
      if (low === undefined) return [`${kind} ${branch.exclusiveMaximum === undefined ? '≤' : '<'} ${high}`]
      return [`${kind} in ${branch.exclusiveMinimum === undefined ? '[' : '('}${low}, ${high}${branch.exclusiveMaximum === undefined ? ']' : ')'}`]
    }
    return branch.type ? [`a ${branch.type}`] : []
  })
  if (options.length === 0) return 'a value of the documented form'
  return options.length === 1 ? options[0] : `${options.slice(0, -1).join(', ')} or ${options.at(-1)}`
}

function allowedKeys(keyPath: string): Record<string, unknown> {
  let node: {properties?: Record<string, unknown>} = paramsSchema as unknown as {properties: Record<string, unknown>}
  for (const part of keyPath.split('.').filter(Boolean)) {
    node = (node.properties?.[part] ?? {}) as {properties?: Record<string, unknown>}
  }
  return node.properties ?? {}
}
