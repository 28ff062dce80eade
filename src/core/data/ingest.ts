import path from 'node:path'
import type {IngestParams} from '../config/params.js'
import {ConfigError, DataError} from '../errors.js'
import {redactUrls} from '../redact.js'
import {type Reporter, silentReporter} from '../reporter.js'
import {type DroppedCounts, RowCollector} from './collect.js'
import {fixedTestSplit, withoutTestTexts} from './fixed-test.js'
import {createLabelMapper} from './labels.js'
import type {ColumnRequest} from './readers/columns.js'
import {readTable} from './readers/table.js'
import {openSource, planSources, TempDir} from './sources/index.js'
import {textLengthStats} from './report.js'
import {type SplitPlan, stratifiedSplit} from './split.js'
import type {DataReport, IngestResult} from './types.js'
import {writeSplits} from './write.js'

export interface IngestOptions {
  /** Relative sources and ingest.out_dir are resolved against this directory. */
  cwd: string
  reporter?: Reporter
  /** Environment for the S3 client (endpoint, region, credentials); default process.env. */
  env?: NodeJS.ProcessEnv
  signal?: AbortSignal
}

/**
 * The ingest stage: reads every source in ingest.source, maps columns and labels, drops empty, duplicate
 * and unmapped rows, splits train/test stratified and seeded, and writes `${out_dir}/train.csv` and
 * `test.csv` (header text,label). With ingest.test_source the test split is that data instead (see
 * fixed-test.ts). Nothing is written unless all of that succeeded.
 */
export async function ingest(params: IngestParams, options: IngestOptions): Promise<IngestResult> {
  const {signal} = options
  const collector = await collectRows(params, params.source, options)
  const source = redactUrls(params.source)
  let split: {texts: readonly string[]; labels: readonly number[]; plan: SplitPlan; rowsRead: number; dropped: DroppedCounts; testSource: DataReport['testSource']}
  if (hasTestSource(params)) {
    const tests = await collectRows(params, params.test_source, options)
    const fixed = fixedTestSplit(collector, tests, params, options.reporter ?? silentReporter)
    const testSource = {source: redactUrls(params.test_source), rowsRead: tests.rowsRead, overlap: fixed.overlap}
    split = {...fixed, rowsRead: collector.rowsRead + tests.rowsRead, dropped: sumDropped(collector.dropped, tests.dropped), testSource}
  } else {
    const plan = stratifiedSplit(collector.labels, params.class_names, params.test_size, params.seed, source)
    split = {texts: collector.texts, labels: collector.labels, plan, rowsRead: collector.rowsRead, dropped: collector.dropped, testSource: null}
  }
  const {plan} = split
  const report: DataReport = {
    source,
    testSource: split.testSource,
    rowsRead: split.rowsRead,
    rowsKept: plan.train.length + plan.test.length,
    classes: [...params.class_names],
    perClass: plan.perClass,
    dropped: split.dropped,
    // Over the rows written (with a fixed test set, texts dropped as overlap are not).
    textLength: textLengthStats(split.testSource ? [...pick(split.texts, plan.train), ...pick(split.texts, plan.test)] : split.texts),
    train: plan.train.length,
    test: plan.test.length,
  }
  const dir = path.resolve(options.cwd, params.out_dir)
  const files = {train: path.join(dir, 'train.csv'), test: path.join(dir, 'test.csv')}
  signal?.throwIfAborted()
  await writeSplits(files, split.texts, split.labels, plan)
  return {report, files}
}

/**
 * All labeled rows of ingest.source after mapping, cleaning and dedupe, unsplit (experiments cross-validate
 * them). With ingest.test_source, the texts also in the test set are left out (`heldOut` counts them), so
 * that model selection never sees the fixed test set: what is returned is exactly the train split's rows.
 */
