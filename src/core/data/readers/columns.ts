import {DataError} from '../../errors.js'

/** A column a reader must extract from every record. */
export interface ColumnRequest {
  name: string
  /** The setting or flag that names this column, for error messages (e.g. "ingest.text_column"). */
  setting?: string
  /** A missing optional column yields `undefined` instead of an error. */
  optional?: boolean
  /** When the column is missing and the table has exactly one column, use that one. */
  orOnlyColumn?: boolean
}

/**
 * Index of the column called `wanted`: an exact match first, then a unique match that ignores case and
 * surrounding spaces (so "Text" or " label" in a header still work). -1 when there is none.
 */
export function findColumn(names: readonly string[], wanted: string): number {
  const exact = names.indexOf(wanted)
  if (exact !== -1) return exact
  const key = wanted.trim().toLowerCase()
  let found = -1
  for (let i = 0; i < names.length; i++) {
    if (names[i].trim().toLowerCase() !== key) continue
    if (found !== -1) return -1 // ambiguous: "Text" and "text " are different columns
    found = i
  }
  return found
}

export function describeColumns(names: readonly string[]): string {
  if (names.length === 0) return '(none)'
  const shown = names.slice(0, 20).map(n => JSON.stringify(n)).join(', ')
  return names.length > 20 ? `${shown}, … (${names.length} in all)` : shown
}

export function missingColumnError(where: string, request: ColumnRequest, found: readonly string[], kind: 'column' | 'field'): DataError {
  const setting = request.setting ? ` (${request.setting})` : ''
  const message = `${where}: no ${kind} ${JSON.stringify(request.name)}${setting}; ${kind}s found: ${describeColumns(found)}`
  const suggestions = request.setting ? [`set ${request.setting} to one of the ${kind}s found`] : []
  return new DataError(message, {suggestions, data: {file: where, column: request.name, found: [...found]}})
}

/** Resolves the requested columns against a CSV header once: the index of each, or -1 for a missing optional one. */
export function resolveHeader(header: readonly string[], requests: readonly ColumnRequest[], where: string): number[] {
  return requests.map(request => {
    let index = findColumn(header, request.name)
    if (index === -1 && request.orOnlyColumn && header.length === 1) index = 0
    if (index === -1 && !request.optional) throw missingColumnError(where, request, header, 'column')
    return index
  })
}

/**
 * Picks the requested fields out of JSON records. The key that matched is remembered, so records with the
 * same shape cost one property lookup per column.
 */
export class FieldPicker {
  private readonly keys: (string | undefined)[]

  constructor(private readonly requests: readonly ColumnRequest[]) {
    this.keys = requests.map(r => r.name)
  }

  pick(value: unknown, where: string): unknown[] {
    if (typeof value === 'string' && this.requests[0]?.orOnlyColumn) {
      return this.requests.map((_, i) => (i === 0 ? value : undefined))
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      const names = this.requests.filter(r => !r.optional).map(r => JSON.stringify(r.name))
      throw new DataError(`${where}: expected an object with the fields ${names.join(', ')}, found ${describeJsonType(value)}`, {data: {file: where}})
    }
    const record = value as Record<string, unknown>
    const out = new Array<unknown>(this.requests.length)
    for (let i = 0; i < this.requests.length; i++) {
      const key = this.keys[i]
      if (key !== undefined && Object.hasOwn(record, key)) {
        out[i] = record[key]
        continue
      }
      const names = Object.keys(record)
      const request = this.requests[i]
      let index = findColumn(names, request.name)
      if (index === -1 && request.orOnlyColumn && names.length === 1) index = 0
      if (index === -1) {
        if (!request.optional) throw missingColumnError(where, request, names, 'field')
        out[i] = undefined
        continue
      }
      this.keys[i] = names[index]
      out[i] = record[names[index]]
    }
    return out
  }
}

export function describeJsonType(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') return 'an object'
  return `a ${typeof value} (${JSON.stringify(value)?.slice(0, 40)})`
}
