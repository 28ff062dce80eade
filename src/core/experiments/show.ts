import type {Run, Stores} from '../tracking/index.js'
import {UserError} from '../errors.js'
import {CV_TAG, GRID_KEY_TAG} from './run.js'

export interface ExperimentRow {
  runId: string
  runName: string
  status: string
  /** The grid's own overrides (the columns that vary). */
  params: Record<string, unknown>
  metrics: Record<string, number>
  folds: number
}

export interface ExperimentTable {
  experiment: string
  sortBy: string
  columns: {params: string[]; metrics: string[]}
  rows: ExperimentRow[]
}

/** The grid runs of an experiment (latest run per grid point), sorted by a metric, best first (log_loss: lowest). */
export async function showExperiment(stores: Stores, name: string, sortBy: string): Promise<ExperimentTable> {
  const experiment = await stores.tracking.getExperimentByName(name)
  if (!experiment) throw new UserError(`no experiment named "${name}" in ${stores.tracking.uri}`, {suggestions: ['run `sentiops experiment run` first, or pass --experiment']})
  const runs = await stores.tracking.searchRuns([experiment.experimentId])
  const latest = new Map<string, Run>()
  for (const run of runs) {
    const key = run.data.tags[GRID_KEY_TAG]
    if (!key) continue
    const id = `${key}|${run.data.tags[CV_TAG]}`
    const seen = latest.get(id)
    const rank = (r: Run) => (r.info.status === 'FINISHED' ? 1 : 0) * 1e15 + r.info.startTime
    if (!seen || rank(run) > rank(seen)) latest.set(id, run)
  }
  const rows: ExperimentRow[] = [...latest.values()].map(run => ({
    runId: run.info.runId,
    runName: run.info.runName,
    status: run.info.status,
    params: Object.fromEntries(JSON.parse(run.data.tags[GRID_KEY_TAG]) as Array<[string, unknown]>),
    metrics: run.data.metrics,
    folds: Number(run.data.tags[CV_TAG]),
  }))
  const lowerIsBetter = /loss|seconds|_std$/.test(sortBy)
  rows.sort((a, b) => {
    const x = a.metrics[sortBy] ?? Number.NaN
    const y = b.metrics[sortBy] ?? Number.NaN
    if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) ? (Number.isNaN(y) ? 0 : 1) : -1
    return lowerIsBetter ? x - y : y - x
  })
  const paramColumns = [...new Set(rows.flatMap(r => Object.keys(r.params)))].sort()
  const metricColumns = ['cv_accuracy_mean', 'cv_accuracy_std', 'cv_f1_mean', 'cv_roc_auc_mean', 'cv_log_loss_mean', 'cv_seconds'].filter(m => rows.some(r => m in r.metrics))
  if (!metricColumns.includes(sortBy) && rows.some(r => sortBy in r.metrics)) metricColumns.unshift(sortBy)
  return {experiment: name, sortBy, columns: {params: paramColumns, metrics: metricColumns}, rows}
}

/** Renders the table as aligned text or as GitHub Markdown (for CI comments). */
export function renderExperimentTable(table: ExperimentTable, format: 'text' | 'md'): string {
  const header = ['run', ...table.columns.params, ...table.columns.metrics]
  const body = table.rows.map(r => [
    r.runName,
    ...table.columns.params.map(p => (p in r.params ? formatValue(r.params[p]) : '')),
    ...table.columns.metrics.map(m => (m in r.metrics ? r.metrics[m].toFixed(m === 'cv_seconds' ? 2 : 4) : '')),
  ])
  if (format === 'md') {
    return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...body.map(row => `| ${row.join(' | ')} |`)].join('\n')
  }
  const widths = header.map((h, i) => Math.max(h.length, ...body.map(row => row[i].length)))
  return [header, ...body].map(row => row.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd()).join('\n')
}

function formatValue(v: unknown): string {
  return typeof v === 'object' ? JSON.stringify(v) : String(v)
}
