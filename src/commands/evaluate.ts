import {BaseCommand, EXIT_CODE_HELP} from '../cli/base-command.js'
import {fmt, relativePath, setFlag} from '../cli/flags.js'
import {runEvaluate} from '../core/stages/evaluate.js'

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
  static override flags = {set: setFlag}

  async run() {
    const {params} = await this.loadParams(this.flags.set)
    const result = await runEvaluate(params, {cwd: process.cwd(), reporter: this.reporter})
    const m = result.metrics
    this.log(`evaluate: ${result.rows} test texts in ${result.seconds.toFixed(2)} s`)
    this.log(`  accuracy ${fmt(m.accuracy)}  precision ${fmt(m.precision)}  recall ${fmt(m.recall)}  f1 ${fmt(m.f1)}  roc_auc ${fmt(m.roc_auc)}  log_loss ${fmt(m.log_loss)}`)
    const width = Math.max(...result.classNames.map(n => n.length), 9)
    this.log(`  confusion (rows = actual, columns = predicted):`)
    this.log(`    ${''.padEnd(width)}  ${result.classNames.map(n => n.padStart(width)).join('  ')}`)
    result.confusion.forEach((row, i) => this.log(`    ${result.classNames[i].padEnd(width)}  ${row.map(v => String(v).padStart(width)).join('  ')}`))
    this.log(`  wrote ${result.files.map(relativePath).join(', ')}`)
    return result
  }
}
