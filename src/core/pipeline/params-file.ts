import type {BigIntStats} from 'node:fs'
import {readFile, stat} from 'node:fs/promises'
import path from 'node:path'
import {parseAssignment} from '../config/load.js'
import {ConfigError} from '../errors.js'
import {clonePyValue, isPyMap, parseDocument, parseScalarText, setDotted, type PyMap, type PyValue} from './pyvalue.js'

export const DEFAULT_PARAMS_FILE = 'params.yaml'

/** A file changed less than this before it was read may change again unseen within one timestamp tick. */
const RACY_NS = 2_000_000_000n

/**
 * Parsed params files of this process by absolute path, reused while the file's inode, size, mtime and ctime are
 * unchanged (one `repro` reads params.yaml for dvc.yaml, for each stage's status and for each lock entry).
 * The parsed values are shared: callers must not mutate them (overrides are laid over a copy).
 */
const parsedFiles = new Map<string, {stamp: string; data: PyMap}>()

/**
 * Reads params files the way DVC does (YAML 1.2 or JSON; TOML and Python files are not supported here), with
 * `key.path=value` overrides laid over the repository's own params.yaml, so that change detection and
 * dvc.lock see the values the stages will run with.
 */
export class ParamsFiles {
  private readonly overrides: Array<[string, PyValue]>
  private readonly overriddenFile: string
  private overridden?: {base: PyMap; result: PyMap}

  constructor(private readonly root: string, overrides: readonly string[] = []) {
    this.overriddenFile = path.join(root, DEFAULT_PARAMS_FILE)
    this.overrides = overrides.map(assignment => {
      const [key] = parseAssignment(assignment)
      return [key, parseScalarText(assignment.slice(assignment.indexOf('=') + 1))]
    })
  }

  /** The parsed file (top-level mapping), or undefined when it does not exist. */
  async read(abs: string): Promise<PyMap | undefined> {
    const display = this.display(abs)
    let text: string
    let st: BigIntStats
    try {
      st = await stat(abs, {bigint: true})
      if (st.isDirectory()) throw new ConfigError(`${display} is a directory, expected a parameters file`)
      const cached = parsedFiles.get(abs)
      if (cached && cached.stamp === statStamp(st)) return this.withOverrides(abs, cached.data)
      text = await readFile(abs, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return this.overridesOnly(abs)
      throw error
    }
    const data = parseDocument(text, display, formatOf(abs, display)).value
    if (!isPyMap(data)) throw new ConfigError(`${display}: expected a mapping of parameters at the top level`)
    // Stat before reading: a file written since then (or just before, within the racy window) is not cached.
    const readNs = BigInt(Date.now()) * 1_000_000n
    if (readNs - st.mtimeNs >= RACY_NS && readNs - st.ctimeNs >= RACY_NS) parsedFiles.set(abs, {stamp: statStamp(st), data})
    else parsedFiles.delete(abs)
    return this.withOverrides(abs, data)
  }

  private overridesOnly(abs: string): PyMap | undefined {
    if (abs !== this.overriddenFile || this.overrides.length === 0) return undefined
    return this.withOverrides(abs, new Map())
  }

  private withOverrides(abs: string, data: PyMap): PyMap {
    if (abs !== this.overriddenFile || this.overrides.length === 0) return data
    if (this.overridden?.base === data) return this.overridden.result
    const copy = clonePyValue(data)
    for (const [key, value] of this.overrides) setDotted(copy, key, value)
    this.overridden = {base: data, result: copy}
    return copy
  }

  display(abs: string): string {
    const rel = path.relative(this.root, abs)
    return rel && !rel.startsWith('..') ? rel.split(path.sep).join('/') : abs
  }
}

function formatOf(abs: string, display: string): 'yaml' | 'json' {
  const ext = path.extname(abs).toLowerCase()
  if (ext === '.yaml' || ext === '.yml') return 'yaml'
  if (ext === '.json') return 'json'
  throw new ConfigError(`${display}: params files must be YAML (.yaml, .yml) or JSON (.json) for sentiops repro; ${ext || 'no extension'} is not supported`)
}

function statStamp(st: BigIntStats): string {
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`
}
