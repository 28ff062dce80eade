import type {GbParams} from '../config/params.js'
import type {AlgorithmSpec} from './classifier.js'
import {BoostedClassifier, fitBoosted} from './trees/boosting.js'
import {checkInt, checkNumber, checkTreeTrainingData} from './trees/param-checks.js'

/**
 * Gradient boosting as scikit-learn's GradientBoostingClassifier: log-loss, least-squares regression trees on
 * the residuals with exact thresholds (zero is a value), one Newton step per leaf, prior log-odds to start.
 * With sample weights (class_weight) as fit(sample_weight=…): weighted residual sums scored over the nodes'
 * weights (friedman_mse's weighted_n), min_samples_leaf still in rows.
 */
export const gbSpec: AlgorithmSpec<GbParams> = {
  name: 'gb',
  description: 'gradient boosting (scikit-learn style): log-loss, least-squares trees on residuals, exact splits',
  fit(X, y, nClasses, params, ctx) {
    checkInt(params.n_estimators, 'train.gb.n_estimators', 1)
    checkNumber(params.learning_rate, 'train.gb.learning_rate', {minOpen: 0})
    checkInt(params.max_depth, 'train.gb.max_depth', 1)
    checkNumber(params.subsample, 'train.gb.subsample', {minOpen: 0, max: 1})
    checkInt(params.min_samples_leaf, 'train.gb.min_samples_leaf', 1)
    checkTreeTrainingData(X, y, nClasses, 'gb')
    return fitBoosted(
      X,
      y,
      nClasses,
      {
        algorithm: 'gb',
        nEstimators: params.n_estimators,
        learningRate: params.learning_rate,
        maxDepth: params.max_depth,
        subsample: params.subsample,
        colsample: 1,
        maxBin: Number.POSITIVE_INFINITY,
        lambda: 0,
        alpha: 0,
        gamma: 0,
        minChild: params.min_samples_leaf,
      },
      ctx,
    )
  },
  load(json) {
    return BoostedClassifier.fromJSON(json, 'gb')
  },
}
