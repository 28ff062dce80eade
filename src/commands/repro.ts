import {existsSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import path from 'node:path'
import {Args, Flags} from '@oclif/core'
import {BaseCommand, EXIT_CODE_HELP} from '../cli/base-command.js'
import {fmt, relativePath, setFlag} from '../cli/flags.js'
import {inProcessRunner} from '../cli/in-process-runner.js'
import {envAssignments} from '../core/config/index.js'
import {reproduce, reproUpToDate, shellRunner} from '../core/pipeline/index.js'
import {ensurePipelineFiles} from '../core/stages/init.js'

/** Output paths from params, kept with the no-op stamp so an up-to-date run need not load params. */
interface OutputPaths {
  modelDir: string
  metricsFile: string
}

export default class Repro extends BaseCommand<typeof Repro> {
  static override summary = 'Run the dvc.yaml pipeline, skipping stages whose deps, params and outs did not change.'
  static override description = `Reads dvc.yaml (ingest → preprocess → featurize → train → evaluate), runs the stages in
dependency order and writes dvc.lock exactly as DVC 3 does, so \`dvc repro\` and \`sentiops repro\` agree on what
is up to date. Works without DVC installed. A failing stage leaves its previous outputs and lock entry intact.
In a directory without dvc.yaml/params.yaml, the defaults of the sentiops package are written there first.

${EXIT_CODE_HELP}`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --set train.algorithm=mnb --set featurize.method=bow',
    '<%= config.bin %> <%= command.id %> --dry-run',
    '<%= config.bin %> <%= command.id %> train --force --json',
  ]
  static override strict = false
  static override args = {targets: Args.string({description: 'stages to reproduce (with their upstream stages); default: all'})}
  static override flags = {
    set: setFlag,
    force: Flags.boolean({char: 'f', description: 'run the stages even when nothing changed', default: false}),
    'dry-run': Flags.boolean({description: 'only print which stages would run and why', default: false}),
  }

  async run() {
    const targets = this.argv.filter(a => !a.startsWith('-') && !this.isFlagValue(a))
    const cwd = process.cwd()
    for (const file of await ensurePipelineFiles(cwd)) this.reporter.info(`wrote the default ${path.basename(file)} (edit it to use your data)`)
    const paramOverrides = [...envAssignments(), ...this.flags.set]
    const targetList = targets.length ? targets : undefined
    // Nothing changed since the last full check (same stat of every file it read, same overrides): skip loading
    // params and the pipeline; any doubt (another --params file, --force, --dry-run) means the full path.
    const upToDate = this.flags.force || this.flags['dry-run'] || this.flags.params ? undefined : reproUpToDate({cwd, targets: targetList, paramOverrides, reporter: this.reporter})
    if (upToDate) {
      const {modelDir, metricsFile} = (upToDate.extra ?? {}) as Partial<OutputPaths>
      if (modelDir !== undefined && metricsFile !== undefined) return this.report(upToDate, path.resolve(cwd, modelDir), path.resolve(cwd, metricsFile))
    }
    // Validate params and overrides before running anything.
    const {params} = await this.loadParams(this.flags.set)
    const outputs: OutputPaths = {modelDir: params.train.model_dir, metricsFile: params.evaluate.metrics_file}
    const result = await reproduce({
      cwd,
      targets: targetList,
      force: this.flags.force,
      dryRun: this.flags['dry-run'],
      // Env overrides count as params for change detection and the lock, exactly like --set.
      paramOverrides,
      runner: inProcessRunner(this.config, shellRunner),
      reporter: this.reporter,
      stampExtra: outputs,
    })
    return this.report(result, path.resolve(cwd, outputs.modelDir), path.resolve(cwd, outputs.metricsFile))
  }

  private async report<R extends Awaited<ReturnType<typeof reproduce>>>(result: R, modelDir: string, metricsFile: string) {
    for (const s of result.stages) {
      const why = s.reasons.length ? ` (${s.reasons.join('; ')})` : ''
      const status = this.flags['dry-run'] ? (s.willRun ? 'would run' : 'up to date') : s.status
      this.log(`${status.padEnd(10)} ${s.name}${s.seconds === undefined ? '' : ` ${s.seconds.toFixed(2)} s`}${why}`)
    }
    const metrics = existsSync(metricsFile) ? (JSON.parse(await readFile(metricsFile, 'utf8')) as Record<string, number>) : undefined
    if (!this.flags['dry-run']) {
      if (existsSync(modelDir)) this.log(`model:   ${relativePath(modelDir)}`)
      if (metrics) this.log(`metrics: ${relativePath(metricsFile)}  accuracy ${fmt(metrics.accuracy)}  f1 ${fmt(metrics.f1)}  roc_auc ${fmt(metrics.roc_auc)}`)
    }
    return {...result, model: existsSync(modelDir) ? modelDir : undefined, metricsFile: metrics ? metricsFile : undefined, metrics}
  }

  private isFlagValue(arg: string): boolean {
    const i = this.argv.indexOf(arg)
    const prev = this.argv[i - 1]
    return prev === '--set' || prev === '-S' || prev === '--params'
  }
}
