import {Flags} from '@oclif/core'
import {BaseCommand, EXIT_CODE_HELP} from '../cli/base-command.js'
import {fmt, setFlag, modelFlag} from '../cli/flags.js'
import {EXIT_CODES} from '../core/errors.js'
import {runDrift, type DriftReport} from '../core/monitor/drift.js'
import {SIGNAL_NAMES} from '../core/monitor/profile.js'

export default class Drift extends BaseCommand<typeof Drift> {
  static override summary = 'Check a file of texts for drift against the training profile stored in the model bundle.'
  static override description = `Predicts every text of --data through the model (the serving code path) and compares it with the profile train stored in the bundle from the test split: the population stability index (PSI) of text_length (characters), token_count (words after preprocessing), oov_rate (share of words outside the vocabulary) and score (P(class 1) with two classes, else the top probability); the shift of the predicted class mix; the share of unknown words; and, when the file has labels (ingest.label_column, mapped like ingest does, or class names), the accuracy change.

Drift is a PSI above monitor.psi_threshold (0.2), a predicted class share moved by more than monitor.class_shift_threshold (0.1), or an accuracy drop of more than monitor.accuracy_drop_threshold (0.05) on at least monitor.min_samples labeled texts; a class share or the accuracy must also move by more than 3 standard errors of sampling (shown as "noise"). Sampling alone gives a small PSI, about (bins − 1)·(1/n + 1/N) for n texts against N profiled ones (shown as "noise" too). Fewer than monitor.min_samples (300) texts is an error (exit 1): too few to judge (on in-domain samples of 300 texts, false alarms stay under 0.5%).

Exit 0 when nothing drifted, 5 when something did. The report is printed either way; with --json it is the result, with "drift": true|false and "signals_drifted", so the command fits a CI step or a batch job.

${EXIT_CODE_HELP}`
  static override examples = [
    '<%= config.bin %> <%= command.id %> --data new-reviews.csv',
    '<%= config.bin %> <%= command.id %> --model models:/sentiment@champion --data last-week.jsonl --json',
    '<%= config.bin %> <%= command.id %> --model models:/sentiment@champion --tracking-uri http://mlflow:5000 --data last-week.jsonl',
    '<%= config.bin %> <%= command.id %> --data tweets.csv --set ingest.text_column=tweet --set monitor.psi_threshold=0.25',
  ]
  static override flags = {
    model: modelFlag('train.model_dir'),
    data: Flags.string({description: 'texts to check: a file (CSV/TSV/JSON/JSONL), glob, URL or s3:// URI, read like ingest.source; labels optional', required: true}),
    'tracking-uri': Flags.string({description: 'tracking store models:/ URIs resolve through (default: MLFLOW_TRACKING_URI, else ./mlruns)'}),
    set: setFlag,
  }

  async run(): Promise<DriftReport> {
    const {params} = await this.loadParams(this.flags.set)
    const report = await runDrift(params, {model: this.flags.model ?? params.train.model_dir, data: this.flags.data, cwd: process.cwd(), reporter: this.reporter, trackingUri: this.flags['tracking-uri']})
    this.render(report)
    if (report.drift) process.exitCode = EXIT_CODES.driftDetected
    return report
  }

  private render(r: DriftReport): void {
    const t = r.thresholds
    this.log(`drift: ${r.n} texts of ${r.data} against the profile of ${r.model.uri} (${r.profile_n} test texts)`)
    for (const name of SIGNAL_NAMES) this.log(`  ${name.padEnd(12)} PSI ${fmt(r.psi[name]).padStart(8)}  (noise ${fmt(r.psi_noise[name], 3)})  ${mark(r.signals_drifted.includes(name))}`)
    const classes = Object.entries(r.class_mix.classes).map(([name, s]) => `${name} ${fmt(s.now, 3)} (profile ${fmt(s.profile, 3)}, noise ±${fmt(s.noise, 3)})`).join(', ')
    this.log(`  ${'class mix'.padEnd(12)} ${classes}  ${mark(r.signals_drifted.includes('class_mix'))}`)
    this.log(`  ${'oov share'.padEnd(12)} ${fmt(r.oov_share.now, 3)} (profile ${fmt(r.oov_share.profile, 3)})`)
    if (r.accuracy) {
      const judged = r.accuracy_judged ? mark(r.signals_drifted.includes('accuracy')) : `not judged: ${r.accuracy.labeled} labeled texts < monitor.min_samples`
      this.log(`  ${'accuracy'.padEnd(12)} ${fmt(r.accuracy.now, 3)} (profile ${fmt(r.accuracy.profile, 3)}, noise ±${fmt(r.accuracy.noise, 3)}, ${r.accuracy.labeled} labeled)  ${judged}`)
    }
    const limits = `PSI > ${t.psi_threshold}, class shift > ${t.class_shift_threshold}, accuracy drop > ${t.accuracy_drop_threshold}`
    if (!r.drift) this.log(`no drift (${limits})`)
    else this.log(`DRIFT in ${r.signals_drifted.join(', ')}: ${r.reasons.join('; ')}`)
  }
}

function mark(drifted: boolean): string {
  return drifted ? 'DRIFT' : 'ok'
}
