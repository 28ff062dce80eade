import {Flags} from '@oclif/core'
import {BaseCommand, EXIT_CODE_HELP} from '../cli/base-command.js'
import {fmt, relativePath, setFlag} from '../cli/flags.js'
import path from 'node:path'
import {logModelEvaluation, runEvaluate, runEvaluateModel} from '../core/stages/evaluate.js'
import {modelParams, tracked, trackingEnabled} from '../core/stages/tracking.js'
import {flattenParams} from '../core/tracking/inputs.js'
import {trackingFlags} from '../cli/tracking-flags.js'

export default class Evaluate extends BaseCommand<typeof Evaluate> {
  static override summary = 'Score a model on labeled data: metrics, confusion matrix, ROC/PR plots.'
  static override description = [
    'Without --model/--data/--out this is the pipeline stage: it predicts the raw test split through the model bundle (the serving code path) and writes evaluate.metrics_file (flat keys: accuracy, precision, recall, f1, roc_auc, log_loss, ...) and, under evaluate.plots_dir, DVC plot data (roc.json, prc.json, confusion.csv) plus SVG charts. It scores at evaluate.threshold when that is a number (--set evaluate.threshold=0.6 too) and at the threshold train stored in the bundle when it is auto. predict and serve always decide at the stored one: when the two differ a warning says so; `sentiops train` (or `sentiops repro`, which retrains because evaluate.threshold is a train param) stores the new one.',
    'With --model (a bundle directory or a models:/ URI; default train.model_dir) and/or --data (labeled data in any form ingest.source accepts: file, glob, list, URL, s3://, with the same column and label mapping; default the held-out split) it scores that model on that data with the same metrics and plots, writes them to --out and leaves reports/metrics.json alone. The data is scored as given: duplicates are kept, empty texts are scored and counted, a label that maps to no class is an error. The model decides with its own stored threshold, exactly as in predict and serve (evaluate.threshold does not apply). The default --out is reports/eval-<name>-v<version> for a registered model and reports/eval-<folder>-<8 hex of a hash of its absolute path> for a bundle directory. The tracked run is tagged with the model (sentiops.model.uri, .name, .version, .run_id) and the data (sentiops.data.source, sentiops.data.md5), which links it to the registered version.',
    '--json prints {"status": "ok", "result": {"metrics", "confusion", "classNames", "rows", "files", ...; with --model/--data also "model", "data": {"source", "md5"}, "threshold", "outDir"}, "warnings": [...]}.',
    EXIT_CODE_HELP,
  ].join('\n\n')
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    {
      description: 'Score the pipeline\'s model at threshold 0.6 (predict and serve keep the stored threshold until `sentiops train`):',
      command: '<%= config.bin %> <%= command.id %> --set evaluate.threshold=0.6',
    },
    '<%= config.bin %> <%= command.id %> --model models:/sentiment@champion --data golden.csv',
    '<%= config.bin %> <%= command.id %> --model models/model --data reviews.jsonl --set ingest.text_column=body --out reports/eval-reviews --json',
  ]
  static override flags = {
    model: Flags.string({description: 'bundle directory or models:/name@alias, models:/name/3, runs:/id/model (default: train.model_dir)'}),
    data: Flags.string({description: 'labeled data to score on, as given: file, glob, list, URL or s3:// URI, read with the ingest.* mapping (default: the held-out split)'}),
    out: Flags.string({description: 'report directory for --model/--data (default: reports/eval-<name>-v<version>, or reports/eval-<folder>-<path hash> for a bundle directory)'}),
    set: setFlag,
    ...trackingFlags,
  }

  async run() {
    const f = this.flags
    if (f.model !== undefined || f.data !== undefined || f.out !== undefined) return this.evaluateModel()
    const {params} = await this.loadParams(this.flags.set)
    const cwd = process.cwd()
    const {result, run} = await tracked(
      {enabled: trackingEnabled(this.flags.track), trackingUri: this.flags['tracking-uri'], experiment: this.flags.experiment, runName: this.flags['run-name'], cwd, reporter: this.reporter},
      async handle => {
        const evaluated = await runEvaluate(params, {cwd, reporter: this.reporter})
        if (handle) {
          // The run holds the model AND its held-out metrics, so `sentiops register --run-id` can gate on them.
          await handle.logParams(flattenParams(modelParams(params)))
          await handle.logMetrics(Object.entries(evaluated.metrics).filter(([, v]) => typeof v === 'number' && Number.isFinite(v)).map(([key, value]) => ({key, value: value as number})))
          await handle.setTags({'sentiops.stage': 'evaluate'})
          await handle.logArtifacts(path.dirname(path.resolve(cwd, params.evaluate.metrics_file)), 'reports')
          await handle.logModel(path.resolve(cwd, params.train.model_dir))
        }
        return evaluated
      },
    )
    this.logSummary(result)
    if (run) this.log(`  run: ${run.runId} (${run.runName}) in ${run.trackingUri}`)
    return {...result, run}
  }

  private async evaluateModel() {
    const f = this.flags
    const {params} = await this.loadParams(f.set)
    const cwd = process.cwd()
    const {result, run} = await tracked(
      {enabled: trackingEnabled(f.track), trackingUri: f['tracking-uri'], experiment: f.experiment, runName: f['run-name'], cwd, reporter: this.reporter},
      async handle => {
        const evaluated = await runEvaluateModel(params, {model: f.model, data: f.data, out: f.out, cwd, reporter: this.reporter, trackingUri: f['tracking-uri']})
        if (handle) await logModelEvaluation(handle, evaluated)
        return evaluated
      },
    )
    const version = result.model.name ? ` (${result.model.name} version ${result.model.version})` : ''
    this.log(`model: ${result.model.uri}${version}, decides at its stored threshold ${result.threshold}`)
    this.log(`data: ${result.data.source} (md5 ${result.data.md5})`)
    this.logSummary(result)
    if (run) this.log(`  run: ${run.runId} (${run.runName}) in ${run.trackingUri}`)
    return {...result, run}
  }

  private logSummary(result: {rows: number; seconds: number; metrics: Record<string, number>; classNames: string[]; confusion: number[][]; files: string[]}) {
    const m = result.metrics
    this.log(`evaluate: ${result.rows} test texts in ${result.seconds.toFixed(2)} s`)
    this.log(`  accuracy ${fmt(m.accuracy)}  precision ${fmt(m.precision)}  recall ${fmt(m.recall)}  f1 ${fmt(m.f1)}  roc_auc ${fmt(m.roc_auc)}  log_loss ${fmt(m.log_loss)}`)
    const width = Math.max(...result.classNames.map(n => n.length), 9)
    this.log(`  confusion (rows = actual, columns = predicted):`)
    this.log(`    ${''.padEnd(width)}  ${result.classNames.map(n => n.padStart(width)).join('  ')}`)
    result.confusion.forEach((row, i) => this.log(`    ${result.classNames[i].padEnd(width)}  ${row.map(v => String(v).padStart(width)).join('  ')}`))
    this.log(`  wrote ${result.files.map(relativePath).join(', ')}`)
  }
}
