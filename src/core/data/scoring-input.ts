/**
 * Data a model is scored on (evaluate --data, compare, the register gate, drift), read AS GIVEN: unlike ingest,
 * nothing is deduplicated, trimmed or dropped silently. Any form ingest.source accepts (file, glob, list, http(s),
 * s3://, builtin:) with the ingest.* column, format, encoding and label mapping.
 */
import {createHash} from 'node:crypto'
import type {IngestParams} from '../config/params.js'
import {DataError} from '../errors.js'
import {redactUrls} from '../redact.js'
import {silentReporter, type Reporter} from '../reporter.js'
import {toText} from './collect.js'
import {createLabelMapper, labelKey} from './labels.js'
import type {ColumnRequest} from './readers/columns.js'
import {readTable} from './readers/table.js'
import {openSource, planSources, TempDir} from './sources/index.js'

/** One record; `label` is its class index when it has a label that maps to a class. */
export interface ScoringRow {
  text: string
  label?: number
}

export interface ScoringBatch {
  rows: ScoringRow[]
  /** Records of this batch with a non-empty label that maps to no class (left unlabeled). */
  unmapped: number
  /** The first such record, `where:line: "label"`. */
  firstUnmapped?: string
}

export interface ScoringReadOptions {
  cwd: string
  reporter?: Reporter
  env?: NodeJS.ProcessEnv
  batchSize?: number
  /** Bytes are hashed as they stream by; called once at the end with the md5 (see `md5` below). */
  onMd5?: (md5: string) => void
}

/**
 * Streams the records of `source` in batches. Labels map through ingest.label_map, else as class indexes
 * 0..k-1, else (a convenience) as a class name of `classNames`, case-insensitively. The label column is
 * optional: a record without a label comes out unlabeled (the text column may then be the file's only column).
 * The md5 is the bytes' when there is one table (file, URL or S3 object), else that of the rows.
 */
export async function* readScoringRows(source: string, ingest: IngestParams, classNames: readonly string[], opts: ScoringReadOptions): AsyncGenerator<ScoringBatch> {
  const reporter = opts.reporter ?? silentReporter
  const classOf = labelReader(ingest.label_map, classNames)
  const columns: ColumnRequest[] = [
    {name: ingest.text_column, setting: 'ingest.text_column', orOnlyColumn: true},
    {name: ingest.label_column, optional: true},
  ]
  const planned = await planSources(source, opts.cwd)
  const batchSize = opts.batchSize ?? 2048
  const bytesHash = createHash('md5')
  const rowsHash = createHash('md5')
  const temp = new TempDir()
  const context = {cwd: opts.cwd, env: opts.env ?? process.env, timeoutMs: ingest.timeout_ms, retries: ingest.retries, temp, reporter}
  let batch: ScoringBatch = {rows: [], unmapped: 0}
  const add = (text: string, raw: unknown, label: number | undefined, where: string, line: number) => {
    const key = labelKey(raw)
    if (key !== '' && label === undefined) {
      batch.unmapped++
      batch.firstUnmapped ??= `${where}:${line}: ${JSON.stringify(key)}`
    }
    rowsHash.update(`${label ?? ''}\t${text}\n`)
    batch.rows.push(label === undefined ? {text} : {text, label})
  }
  try {
    for (const plannedSource of planned) {
      const opened = await openSource(plannedSource, context)
      if (opened.kind === 'rows') {
        // Built-in data carries class indexes already.
        for await (const rows of opened.rows) {
          for (const {line, values} of rows) add(toText(values[0], opened.where, line, ingest.text_column), values[1], values[1] as number, opened.where, line)
          if (batch.rows.length >= batchSize) {
            yield batch
            batch = {rows: [], unmapped: 0}
          }
        }
        continue
      }
      const {input} = opened
      const hashed = {...input, chunks: hashing(input.chunks, planned.length === 1 ? bytesHash : undefined)}
      for await (const rows of readTable(hashed, {format: ingest.format, encoding: ingest.encoding, columns})) {
        for (const {line, values} of rows) add(toText(values[0], input.where, line, ingest.text_column), values[1], classOf(values[1]), input.where, line)
        if (batch.rows.length >= batchSize) {
          yield batch
          batch = {rows: [], unmapped: 0}
        }
      }
    }
  } finally {
    await temp.remove()
  }
  if (batch.rows.length > 0 || batch.unmapped > 0) yield batch
  const single = planned.length === 1 && planned[0].kind !== 'builtin'
  opts.onMd5?.((single ? bytesHash : rowsHash).digest('hex'))
}

/** Labeled data read as given: every record kept, in order. */
export interface LabeledScoringData {
  texts: string[]
  labels: number[]
  /** ingest.class_names: labels index these. */
  classNames: string[]
  /** `source` as given, URLs redacted. */
  source: string
  md5: string
  /** Records whose text is empty or blank (scored as given, counted). */
  emptyTexts: number
}

/**
 * Every record of `source` with its class index in ingest.class_names. A record whose label is missing or maps
 * to no class is an error naming how many there are and the first one: a test set is scored as given.
 */
export async function readLabeledForScoring(source: string, ingest: IngestParams, opts: ScoringReadOptions): Promise<LabeledScoringData> {
  const classNames = [...ingest.class_names]
  const texts: string[] = []
  const labels: number[] = []
  let unlabeled = 0
  let firstUnlabeled: string | undefined
  let md5 = ''
  const shown = redactUrls(source)
  for await (const batch of readScoringRows(source, ingest, classNames, {...opts, onMd5: m => (md5 = m)})) {
    unlabeled += batch.unmapped
    firstUnlabeled ??= batch.firstUnmapped
    for (const row of batch.rows) {
      texts.push(row.text)
      labels.push(row.label ?? -1)
    }
  }
  const missing = labels.filter(l => l === -1).length - unlabeled
  if (unlabeled + missing > 0) {
    const first = firstUnlabeled ? `, first at ${firstUnlabeled}` : ` (${missing} without a label in column "${ingest.label_column}")`
    throw new DataError(`${shown}: ${unlabeled + missing} of ${texts.length} rows have a label that maps to no class of ${classNames.join(', ')}${first}`, {
      suggestions: [Object.keys(ingest.label_map).length > 0
        ? 'add the label to --set ingest.label_map=... or remove those rows: a test set is scored as given'
        : `labels must be class indexes 0..${classNames.length - 1} or class names; map others with --set 'ingest.label_map={...}'`],
      data: {source: shown, rows: texts.length, unmapped: unlabeled + missing},
    })
  }
  if (texts.length === 0) throw new DataError(`${shown}: no rows to score`)
  const emptyTexts = texts.filter(t => t.trim() === '').length
  if (emptyTexts > 0) (opts.reporter ?? silentReporter).warn(`${shown}: ${emptyTexts} of ${texts.length} texts are empty; they are scored as given`)
  return {texts, labels, classNames, source: shown, md5, emptyTexts}
}

function labelReader(labelMap: Record<string, number>, classNames: readonly string[]): (raw: unknown) => number | undefined {
  const mapper = createLabelMapper(labelMap, classNames)
  const byName = new Map(classNames.map((name, i) => [name.trim().toLowerCase(), i]))
  return raw => mapper.classOf(raw) ?? byName.get(labelKey(raw).toLowerCase())
}

async function* hashing(chunks: AsyncIterable<Buffer>, hash: ReturnType<typeof createHash> | undefined): AsyncGenerator<Buffer> {
  for await (const chunk of chunks) {
    hash?.update(chunk)
    yield chunk
  }
}
