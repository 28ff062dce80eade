import path from 'node:path'
import type {Params} from '../config/params.js'

/** Where each stage reads and writes, relative to the project directory (all configurable in params.yaml). */
export function stagePaths(params: Params, cwd: string) {
  const at = (p: string) => path.resolve(cwd, p)
  return {
    rawTrain: at(path.join(params.ingest.out_dir, 'train.csv')),
    rawTest: at(path.join(params.ingest.out_dir, 'test.csv')),
    interimTrain: at(path.join(params.preprocess.out_dir, 'train.csv')),
    interimTest: at(path.join(params.preprocess.out_dir, 'test.csv')),
    vectorizer: at(path.join(params.featurize.out_dir, 'vectorizer.json')),
    trainMatrix: at(path.join(params.featurize.out_dir, 'train.csr')),
    modelDir: at(params.train.model_dir),
    metricsFile: at(params.evaluate.metrics_file),
    plotsDir: at(params.evaluate.plots_dir),
  }
}

export type StagePaths = ReturnType<typeof stagePaths>
