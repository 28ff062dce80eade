import {readFile, stat} from 'node:fs/promises'
import path from 'node:path'
import {parseAssignment} from '../config/load.js'
import {ConfigError} from '../errors.js'
import {clonePyValue, isPyMap, parseDocument, parseScalarText, setDotted, type PyMap, type PyValue} from './pyvalue.js'

export const DEFAULT_PARAMS_FILE = 'params.yaml'

/**
 * Reads params files the way DVC does (YAML 1.2 or JSON; TOML and Python files are not supported here), with
 * `key.path=value` overrides laid over the repository's own params.yaml, so that change detection and
 * dvc.lock see the values the stages will run with.
 */
export class ParamsFiles {
  private readonly overrides: Array<[string, PyValue]>
  private readonly overriddenFile: string

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
    try {
      if ((await stat(abs)).isDirectory()) throw new ConfigError(`${display} is a directory, expected a parameters file`)
      text = await readFile(abs, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return this.overridesOnly(abs)
      throw error
    }
    const data = parseDocument(text, display, formatOf(abs, display)).value
    if (!isPyMap(data)) throw new ConfigError(`${display}: expected a mapping of parameters at the top level`)
    return this.withOverrides(abs, data)
  }

  private overridesOnly(abs: string): PyMap | undefined {
    if (abs !== this.overriddenFile || this.overrides.length === 0) return undefined
    return this.withOverrides(abs, new Map())
  }

  private withOverrides(abs: string, data: PyMap): PyMap {
    if (abs !== this.overriddenFile || this.overrides.length === 0) return data
    const copy = clonePyValue(data)
    for (const [key, value] of this.overrides) setDotted(copy, key, value)
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
