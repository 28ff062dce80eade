import {spawn} from 'node:child_process'
import {Flags} from '@oclif/core'
import YAML from 'yaml'
import {BaseCommand, EXIT_CODE_HELP} from '../../cli/base-command.js'
import {overridesFrom, setFlag} from '../../cli/flags.js'
import {ALGORITHMS} from '../../core/config/params.js'
import {loadLabeledData} from '../../core/data/index.js'
import {ExternalError, UsageError} from '../../core/errors.js'
import {expandGrid, parseGridFlag} from '../../core/experiments/grid.js'
import {runExperiment} from '../../core/experiments/run.js'
import {renderExperimentTable, showExperiment} from '../../core/experiments/show.js'
import {openStores} from '../../core/tracking/index.js'

export default class ExperimentRun extends BaseCommand<typeof ExperimentRun> {
  static override summary = 'Cross-validate a grid of params combinations, each one a tracked MLflow run.'
  static override description = `The grid comes from params.yaml (experiment.grid: dotted key → list of values) or from --grid
flags; with neither, it is featurize.method {bow, tfidf} × train.algorithm {lr, mnb, rf, gb, xgb}. Every
combination is cross-validated with stratified k folds (--cv, experiment.cv) on all rows of ingest.source (with
ingest.test_source set: minus the texts also in that test set, which model selection never sees) and recorded as one run of the experiment (per-fold metrics with step = fold, cv_<metric>_mean/_std). Completed
combinations are skipped on a rerun, so an interrupted grid resumes. --parallel N runs N worker processes.
Ends with the table of \`sentiops experiment show\`.

${EXIT_CODE_HELP}`
  static override examples = [
    '<%= config.bin %> <%= command.id %> --cv 10',
    '<%= config.bin %> <%= command.id %> --grid train.algorithm=lr,mnb --grid train.mnb.alpha=0.1,0.5,1 --grid train.lr.C=1,10,30',
    '<%= config.bin %> <%= command.id %> --source ../data/mr.csv --cv 10 --parallel 2 --experiment mr-grid',
    '<%= config.bin %> <%= command.id %> --cv 5 --json',
  ]
  static override flags = {
    grid: Flags.string({description: 'a grid axis key.path=v1,v2,... (repeatable; replaces experiment.grid)', multiple: true}),
    cv: Flags.integer({description: 'number of stratified folds (experiment.cv)', min: 2, max: 50}),
    parallel: Flags.integer({description: 'worker processes (experiment.parallel)', min: 1, max: 64}),
    experiment: Flags.string({description: 'MLflow experiment name (experiment.name)'}),
    source: Flags.string({description: 'data source to cross-validate on (ingest.source)'}),
    sort: Flags.string({description: 'metric to sort the final table by (default cv_<experiment.metric>_mean)'}),
    'tracking-uri': Flags.string({description: 'tracking store: ./mlruns (default), file:///abs/path or http(s)://mlflow-server', env: 'MLFLOW_TRACKING_URI'}),
    shard: Flags.string({description: 'run only shard i of n (i/n); used by --parallel', hidden: true}),
    set: setFlag,
  }

  async run() {
    const f = this.flags
    const overrides = overridesFrom({'ingest.source': f.source, 'experiment.cv': f.cv, 'experiment.parallel': f.parallel, 'experiment.name': f.experiment})
    const {params} = await this.loadParams([...overrides, ...f.set])
    const grid = f.grid?.length
      ? Object.fromEntries(f.grid.map(g => parseGridFlag(g, text => YAML.parse(text, {version: '1.2'}))))
      : Object.keys(params.experiment.grid).length > 0
        ? params.experiment.grid
        : {'featurize.method': ['bow', 'tfidf'], 'train.algorithm': [...ALGORITHMS]}
    const points = expandGrid(grid, params)
    const cwd = process.cwd()
    const stores = openStores({trackingUri: f['tracking-uri'], cwd, reporter: this.reporter})
    const sortBy = f.sort ?? `cv_${params.experiment.metric}_mean`
    const started = performance.now()
    const workers = f.shard ? 1 : Math.min(params.experiment.parallel, points.length)
    if (workers > 1) {
      this.reporter.info(`experiment ${params.experiment.name}: ${points.length} combinations × ${params.experiment.cv} folds on ${workers} workers`)
      await runShards(this.config.root, this.argv, workers)
    } else {
      const shard = f.shard ? parseShard(f.shard) : undefined
      const data = await loadLabeledData(params.ingest, {cwd, reporter: this.reporter})
      const heldOut = params.ingest.test_source.trim() !== '' ? ` of ingest.source (the fixed test set ingest.test_source is not used; ${data.heldOut} texts also in it left out)` : ''
      this.reporter.info(`experiment ${params.experiment.name}: ${points.length} combinations × ${params.experiment.cv} folds on ${data.texts.length} texts${heldOut}${shard ? ` (shard ${shard.index + 1}/${shard.count})` : ''}`)
      await runExperiment({points, texts: data.texts, labels: data.labels, folds: params.experiment.cv, seed: params.ingest.seed, experiment: params.experiment.name, stores, cwd, reporter: this.reporter, shard})
    }
    const seconds = (performance.now() - started) / 1000
    const table = await showExperiment(stores, params.experiment.name, sortBy)
    const wanted = new Set(points.map(p => p.key))
    table.rows = table.rows.filter(r => wanted.has(JSON.stringify(Object.keys(r.params).sort().map(k => [k, r.params[k]]))) && r.folds === params.experiment.cv)
    if (!f.shard) {
      this.log(renderExperimentTable(table, 'text'))
      const best = table.rows[0]
      if (best) this.log(`best: ${best.runName} ${sortBy} ${best.metrics[sortBy]?.toFixed(4)} (run ${best.runId}); ${points.length} combinations in ${seconds.toFixed(1)} s`)
    }
    return {...table, seconds, best: table.rows[0]}
  }
}

function parseShard(text: string): {index: number; count: number} {
  const m = /^(\d+)\/(\d+)$/.exec(text)
  if (!m || Number(m[1]) < 1 || Number(m[1]) > Number(m[2])) throw new UsageError(`--shard ${text}: expected i/n with 1 ≤ i ≤ n`)
  return {index: Number(m[1]) - 1, count: Number(m[2])}
}

/** Runs `sentiops experiment run … --shard i/n` in n processes (results meet in the tracking store). */
async function runShards(root: string, argv: string[], count: number): Promise<void> {
  const bin = `${root}/bin/run.js`
  // Drop what the workers get their own value of: --json, --parallel N / --parallel=N.
  const base: string[] = []
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--json' || argv[i].startsWith('--parallel=')) continue
    if (argv[i] === '--parallel') {
      i++
      continue
    }
    base.push(argv[i])
  }
  const children = Array.from({length: count}, (_, i) =>
    new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, [bin, 'experiment', 'run', ...base, '--shard', `${i + 1}/${count}`, '--parallel', '1', '--json'], {stdio: ['ignore', 'ignore', 'inherit']})
      child.on('error', reject)
      child.on('exit', code => (code === 0 ? resolve() : reject(new ExternalError(`experiment worker ${i + 1}/${count} exited with code ${code}`))))
    }),
  )
  await Promise.all(children)
}
