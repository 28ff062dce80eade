import {readFile} from 'node:fs/promises'
import path from 'node:path'
import {DEFAULT_PARSING, type ParsingConfig} from './interpolate.js'

export const DVC_DIR = '.dvc'

/** The settings of .dvc/config (+ config.local) that change what the runner writes or how it interpolates. */
export interface DvcConfig {
  /** Absolute cache directory (`cache.dir`, default .dvc/cache). */
  cacheDir: string
  parsing: ParsingConfig
}

export async function readDvcConfig(root: string): Promise<DvcConfig> {
  const dvcDir = path.join(root, DVC_DIR)
  const merged = new Map<string, Map<string, string>>()
  for (const name of ['config', 'config.local']) {
    for (const [section, values] of parseConfigObj(await readOptional(path.join(dvcDir, name)))) {
      const target = merged.get(section) ?? new Map<string, string>()
      for (const [key, value] of values) target.set(key, value)
      merged.set(section, target)
    }
  }
  const cacheDir = merged.get('cache')?.get('dir')
  const bool = merged.get('parsing')?.get('bool')
  const list = merged.get('parsing')?.get('list')
  return {
    // A relative cache.dir is relative to the .dvc directory holding the config file.
    cacheDir: cacheDir ? path.resolve(dvcDir, cacheDir) : path.join(dvcDir, 'cache'),
    parsing: {
      bool: bool === 'boolean_optional' ? 'boolean_optional' : DEFAULT_PARSING.bool,
      list: list === 'append' ? 'append' : DEFAULT_PARSING.list,
    },
  }
}

async function readOptional(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return ''
    throw error
  }
}

/** The INI dialect DVC's config uses (configobj): `[section]`, `key = value`, `#`/`;` comments, optional quotes. */
export function parseConfigObj(text: string): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>()
  let current: Map<string, string> | undefined
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim()
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue
    const header = /^\[+\s*(.+?)\s*\]+$/.exec(line)
    if (header) {
      const name = header[1]!.replace(/^(['"])(.*)\1$/, '$2')
      current = sections.get(name) ?? new Map()
      sections.set(name, current)
      continue
    }
    const eq = line.indexOf('=')
    if (eq <= 0 || !current) continue
    const key = line.slice(0, eq).trim()
    const value = line.slice(eq + 1).trim().replace(/^(['"])(.*)\1$/, '$2')
    current.set(key, value)
  }
  return sections
}
