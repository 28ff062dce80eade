import {describe, expect, it} from 'vitest'
import {BugError, ConfigError, DataError} from '../../src/core/errors.js'
import {
  balancedAccuracy,
  classKeys,
  computeMetrics,
  confusionMatrix,
  logLoss,
  matthewsCorrcoef,
  predictClasses,
} from '../../src/core/evaluation/index.js'
import {macroF1} from '../../src/core/evaluation/metrics.js'

/** Row-major n × 2 probabilities from P(class 1). */
function binaryProba(p1: number[]): Float64Array {
  return Float64Array.from(p1.flatMap(p => [1 - p, p]))
}

/** n × k probabilities putting 0.6 on the predicted class and 0.2 on the two others. */
function confidentProba(yPred: number[]): Float64Array {
  return Float64Array.from(yPred.flatMap(c => [0, 1, 2].map(j => (j === c ? 0.6 : 0.2))))
}

const BINARY = ['negative', 'positive']

describe('confusionMatrix (sklearn confusion_matrix)', () => {
  it('reproduces the sklearn docs example, rows actual and columns predicted', () => {
    expect(confusionMatrix([2, 0, 2, 2, 0, 1], [0, 0, 2, 2, 0, 2], 3)).toEqual([
      [2, 0, 0],
      [0, 0, 1],
      [1, 0, 2],
    ])
  })

  it('keeps rows and columns for classes that never occur', () => {
    expect(confusionMatrix([0, 0], [0, 1], 3)).toEqual([
      [1, 1, 0],
      [0, 0, 0],
      [0, 0, 0],
    ])
  })

  it('rejects a label outside the classes', () => {
    expect(() => confusionMatrix([0, 3], [0, 1], 2)).toThrow('true label at index 1 is 3; expected a class index 0..1')
  })
})

describe('label metrics from the confusion matrix', () => {
  it('matthewsCorrcoef reproduces the sklearn docs value -1/3', () => {
    // y_true = [+1, +1, +1, -1], y_pred = [+1, -1, +1, +1] with -1 → 0, +1 → 1
    expect(matthewsCorrcoef(confusionMatrix([1, 1, 1, 0], [1, 0, 1, 1], 2))).toBeCloseTo(-1 / 3, 15)
  })

  it('matthewsCorrcoef is 0 when every prediction is one class (sklearn)', () => {
    expect(matthewsCorrcoef(confusionMatrix([0, 1, 1], [1, 1, 1], 2))).toBe(0)
  })

  it('balancedAccuracy reproduces the sklearn docs value 0.625', () => {
    expect(balancedAccuracy(confusionMatrix([0, 1, 0, 0, 1, 0], [0, 1, 0, 0, 0, 1], 2))).toBe(0.625)
  })
})

describe('logLoss (sklearn log_loss with labels = all classes)', () => {
  it('reproduces the sklearn docs value 0.21616...', () => {
    // log_loss(["spam", "ham", "ham", "spam"], [[.1, .9], [.9, .1], [.8, .2], [.35, .65]]): ham = 0, spam = 1
    expect(logLoss([1, 0, 0, 1], [0.1, 0.9, 0.9, 0.1, 0.8, 0.2, 0.35, 0.65], 2)).toBeCloseTo(0.216_161_874_680_579_12, 15)
  })

  it('clips a zero probability of the actual class to machine epsilon instead of returning Infinity', () => {
    expect(logLoss([1, 1], [1, 0, 1, 0], 2)).toBeCloseTo(-Math.log(Number.EPSILON), 12)
  })
})

describe('predictClasses', () => {
  it('predicts class 1 when P(class 1) is above the threshold; a tie at 0.5 goes to class 0 like an arg max', () => {
    const proba = binaryProba([0.2, 0.5, 0.51, 0.35])
    expect([...predictClasses(proba, 2)]).toEqual([0, 0, 1, 0])
    expect([...predictClasses(proba, 2, 0.3)]).toEqual([0, 1, 1, 1])
  })

  it('takes the first most probable class for more than two classes', () => {
    expect([...predictClasses([0.2, 0.4, 0.4, 0.5, 0.3, 0.2], 3)]).toEqual([1, 0])
  })
})

