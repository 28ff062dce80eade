import {mkdtemp, readFile, readdir, rm, writeFile, mkdir} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {BugError, DataError} from '../../src/core/errors.js'
import {
  DVC_PLOT_DEFINITIONS,
  MAX_PLOT_POINTS,
  computeMetrics,
  confusionCsv,
  dvcPlotDefinitions,
  precisionRecallCurve,
  renderSvg,
  rocCurve,
  thinCurve,
  writeEvaluationReports,
  type EvaluationInput,
} from '../../src/core/evaluation/index.js'

let dir: string
let targets: {metricsFile: string; plotsDir: string}

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sentiops-eval-'))
  targets = {metricsFile: path.join(dir, 'reports/metrics.json'), plotsDir: path.join(dir, 'reports/plots')}
})

afterEach(async () => {
  await rm(dir, {recursive: true, force: true})
})

/** A deterministic, imperfect binary scorer: n samples, P(positive) noisy around the true label. */
function binaryInput(n: number, seed = 7): EvaluationInput & {p1: number[]} {
  let s = seed
  const rand = () => {
    s = (s * 16_807) % 2_147_483_647
    return s / 2_147_483_647
  }
  const yTrue = Int32Array.from({length: n}, (_, i) => (i % 5 < 2 ? 1 : 0))
  const p1 = Array.from(yTrue, y => Math.min(1, Math.max(0, (y === 1 ? 0.62 : 0.38) + (rand() - 0.5) * 0.7)))
  return {yTrue, proba: Float64Array.from(p1.flatMap(p => [1 - p, p])), nClasses: 2, classNames: ['negative', 'positive'], p1}
}

const readJson = async (file: string) => JSON.parse(await readFile(file, 'utf8'))
const svgTexts = (svg: string) => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map(m => m[1])

