import {DataError} from '../errors.js'
import {describeJsonType} from './readers/columns.js'
import type {LabelMapper} from './labels.js'
import {labelKey} from './labels.js'
import {FirstOccurrenceIndex} from './text-index.js'
import type {TableRow} from './types.js'

export interface DroppedCounts {
  empty: number
  duplicate: number
  unmappedLabel: Record<string, number>
}

/**
 * Gathers rows from all sources: converts texts to trimmed strings, maps labels, and drops (counting each
 * reason) empty texts, unmapped labels and exact duplicate texts, keeping the first occurrence. The checks
 * run in that order, so a kept row's text is unique among kept rows.
 */
export class RowCollector {
  readonly texts: string[] = []
  readonly labels: number[] = []
  rowsRead = 0
  readonly dropped: DroppedCounts = {empty: 0, duplicate: 0, unmappedLabel: {}}
  /** Duplicates whose label differs from the kept first occurrence. */
  conflictingDuplicates = 0
  private readonly seen = new FirstOccurrenceIndex(this.texts)
  private readonly unknown = new Map<string, {count: number; first: string}>()
  /** Class indexes seen as labels (used to suggest a label map). */
  private readonly indexesSeen = new Set<number>()

  constructor(
    private readonly mapper: LabelMapper,
    private readonly columns: {text: string; label: string},
  ) {}

  /** Adds [text, label] rows; `labels: 'index'` means the labels are class indexes already (built-in data). */
  add(rows: readonly TableRow[], where: string, labels: 'raw' | 'index' = 'raw'): void {
    for (const row of rows) {
      this.rowsRead++
      const text = toText(row.values[0], where, row.line, this.columns.text).trim()
      if (text === '') {
        this.dropped.empty++
        continue
      }
      const raw = row.values[1]
      const label = labels === 'index' ? (raw as number) : this.mapper.classOf(raw)
      if (label === undefined) {
        this.reject(raw, where, row.line)
        continue
      }
      this.indexesSeen.add(label)
      const first = this.seen.findOrAdd(text, this.texts.length)
      if (first !== -1) {
        this.dropped.duplicate++
        if (this.labels[first] !== label) this.conflictingDuplicates++
        continue
      }
      this.texts.push(text)
      this.labels.push(label)
    }
  }

  private reject(raw: unknown, where: string, line: number): void {
    const key = labelKey(raw)
    if (this.mapper.usesMap) {
      this.dropped.unmappedLabel[key] = (this.dropped.unmappedLabel[key] ?? 0) + 1
      return
    }
    const entry = this.unknown.get(key)
    if (entry) entry.count++
    else this.unknown.set(key, {count: 1, first: `${where}:${line}`})
  }

  /** Without a label map, any label that is not a class index is an error listing the values found. */
  checkLabels(classNames: readonly string[]): void {
    if (this.unknown.size === 0) return
    const k = classNames.length
    const values = [...this.unknown].sort((a, b) => b[1].count - a[1].count)
    const shown = values.slice(0, 10).map(([value, {count, first}]) => `${JSON.stringify(value)} (${count} ${count === 1 ? 'row' : 'rows'}, first at ${first})`)
    const more = values.length > 10 ? ` and ${values.length - 10} more` : ''
    const example = suggestLabelMap(values.map(([value]) => value), classNames, this.indexesSeen)
    throw new DataError(
      `unknown label values in column "${this.columns.label}": ${shown.join(', ')}${more}; without ingest.label_map labels must be class indexes 0..${k - 1}`,
      {
        suggestions: [`map labels to classes, e.g. --set 'ingest.label_map=${example}' (rows with other labels are then dropped and counted)`],
        data: {unknownLabels: Object.fromEntries(values.map(([value, {count}]) => [value, count]))},
      },
    )
  }
}

/**
 * An example label map for the error message: an unknown value that names a class maps to it ("Positive" →
 * the index of "positive"); otherwise a class index already used as a label maps to itself; otherwise a
 * placeholder says what to fill in.
 */
function suggestLabelMap(unknown: readonly string[], classNames: readonly string[], indexesSeen: ReadonlySet<number>): string {
  const entries = classNames.map((name, c) => {
    const named = unknown.find(value => value.toLowerCase() === name.trim().toLowerCase())
    const key = named ?? (indexesSeen.has(c) ? String(c) : `<label for ${name}>`)
    return `${JSON.stringify(key)}: ${c}`
  })
  return `{${entries.join(', ')}}`
}

/** A text value as a string: numbers and booleans by their text, missing as "", objects are an error. */
export function toText(value: unknown, where: string, line: number, column: string): string {
  if (typeof value === 'string') return value
  if (value === null || value === undefined) return ''
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value)
  throw new DataError(`${where}:${line}: column "${column}" holds ${describeJsonType(value)}, not text`, {data: {file: where, line}})
}
