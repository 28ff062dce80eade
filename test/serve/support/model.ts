import {mkdtemp} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {setAt, validateParams, type Params} from '../../../src/core/config/index.js'
import {ingest} from '../../../src/core/data/index.js'
import {silentReporter} from '../../../src/core/reporter.js'
import {runFeaturize} from '../../../src/core/stages/featurize.js'
import {runPreprocess} from '../../../src/core/stages/preprocess.js'
import {runTrain} from '../../../src/core/stages/train.js'

export async function tempDir(prefix = 'sentiops-serve-'): Promise<string> {
  return mkdtemp(path.join(tmpdir(), prefix))
}

/**
 * Trains a real model on the built-in data set (ingest → preprocess → featurize → train, in-process) in
 * `cwd` and returns the bundle directory. `set` overrides params keys, e.g. {'train.algorithm': 'mnb'}.
 */
export async function trainModel(cwd: string, set: Record<string, unknown> = {}): Promise<{dir: string; params: Params}> {
  const raw: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(set)) setAt(raw, key, value)
  const params = validateParams(raw)
  const opts = {cwd, reporter: silentReporter}
  await ingest(params.ingest, opts)
  await runPreprocess(params, opts)
  await runFeaturize(params, opts)
  const result = await runTrain(params, opts)
  return {dir: result.modelDir, params}
}
