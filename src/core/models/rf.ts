import type {RfParams} from '../config/params.js'
import {ConfigError} from '../errors.js'
import type {AlgorithmSpec} from './classifier.js'
import {fitMljsForest} from './mljs-forest.js'
import {fitSparseForest, ForestClassifier} from './trees/forest.js'
import {checkChoice, checkInt, checkNumber, checkTreeTrainingData} from './trees/param-checks.js'

/** Random forest: bagged CART trees with random feature subsets per node (backend mljs: ml-random-forest). */
export const rfSpec: AlgorithmSpec<RfParams> = {
  name: 'rf',
  description: 'random forest: bootstrap, random features per node, Gini or entropy, exact splits on sparse columns',
  fit(X, y, nClasses, params, ctx) {
    checkRfParams(params)
    checkTreeTrainingData(X, y, nClasses, 'rf')
    if (params.backend === 'mljs') {
      if (ctx.sampleWeight) throw new ConfigError('train.class_weight=balanced needs train.rf.backend=sparse (ml-random-forest has no sample weights)')
      return fitMljsForest(X, y, nClasses, params, ctx)
    }
    return fitSparseForest(
      X,
      y,
      nClasses,
      {
        nEstimators: params.n_estimators,
        maxDepth: params.max_depth,
        minSamplesLeaf: params.min_samples_leaf,
        maxFeatures: params.max_features,
        bootstrap: params.bootstrap,
        criterion: params.criterion,
      },
      ctx,
    )
  },
  load(json) {
    return ForestClassifier.fromJSON(json)
  },
}

function checkRfParams(p: RfParams): void {
  checkInt(p.n_estimators, 'train.rf.n_estimators', 1)
  checkInt(p.max_depth, 'train.rf.max_depth', 0)
  checkInt(p.min_samples_leaf, 'train.rf.min_samples_leaf', 1)
  if (p.max_features !== 'sqrt' && p.max_features !== 'log2') {
    if (typeof p.max_features !== 'number') {
      throw new ConfigError(`train.rf.max_features must be sqrt, log2 or a fraction in (0, 1] (got ${JSON.stringify(p.max_features)})`)
    }
    checkNumber(p.max_features, 'train.rf.max_features', {minOpen: 0, max: 1})
  }
  if (typeof p.bootstrap !== 'boolean') throw new ConfigError(`train.rf.bootstrap must be true or false (got ${JSON.stringify(p.bootstrap)})`)
  checkChoice(p.criterion, 'train.rf.criterion', ['gini', 'entropy'])
  checkChoice(p.backend, 'train.rf.backend', ['sparse', 'mljs'])
}
