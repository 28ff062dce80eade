import {stat} from 'node:fs/promises'
import path from 'node:path'
import type {IngestParams} from '../config/params.js'
import {toText} from '../data/collect.js'
import {createLabelMapper, labelKey} from '../data/labels.js'
import type {ColumnRequest} from '../data/readers/columns.js'
import {readTable} from '../data/readers/table.js'
import {fileChunks} from '../data/sources/local.js'
import {DataError} from '../errors.js'

/** One text of a file checked for drift; `label` is the class index when the row has a label that maps to a class. */
export interface DriftRow {
  text: string
  label?: number
}

export interface DriftRowBatch {
  rows: DriftRow[]
  /** Rows of this batch with a non-empty label that maps to no class. */
  unmapped: number
}

/**
 * Reads a file (CSV/TSV/JSON/JSONL, gzip too) the way ingest reads its source: ingest.text_column,
 * ingest.format, ingest.encoding, and labels (optional) from ingest.label_column through ingest.label_map —
 * or, as a convenience, a label equal to a class name. Empty texts are kept: they are traffic too.
 */
export async function* readDriftRows(file: string, ingest: IngestParams, classNames: readonly string[], opts: {cwd: string; batchSize?: number}): AsyncGenerator<DriftRowBatch> {
  const full = path.resolve(opts.cwd, file)
  const info = await stat(full).catch(() => undefined)
  if (!info?.isFile()) throw new DataError(`${file}: ${info ? 'not a file' : 'no such file'}`, {data: {file}})
  const columns: ColumnRequest[] = [
    {name: ingest.text_column, setting: 'ingest.text_column', orOnlyColumn: true},
    {name: ingest.label_column, optional: true},
  ]
  const classOf = labelReader(ingest.label_map, classNames)
  const batchSize = opts.batchSize ?? 2048
  let batch: DriftRowBatch = {rows: [], unmapped: 0}
  const input = {where: file, name: file, chunks: fileChunks(full, {where: file, size: info.size})}
  for await (const rows of readTable(input, {format: ingest.format, encoding: ingest.encoding, columns})) {
    for (const {line, values} of rows) {
      const text = toText(values[0], file, line, ingest.text_column)
      const raw = labelKey(values[1])
      const label = raw === '' ? undefined : classOf(values[1], raw)
      if (raw !== '' && label === undefined) batch.unmapped++
      batch.rows.push(label === undefined ? {text} : {text, label})
      if (batch.rows.length >= batchSize) {
        yield batch
        batch = {rows: [], unmapped: 0}
      }
    }
  }
  if (batch.rows.length > 0 || batch.unmapped > 0) yield batch
}

function labelReader(labelMap: Record<string, number>, classNames: readonly string[]): (raw: unknown, key: string) => number | undefined {
  const mapper = createLabelMapper(labelMap, classNames)
  const byName = new Map(classNames.map((name, i) => [name.trim().toLowerCase(), i]))
  return (raw, key) => mapper.classOf(raw) ?? byName.get(key.toLowerCase())
}
