import {readFile} from 'node:fs/promises'
import path from 'node:path'
import {ConfigError} from '../errors.js'
import {DEFAULT_PARSING, type ParsingConfig} from './interpolate.js'

export const DVC_DIR = '.dvc'

/** The settings of .dvc/config (+ config.local) that change what the runner writes or how it interpolates. */
export interface DvcConfig {
  /** Absolute cache directory (`cache.dir`, default .dvc/cache). */
  cacheDir: string
  /** `cache.type`: how outputs and cache objects share bytes, tried in order (DVC's default `reflink,copy`). */
  cacheTypes: LinkType[]
  parsing: ParsingConfig
}

export type LinkType = 'reflink' | 'hardlink' | 'symlink' | 'copy'
const LINK_TYPES: readonly string[] = ['reflink', 'hardlink', 'symlink', 'copy']
export const DEFAULT_CACHE_TYPES: LinkType[] = ['reflink', 'copy']

/** `cache.type` as DVC reads it: a comma-separated list of link types (a Python-style list also works). */
export function parseCacheTypes(value: string | undefined): LinkType[] {
  if (value === undefined || value.trim() === '') return DEFAULT_CACHE_TYPES
  const types = value.replace(/^\[|\]$/g, '').split(',').map(t => t.trim().replace(/^(['"])(.*)\1$/, '$2')).filter(Boolean)
  const bad = types.filter(t => !LINK_TYPES.includes(t))
  if (bad.length > 0 || types.length === 0) {
    throw new ConfigError(`.dvc/config: cache.type '${value}' is not valid; use a comma-separated list of ${LINK_TYPES.join(', ')} (DVC's default: reflink,copy)`)
  }
  return types as LinkType[]
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
    cacheTypes: parseCacheTypes(merged.get('cache')?.get('type')),
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