describe('writeEvaluationReports', () => {
  it('writes metrics.json with sorted keys at full precision, equal to computeMetrics', async () => {
    const input = binaryInput(300)
    const report = await writeEvaluationReports(input, targets)
    const text = await readFile(targets.metricsFile, 'utf8')
    const written = JSON.parse(text)
    expect(Object.keys(written)).toEqual(Object.keys(written).sort())
    expect(written).toEqual({...computeMetrics(input)})
    expect(report.metrics).toEqual(computeMetrics(input))
    expect(written.roc_auc).not.toBe(Number(written.roc_auc.toFixed(4)))
    expect(report.files.at(-1)).toBe(targets.metricsFile)
    expect(report.confusion.flat().reduce((a, b) => a + b, 0)).toBe(300)
  })

  it('writes the DVC plot data: roc.json, prc.json and one confusion.csv row per sample with class names', async () => {
    const input = binaryInput(200)
    const report = await writeEvaluationReports(input, targets)
    const y01 = Array.from(input.yTrue)

    const roc = await readJson(path.join(targets.plotsDir, 'roc.json'))
    const expectedRoc = rocCurve(y01, input.p1)
    expect(roc.roc).toEqual(expectedRoc.fpr.map((fpr, i) => ({fpr, tpr: expectedRoc.tpr[i], threshold: expectedRoc.threshold[i]})))

    const prc = await readJson(path.join(targets.plotsDir, 'prc.json'))
    const expectedPrc = precisionRecallCurve(y01, input.p1)
    expect(prc.prc).toHaveLength(expectedPrc.precision.length)
    expect(prc.prc[0]).toEqual({precision: expectedPrc.precision[0], recall: 1, threshold: expectedPrc.threshold[0]})
    expect(prc.prc.at(-1)).toEqual({precision: 1, recall: 0, threshold: null})

    const csv = (await readFile(path.join(targets.plotsDir, 'confusion.csv'), 'utf8')).trimEnd().split('\n')
    expect(csv[0]).toBe('actual,predicted')
    expect(csv).toHaveLength(201)
    const tally = (actual: string, predicted: string) => csv.filter(line => line === `${actual},${predicted}`).length
    expect(tally('positive', 'negative')).toBe(report.confusion[1][0])
    expect(tally('negative', 'negative')).toBe(report.confusion[0][0])
  })

  it('renders readable SVGs: AUC in the ROC title, axis titles, class names and counts on the confusion matrix', async () => {
    const input = binaryInput(300)
    const {metrics, confusion} = await writeEvaluationReports(input, targets)
    const svg = async (name: string) => readFile(path.join(targets.plotsDir, name), 'utf8')

    const roc = await svg('roc.svg')
    expect(roc.startsWith('<svg')).toBe(true)
    expect(svgTexts(roc)).toEqual(
      expect.arrayContaining([`ROC curve (AUC = ${metrics.roc_auc.toFixed(4)})`, 'False positive rate', 'True positive rate']),
    )
    expect(svgTexts(await svg('prc.svg'))).toEqual(
      expect.arrayContaining([`Precision-recall curve (AP = ${metrics.average_precision.toFixed(4)})`, 'Recall', 'Precision']),
    )
    const texts = svgTexts(await svg('confusion.svg'))
    expect(texts).toEqual(expect.arrayContaining(['Confusion matrix', 'Predicted label', 'Actual label', 'negative', 'positive']))
    expect(texts).toEqual(expect.arrayContaining(confusion.flat().map(String)))
  })

  it('labels one-vs-rest curves by class for more than two classes', async () => {
    const yTrue = [0, 1, 2, 0, 1, 2]
    const proba = [0, 2, 1, 0, 0, 1].flatMap(c => [0, 1, 2].map(j => (j === c ? 0.6 : 0.2)))
    const {metrics} = await writeEvaluationReports({yTrue, proba, nClasses: 3, classNames: ['neg', 'neu', 'pos']}, targets)
    const roc = await readJson(path.join(targets.plotsDir, 'roc.json'))
    expect(new Set(roc.roc.map((p: {class: string}) => p.class))).toEqual(new Set(['neg', 'neu', 'pos']))
    const texts = svgTexts(await readFile(path.join(targets.plotsDir, 'roc.svg'), 'utf8'))
    expect(texts).toEqual(expect.arrayContaining(['ROC curves, one-vs-rest (macro AUC = 0.5000)', 'neg (AUC 0.8750)', 'neu (AUC 0.2500)']))
    expect(metrics.roc_auc_pos).toBe(0.375)
  })

  it('writes an undefined ROC-AUC (one class in the test set) as null', async () => {
    await writeEvaluationReports({yTrue: [1, 1, 1], proba: [0.1, 0.9, 0.6, 0.4, 0.2, 0.8], nClasses: 2, classNames: ['neg', 'pos']}, targets)
    const written = await readJson(targets.metricsFile)
    expect(written.roc_auc).toBeNull()
    expect(written.accuracy).toBeCloseTo(2 / 3, 15)
    expect(svgTexts(await readFile(path.join(targets.plotsDir, 'roc.svg'), 'utf8'))).toContain('ROC curve (AUC = undefined)')
  })

  it('writes extra reports next to the plots folder, typed arrays as arrays', async () => {
    const report = await writeEvaluationReports(binaryInput(50), {
      ...targets,
      extra: {feature_importance: {features: ['good', 'bad'], importance: Float64Array.of(0.75, Number.NaN)}},
    })
    const file = path.join(dir, 'reports/feature_importance.json')
    expect(report.files).toContain(file)
    expect(await readJson(file)).toEqual({features: ['good', 'bad'], importance: [0.75, null]})
  })

  it('leaves the previous reports untouched when the input is bad, and leaves no temp files', async () => {
    await writeEvaluationReports(binaryInput(100), targets)
    const before = await readFile(targets.metricsFile, 'utf8')
    const bad = {...binaryInput(100), yTrue: Int32Array.from({length: 100}, (_, i) => (i === 42 ? 7 : 0))}
    await expect(writeEvaluationReports(bad, targets)).rejects.toThrow(new DataError('evaluate: label of test sample 42 is 7; expected a class index 0..1'))
    await expect(writeEvaluationReports(binaryInput(100, 3), {...targets, extra: {'../escape': 1}})).rejects.toThrow(BugError)
    expect(await readFile(targets.metricsFile, 'utf8')).toBe(before)
    const names = [...(await readdir(path.join(dir, 'reports'))), ...(await readdir(targets.plotsDir))]
    expect(names.filter(name => name.includes('.tmp-'))).toEqual([])
    expect(names.sort()).toEqual(['confusion.csv', 'confusion.svg', 'metrics.json', 'plots', 'prc.json', 'prc.svg', 'roc.json', 'roc.svg'])
  })

  it('keeps plot files small for large test sets while the metrics use every sample', async () => {
    const input = binaryInput(20_000)
    const {metrics} = await writeEvaluationReports(input, targets)
    const roc = (await readJson(path.join(targets.plotsDir, 'roc.json'))).roc
    const prc = (await readJson(path.join(targets.plotsDir, 'prc.json'))).prc
    const full = rocCurve(Array.from(input.yTrue), input.p1)
    expect(full.fpr.length).toBeGreaterThan(MAX_PLOT_POINTS)
    expect(roc.length).toBeLessThanOrEqual(MAX_PLOT_POINTS)
    expect(prc.length).toBeLessThanOrEqual(MAX_PLOT_POINTS)
    expect(roc[0]).toEqual({fpr: 0, tpr: 0, threshold: full.threshold[0]})
    expect(roc.at(-1)).toMatchObject({fpr: 1, tpr: 1})
    expect(metrics.n_samples).toBe(20_000)
  })
})

