import {stat} from 'node:fs/promises'
import path from 'node:path'
import type {IngestParams} from '../config/params.js'
import {readScoringRows, type ScoringRow} from '../data/scoring-input.js'
import {DataError} from '../errors.js'

/** One text of a file checked for drift; `label` is the class index when the row has a label that maps to a class. */
export type DriftRow = ScoringRow

export interface DriftRowBatch {
  rows: DriftRow[]
  /** Rows of this batch with a non-empty label that maps to no class. */
  unmapped: number
}

/**
 * Reads the data checked for drift with the shared scoring reader (data/scoring-input.ts): any form ingest.source
 * accepts, ingest.text_column, format, encoding, and labels (optional) through ingest.label_map, else class
 * indexes, else class names. Every row is kept, empty texts too: they are traffic.
 */
export async function* readDriftRows(file: string, ingest: IngestParams, classNames: readonly string[], opts: {cwd: string; batchSize?: number}): AsyncGenerator<DriftRowBatch> {
  const plainPath = !/^[a-z][\w+.-]*:/i.test(file) && !/[*?[{,]/.test(file)
  if (plainPath && !(await stat(path.resolve(opts.cwd, file)).catch(() => undefined))) throw new DataError(`${file}: no such file`, {data: {file}})
  for await (const {rows, unmapped} of readScoringRows(file, ingest, classNames, opts)) yield {rows, unmapped}
}