export async function loadLabeledData(params: IngestParams, options: IngestOptions): Promise<{texts: string[]; labels: number[]; heldOut: number}> {
  const collector = await collectRows(params, params.source, options)
  if (!hasTestSource(params)) return {texts: collector.texts, labels: collector.labels, heldOut: 0}
  const tests = await collectRows(params, params.test_source, options)
  const kept = withoutTestTexts(collector, tests)
  return {texts: kept.rows.map(i => collector.texts[i]), labels: kept.rows.map(i => collector.labels[i]), heldOut: kept.overlap}
}

function hasTestSource(params: IngestParams): boolean {
  return params.test_source.trim() !== ''
}

function pick(texts: readonly string[], rows: Uint32Array): string[] {
  return Array.from(rows, i => texts[i])
}

function sumDropped(a: DroppedCounts, b: DroppedCounts): DroppedCounts {
  const unmappedLabel = {...a.unmappedLabel}
  for (const [label, count] of Object.entries(b.unmappedLabel)) unmappedLabel[label] = (unmappedLabel[label] ?? 0) + count
  return {empty: a.empty + b.empty, duplicate: a.duplicate + b.duplicate, unmappedLabel}
}

async function collectRows(params: IngestParams, sourceList: string, options: IngestOptions): Promise<RowCollector> {
  const reporter = options.reporter ?? silentReporter
  const {signal} = options
  checkParams(params)
  const mapper = createLabelMapper(params.label_map, params.class_names)
  const planned = await planSources(sourceList, options.cwd)
  const collector = new RowCollector(mapper, {text: params.text_column, label: params.label_column})
  const columns: ColumnRequest[] = [
    {name: params.text_column, setting: 'ingest.text_column'},
    {name: params.label_column, setting: 'ingest.label_column'},
  ]
  const temp = new TempDir()
  const context = {cwd: options.cwd, env: options.env ?? process.env, timeoutMs: params.timeout_ms, retries: params.retries, temp, reporter, signal}
  try {
    for (const source of planned) {
      signal?.throwIfAborted()
      const before = collector.rowsRead
      const opened = await openSource(source, context)
      if (opened.kind === 'rows') {
        for await (const rows of opened.rows) collector.add(rows, opened.where, 'index')
      } else {
        const onFormat = (format: string, how: string) => reporter.debug(`${opened.input.where}: reading as ${format} (by ${how})`)
        for await (const rows of readTable(opened.input, {format: params.format, encoding: params.encoding, columns, onFormat})) {
          signal?.throwIfAborted()
          collector.add(rows, opened.input.where)
        }
      }
      reporter.debug(`${source.kind === 'file' ? source.file.where : source.where}: ${collector.rowsRead - before} records`)
    }
  } finally {
    await temp.remove()
  }

  collector.checkLabels(params.class_names)
  if (collector.conflictingDuplicates > 0) {
    reporter.warn(`${collector.conflictingDuplicates} duplicate texts had another label than their first occurrence, which was kept`)
  }
  if (collector.texts.length === 0) {
    const {dropped} = collector
    const unmapped = Object.values(dropped.unmappedLabel).reduce((a, b) => a + b, 0)
    throw new DataError(
      `${redactUrls(sourceList)}: no rows left: ${collector.rowsRead} read, ${dropped.empty} with empty text, ${dropped.duplicate} duplicate, ${unmapped} with unmapped labels`,
      {data: {rowsRead: collector.rowsRead, dropped}},
    )
  }
  return collector
}

/** The schema validates params.yaml; this guards direct callers against combinations it cannot express. */
function checkParams(params: IngestParams): void {
  if (!(params.test_size > 0 && params.test_size < 1)) {
    throw new ConfigError(`ingest.test_size: ${params.test_size} is not a fraction strictly between 0 and 1`)
  }
  if (!Array.isArray(params.class_names) || params.class_names.length < 2) {
    throw new ConfigError('ingest.class_names: needs at least two class names, e.g. [negative, positive]')
  }
  if (params.text_column === params.label_column) {
    throw new ConfigError(`ingest.text_column and ingest.label_column are both "${params.text_column}"; they must name different columns`)
  }
}
