import type {XgbParams} from '../config/params.js'
import type {AlgorithmSpec} from './classifier.js'
import {BoostedClassifier, fitBoosted} from './trees/boosting.js'
import {checkInt, checkNumber, checkTreeTrainingData} from './trees/param-checks.js'

/**
 * XGBoost's algorithm (tree_method=hist): second-order log-loss objective with λ/α regularization, gamma
 * pruning, min_child_weight, row and per-tree column subsampling, max_bin quantile bins of the stored values,
 * and a learned default direction for the entries a row does not have.
 */
export const xgbSpec: AlgorithmSpec<XgbParams> = {
  name: 'xgb',
  description: 'XGBoost-style boosting: regularized second-order trees, histogram splits, learned default direction',
  fit(X, y, nClasses, params, ctx) {
    checkInt(params.n_estimators, 'train.xgb.n_estimators', 1)
    checkNumber(params.eta, 'train.xgb.eta', {minOpen: 0})
    checkInt(params.max_depth, 'train.xgb.max_depth', 1)
    checkNumber(params.lambda, 'train.xgb.lambda', {min: 0})
    checkNumber(params.alpha, 'train.xgb.alpha', {min: 0})
    checkNumber(params.gamma, 'train.xgb.gamma', {min: 0})
    checkNumber(params.min_child_weight, 'train.xgb.min_child_weight', {min: 0})
    checkNumber(params.subsample, 'train.xgb.subsample', {minOpen: 0, max: 1})
    checkNumber(params.colsample_bytree, 'train.xgb.colsample_bytree', {minOpen: 0, max: 1})
    checkInt(params.max_bin, 'train.xgb.max_bin', 2, 65_535)
    checkTreeTrainingData(X, y, nClasses, 'xgb')
    return fitBoosted(
      X,
      y,
      nClasses,
      {
        algorithm: 'xgb',
        nEstimators: params.n_estimators,
        learningRate: params.eta,
        maxDepth: params.max_depth,
        subsample: params.subsample,
        colsample: params.colsample_bytree,
        maxBin: params.max_bin,
        lambda: params.lambda,
        alpha: params.alpha,
        gamma: params.gamma,
        minChild: params.min_child_weight,
      },
      ctx,
    )
  },
  load(json) {
    return BoostedClassifier.fromJSON(json, 'xgb')
  },
}