describe('computeMetrics, binary', () => {
  // Worked by hand: predictions [0, 1, 1, 0, 1, 0] → tp 2, fp 1, fn 1, tn 2.
  const yTrue = [0, 0, 1, 1, 1, 0]
  const p1 = [0.2, 0.6, 0.7, 0.4, 0.9, 0.1]
  const metrics = computeMetrics({yTrue, proba: binaryProba(p1), nClasses: 2, classNames: BINARY})

  it('scores the positive class (index 1)', () => {
    expect(metrics.accuracy).toBeCloseTo(4 / 6, 15)
    expect(metrics.precision).toBeCloseTo(2 / 3, 15)
    expect(metrics.recall).toBeCloseTo(2 / 3, 15)
    expect(metrics.f1).toBeCloseTo(2 / 3, 15)
    expect(metrics.balanced_accuracy).toBeCloseTo(2 / 3, 15)
    // (tp·tn − fp·fn) / √((tp+fp)(tp+fn)(tn+fp)(tn+fn)) = 3 / 9
    expect(metrics.mcc).toBeCloseTo(1 / 3, 15)
  })

  it('computes the ranking metrics from P(positive) and log-loss from all probabilities', () => {
    // Positive scores 0.7, 0.4, 0.9 beat 8 of the 9 negative scores (0.4 < 0.6).
    expect(metrics.roc_auc).toBeCloseTo(8 / 9, 15)
    expect(metrics.average_precision).toBeCloseTo(11 / 12, 15)
    const expected = -(Math.log(0.8) + Math.log(0.4) + Math.log(0.7) + Math.log(0.4) + Math.log(0.9) + Math.log(0.9)) / 6
    expect(metrics.log_loss).toBeCloseTo(expected, 15)
  })

  it('adds per-class scores, supports and the sample count', () => {
    expect(metrics).toMatchObject({
      support_negative: 3,
      support_positive: 3,
      n_samples: 6,
    })
    expect(metrics.precision_negative).toBeCloseTo(2 / 3, 15)
    expect(metrics.recall_positive).toBe(metrics.recall)
    expect(metrics.f1_positive).toBe(metrics.f1)
    expect(Object.keys(metrics).filter(k => k.startsWith('roc_auc'))).toEqual(['roc_auc'])
  })

  it('moves predictions with the threshold', () => {
    const lenient = computeMetrics({yTrue, proba: binaryProba(p1), nClasses: 2, classNames: BINARY, threshold: 0.3})
    // P(positive) > 0.3 for 0.6, 0.7, 0.4 and 0.9: all three positives and one negative.
    expect(lenient.recall).toBe(1)
    expect(lenient.precision).toBe(3 / 4)
    expect(lenient.roc_auc).toBe(metrics.roc_auc)
  })

  it('gives precision 0 instead of a division by zero when nothing is predicted positive (zero_division=0)', () => {
    const m = computeMetrics({yTrue: [0, 1, 1], proba: binaryProba([0.1, 0.2, 0.3]), nClasses: 2, classNames: BINARY})
    expect(m.precision).toBe(0)
    expect(m.recall).toBe(0)
    expect(m.f1).toBe(0)
    expect(m.roc_auc).toBe(1)
  })

  it('returns roc_auc NaN (sklearn raises) when the test set holds one class, and keeps the other metrics', () => {
    const m = computeMetrics({yTrue: [1, 1, 1], proba: binaryProba([0.9, 0.4, 0.8]), nClasses: 2, classNames: BINARY})
    expect(m.roc_auc).toBeNaN()
    expect(m.accuracy).toBeCloseTo(2 / 3, 15)
    expect(m.support_negative).toBe(0)
    expect(m.average_precision).toBe(1)
  })
})

describe('computeMetrics, multiclass', () => {
  // sklearn docs example of precision_score: y_true = [0, 1, 2, 0, 1, 2], y_pred = [0, 2, 1, 0, 0, 1]
  const yTrue = [0, 1, 2, 0, 1, 2]
  const yPred = [0, 2, 1, 0, 0, 1]
  const metrics = computeMetrics({yTrue, proba: confidentProba(yPred), nClasses: 3, classNames: ['neg', 'neu', 'pos']})

  it('macro-averages precision, recall and F1 (sklearn docs values)', () => {
    expect(metrics.precision).toBeCloseTo(2 / 9, 15)
    expect(metrics.recall).toBeCloseTo(1 / 3, 15)
    expect(metrics.f1).toBeCloseTo(4 / 15, 15)
    expect(metrics.accuracy).toBeCloseTo(1 / 3, 15)
    expect(metrics.mcc).toBe(0)
  })

  it('computes one-vs-rest ROC-AUC per class and their macro mean', () => {
    // Class 0 scores: positives 0.6, 0.6 vs negatives 0.2, 0.2, 0.6, 0.2 → (3 + 0.5) · 2 / 8
    expect(metrics.roc_auc_neg).toBe(0.875)
    expect(metrics.roc_auc_neu).toBe(0.25)
    expect(metrics.roc_auc_pos).toBe(0.375)
    expect(metrics.roc_auc).toBeCloseTo(0.5, 15)
    expect(metrics.average_precision).toBeCloseTo((2 / 3 + 1 / 3 + 1 / 3) / 3, 15)
    expect(metrics.log_loss).toBeCloseTo(-(2 * Math.log(0.6) + 4 * Math.log(0.2)) / 6, 15)
  })

  it('averages over the classes present in y_true or y_pred, as sklearn does without labels', () => {
    const m = computeMetrics({yTrue: [0, 1, 0, 1], proba: confidentProba([0, 1, 1, 1]), nClasses: 3, classNames: ['a', 'b', 'c']})
    // Class c never occurs: its zero scores stay out of the averages; precision = (1 + 2/3) / 2.
    expect(m.precision).toBeCloseTo(5 / 6, 15)
    expect(m.recall).toBeCloseTo(3 / 4, 15)
    expect(m.support_c).toBe(0)
    expect(m.precision_c).toBe(0)
    expect(m.roc_auc_c).toBeNaN()
    expect(m.roc_auc).toBeNaN()
  })
})

