/**
 * The one-file-per-key folders of the file store: params/ and tags/ (the file content is the value, no newline)
 * and metrics/ (append-only `<timestamp_ms> <value> <step>` lines). Keys with '/' are nested folders.
 */
import {appendFile, mkdir, readdir, readFile} from 'node:fs/promises'
import path from 'node:path'
import {UserError} from '../../errors.js'
import type {MetricInput, ParamValue} from '../store.js'

/** Reads every file under `dir` (recursively) as key → content. A missing folder is empty. */
export async function readValueDir(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const key of await listKeys(dir)) out[key] = await readFile(path.join(dir, ...key.split('/')), 'utf8')
  return out
}

/** Relative POSIX paths of the files under `dir`. */
export async function listKeys(dir: string, prefix = ''): Promise<string[]> {
  let entries
  try {
    entries = await readdir(dir, {withFileTypes: true})
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
  const keys: string[] = []
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const key = prefix ? `${prefix}/${entry.name}` : entry.name
    if (entry.isDirectory()) keys.push(...(await listKeys(path.join(dir, entry.name), key)))
    else if (entry.isFile()) keys.push(key)
  }
  return keys
}

/**
 * A param value as MLflow's Python client logs it (`str(value)`): booleans are `True`/`False`, so a filter a
 * Python user writes (`params.x = "True"`) matches.
 */
export function formatParamValue(value: ParamValue): string {
  return typeof value === 'boolean' ? (value ? 'True' : 'False') : String(value)
}

/** The params with booleans spelled as Python does; other values (and their validation) untouched. */
export function withPythonBooleans(params: Record<string, ParamValue>): Record<string, ParamValue> {
  return Object.fromEntries(Object.entries(params).map(([key, value]) => [key, typeof value === 'boolean' ? formatParamValue(value) : value]))
}

/** Python's `str(float)` spelling for non-finite values (`nan`, `inf`, `-inf`); JS's shortest form otherwise. */
export function formatMetricValue(value: number): string {
  if (Number.isNaN(value)) return 'nan'
  if (value === Number.POSITIVE_INFINITY) return 'inf'
  if (value === Number.NEGATIVE_INFINITY) return '-inf'
  return String(value)
}

/** Parses a float as Python's `float()` does (case-insensitive nan/inf/infinity, optional sign). */
export function parseMetricValue(text: string): number | undefined {
  const t = text.trim().toLowerCase()
  const sign = t.startsWith('-') ? -1 : 1
  const bare = t.replace(/^[+-]/, '')
  if (bare === 'nan') return Number.NaN
  if (bare === 'inf' || bare === 'infinity') return sign * Number.POSITIVE_INFINITY
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(t.replace(/_/g, ''))) return undefined
  return Number(t.replace(/_/g, ''))
}

export function metricLine(m: Required<MetricInput>): string {
  return `${m.timestamp} ${formatMetricValue(m.value)} ${m.step}\n`
}

/** Appends points; all lines of one key go in one write (O_APPEND), so concurrent writers never interleave a line. */
export async function appendMetricLines(file: string, lines: string[]): Promise<void> {
  await mkdir(path.dirname(file), {recursive: true})
  await appendFile(file, lines.join(''), {encoding: 'utf8'})
}

export interface MetricPoint {
  timestamp: number
  value: number
  step: number
}

/** Reads a metric file: 2 fields (step 0), 3 fields, or the 3.x 5-field form; anything else names file:line. */
export async function readMetricFile(file: string): Promise<MetricPoint[]> {
  const text = await readFile(file, 'utf8')
  const points: MetricPoint[] = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim()
    if (line === '') continue
    const fields = line.split(/\s+/)
    const timestamp = Number(fields[0])
    const value = fields[1] === undefined ? undefined : parseMetricValue(fields[1])
    const step = fields.length >= 3 ? Number(fields[2]) : 0
    if (![2, 3, 5].includes(fields.length) || !Number.isInteger(timestamp) || value === undefined || !Number.isInteger(step)) {
      throw new UserError(`${file}:${i + 1}: malformed metric line '${line.slice(0, 80)}' (expected '<timestamp_ms> <value> <step>')`)
    }
    points.push({timestamp, value, step})
  }
  return points
}

/** The point MLflow reports as "latest": greatest step, then timestamp, then value. */
export function latestPoint(points: MetricPoint[]): MetricPoint | undefined {
  let best: MetricPoint | undefined
  for (const p of points) {
    if (!best || compare(p, best) > 0) best = p
  }
  return best
}

function compare(a: MetricPoint, b: MetricPoint): number {
  if (a.step !== b.step) return a.step - b.step
  if (a.timestamp !== b.timestamp) return a.timestamp - b.timestamp
  // NaN sorts lowest, like Python's comparison in MLflow's max() where NaN never wins a comparison.
  if (Number.isNaN(a.value)) return -1
  if (Number.isNaN(b.value)) return 1
  return a.value - b.value
}