describe('thinCurve', () => {
  it('keeps every point of a short curve', () => {
    expect(thinCurve([0, 0.5, 1], [0, 1, 1], 10)).toEqual([0, 1, 2])
  })

  it('keeps the ends and leaves no dropped point farther than 1/maxPoints of the arc from a kept one', () => {
    const m = 10_000
    const x = Array.from({length: m}, (_, i) => i / (m - 1))
    const y = x.map(v => Math.sqrt(v))
    const kept = thinCurve(x, y, 100)
    expect(kept.length).toBeLessThanOrEqual(100)
    expect(kept[0]).toBe(0)
    expect(kept.at(-1)).toBe(m - 1)
    const arc = 2 // |Δx| + |Δy| summed over the curve
    for (let j = 1; j < kept.length; j++) {
      const a = kept[j - 1]
      const b = kept[j]
      const gap = Math.abs(x[b] - x[a]) + Math.abs(y[b] - y[a])
      expect(gap).toBeLessThanOrEqual((2 * arc) / 98)
    }
  })
})

describe('confusionCsv', () => {
  it('quotes class names that contain commas or quotes (RFC 4180)', () => {
    expect(confusionCsv([0, 1], [1, 1], ['bad, really', 'say "good"'])).toBe(
      'actual,predicted\n"bad, really","say ""good"""\n"say ""good""","say ""good"""\n',
    )
  })
})

describe('DVC_PLOT_DEFINITIONS', () => {
  it('declares the three plot files with fields that the written data has', async () => {
    expect(DVC_PLOT_DEFINITIONS.map(d => Object.keys(d)[0])).toEqual([
      'reports/plots/roc.json',
      'reports/plots/prc.json',
      'reports/plots/confusion.csv',
    ])
    const definitions = Object.fromEntries(dvcPlotDefinitions(targets.plotsDir).flatMap(d => Object.entries(d)))
    await writeEvaluationReports(binaryInput(40), targets)
    const roc = definitions[path.join(targets.plotsDir, 'roc.json')]
    expect(Object.keys((await readJson(path.join(targets.plotsDir, 'roc.json'))).roc[0])).toEqual(expect.arrayContaining([roc.x, roc.y]))
    const prc = definitions[path.join(targets.plotsDir, 'prc.json')]
    expect(Object.keys((await readJson(path.join(targets.plotsDir, 'prc.json'))).prc[0])).toEqual(expect.arrayContaining([prc.x, prc.y]))
    const confusion = definitions[path.join(targets.plotsDir, 'confusion.csv')]
    expect(confusion.template).toBe('confusion')
    const header = (await readFile(path.join(targets.plotsDir, 'confusion.csv'), 'utf8')).split('\n')[0].split(',')
    expect(header).toEqual(expect.arrayContaining([confusion.x, confusion.y]))
  })
})

describe('renderSvg', () => {
  it('renders a Vega-Lite spec to SVG without a browser', async () => {
    const svg = await renderSvg({
      title: 'Tiny chart',
      data: {values: [{a: 'x', b: 1}, {a: 'y', b: 2}]},
      mark: 'bar',
      encoding: {x: {field: 'a', type: 'nominal'}, y: {field: 'b', type: 'quantitative'}},
    })
    expect(svg).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/)
    expect(svgTexts(svg)).toContain('Tiny chart')
  })

  it('refuses specs that load data from a URL or file', async () => {
    const outside = path.join(dir, 'data.json')
    await mkdir(dir, {recursive: true})
    await writeFile(outside, '[{"a": 1}]')
    await expect(renderSvg({data: {url: outside}, mark: 'point', encoding: {x: {field: 'a', type: 'quantitative'}}})).rejects.toThrow(
      /charts must carry their data inline/,
    )
  })
})