describe('classKeys', () => {
  it('makes class names key-safe and unique', () => {
    expect(classKeys(['very good', 'très bon', 'very-good', 'very_good', '!!!', '4 stars'])).toEqual([
      'very_good',
      'très_bon',
      'very-good',
      'very_good_3',
      'class_4',
      '4_stars',
    ])
  })
})

describe('computeMetrics input checks', () => {
  const ok = {yTrue: [0, 1], proba: binaryProba([0.2, 0.7]), nClasses: 2, classNames: BINARY}

  it('names the test sample with a bad label or probability', () => {
    expect(() => computeMetrics({...ok, yTrue: [0, 2]})).toThrow(
      new DataError('evaluate: label of test sample 1 is 2; expected a class index 0..1'),
    )
    expect(() => computeMetrics({...ok, proba: [0.8, 0.2, Number.NaN, 0.5]})).toThrow(
      "evaluate: probability of class 'negative' for test sample 1 is NaN; expected a number in [0, 1]",
    )
    expect(() => computeMetrics({...ok, proba: [0.8, 0.2, 2.5, -1.5]})).toThrow(DataError)
    expect(() => computeMetrics({...ok, proba: [0.8, 0.2, 0.5, 0.6]})).toThrow(
      'evaluate: probabilities of test sample 1 sum to 1.1, not 1; pass class probabilities, not raw scores',
    )
  })

  it('rejects an empty test set and a single class', () => {
    expect(() => computeMetrics({...ok, yTrue: [], proba: []})).toThrow(new DataError('evaluate: the test set is empty; nothing to evaluate'))
    expect(() => computeMetrics({yTrue: [0], proba: [1], nClasses: 1, classNames: ['only']})).toThrow(DataError)
  })

  it('names the params key of a bad threshold', () => {
    expect(() => computeMetrics({...ok, threshold: 1.5})).toThrow(new ConfigError('evaluate.threshold = 1.5 is outside [0, 1]'))
    expect(() => computeMetrics({yTrue: [0], proba: [0.5, 0.3, 0.2], nClasses: 3, classNames: ['a', 'b', 'c'], threshold: 0.7})).toThrow(
      ConfigError,
    )
  })

  it('treats shape mismatches as caller bugs', () => {
    expect(() => computeMetrics({...ok, proba: [0.5, 0.5]})).toThrow(BugError)
    expect(() => computeMetrics({...ok, classNames: ['one']})).toThrow(BugError)
    expect(() => computeMetrics({...ok, classNames: ['same', 'same']})).toThrow(BugError)
  })
})

describe('macro_f1 (sklearn f1_score average="macro")', () => {
  // Predictions [0, 0, 0, 1, 1, 0]: class 1 tp 1, fp 1, fn 1 → F1 1/2; class 0 tp 3, fp 1, fn 1 → F1 3/4.
  const yTrue = [0, 0, 0, 0, 1, 1]
  const yPred = [0, 0, 0, 1, 1, 0]

  it('averages the two classes of a binary problem: (1/2 + 3/4) / 2', () => {
    expect(macroF1(yTrue, yPred, 2)).toBeCloseTo(0.625, 15)
    const m = computeMetrics({yTrue, proba: binaryProba([0.1, 0.2, 0.3, 0.6, 0.8, 0.4]), nClasses: 2, classNames: BINARY})
    expect(m.macro_f1).toBeCloseTo(0.625, 15)
    expect(m.f1).toBeCloseTo(0.5, 15)
  })

  it('follows the decision threshold', () => {
    // Threshold 0.35: predictions [0, 0, 0, 1, 1, 1] → class 1 F1 4/5, class 0 tp 3, fn 1, fp 0 → 6/7.
    const m = computeMetrics({yTrue, proba: binaryProba([0.1, 0.2, 0.3, 0.6, 0.8, 0.4]), nClasses: 2, classNames: BINARY, threshold: 0.35})
    expect(m.macro_f1).toBeCloseTo((4 / 5 + 6 / 7) / 2, 15)
  })

  it('reproduces the sklearn docs multiclass value 0.2666... and averages over present classes only', () => {
    expect(macroF1([0, 1, 2, 0, 1, 2], [0, 2, 1, 0, 0, 1], 3)).toBeCloseTo(4 / 15, 15)
    // Class 2 is in neither list: (2/3 + 2/3) / 2, not / 3.
    expect(macroF1([0, 0, 1], [0, 1, 1], 3)).toBeCloseTo(2 / 3, 15)
  })
})
