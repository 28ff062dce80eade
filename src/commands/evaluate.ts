import {BaseCommand, EXIT_CODE_HELP} from '../cli/base-command.js'
import {fmt, relativePath, setFlag} from '../cli/flags.js'
import path from 'node:path'
import {runEvaluate} from '../core/stages/evaluate.js'
import {modelParams, tracked, trackingEnabled} from '../core/stages/tracking.js'
import {flattenParams} from '../core/tracking/inputs.js'
import {trackingFlags} from '../cli/tracking-flags.js'

export default class Evaluate extends BaseCommand<typeof Evaluate> {
  static override summary = 'Score the model on the held-out split: metrics, confusion matrix, ROC/PR plots.'
  static override description = `Predicts the raw test split through the model bundle (the serving code path) and writes
evaluate.metrics_file (flat keys: accuracy, precision, recall, f1, roc_auc, log_loss, ...) and, under
evaluate.plots_dir, DVC plot data (roc.json, prc.json, confusion.csv) plus SVG charts.

${EXIT_CODE_HELP}`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --set evaluate.threshold=0.6',
    '<%= config.bin %> <%= command.id %> --json',
  ]
  static override flags = {set: setFlag, ...trackingFlags}

  async run() {
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
    const m = result.metrics
    this.log(`evaluate: ${result.rows} test texts in ${result.seconds.toFixed(2)} s`)
    this.log(`  accuracy ${fmt(m.accuracy)}  precision ${fmt(m.precision)}  recall ${fmt(m.recall)}  f1 ${fmt(m.f1)}  roc_auc ${fmt(m.roc_auc)}  log_loss ${fmt(m.log_loss)}`)
    const width = Math.max(...result.classNames.map(n => n.length), 9)
    this.log(`  confusion (rows = actual, columns = predicted):`)
    this.log(`    ${''.padEnd(width)}  ${result.classNames.map(n => n.padStart(width)).join('  ')}`)
    result.confusion.forEach((row, i) => this.log(`    ${result.classNames[i].padEnd(width)}  ${row.map(v => String(v).padStart(width)).join('  ')}`))
    this.log(`  wrote ${result.files.map(relativePath).join(', ')}`)
    if (run) this.log(`  run: ${run.runId} (${run.runName}) in ${run.trackingUri}`)
    return {...result, run}
  }
}
