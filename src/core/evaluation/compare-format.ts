/** Text and Markdown renderings of a ModelComparison (terminal output, a CI comment, the gate's figures). */
import type {ModelComparison} from './compare.js'
import {COMPARED_METRICS, lowerIsBetter} from './score.js'

export const num = (v: number) => (Number.isFinite(v) ? v.toFixed(4) : 'n/a')
export const signed = (v: number) => (Number.isFinite(v) ? `${v >= 0 ? '+' : ''}${v.toFixed(4)}` : 'n/a')
const interval = (ci: [number, number] | null) => (ci ? `[${signed(ci[0])}, ${signed(ci[1])}]` : 'n/a')
export const pValue = (p: number) => (p < 1e-4 ? p.toExponential(2) : String(Number(p.toPrecision(3))))

function rows(c: ModelComparison): string[][] {
  return COMPARED_METRICS.map(m => {
    const d = c.deltas[m]
    return [lowerIsBetter(m) ? `${m} (lower is better)` : m, num(d.a), num(d.b), signed(d.delta), interval(d.ci)]
  })
}

function header(c: ModelComparison): string[] {
  return ['metric', 'A', 'B', 'delta (B − A)', `${Math.round(c.confidence * 1000) / 10}% CI`]
}

export function mcnemarLine(c: ModelComparison): string {
  const {b, c: cc, p, p_one_sided: one} = c.mcnemar
  return `McNemar's exact test: ${b} texts only A got right, ${cc} only B got right, p = ${pValue(p)} (two-sided; one-sided "B more accurate" p = ${pValue(one)})`
}

/** Intervals left out, one line each: which metric and why. */
function unavailableLines(c: ModelComparison): string[] {
  return COMPARED_METRICS.flatMap(m => (c.deltas[m].ci_unavailable ? [`${m}: no interval: ${c.deltas[m].ci_unavailable}`] : []))
}

/** Aligned columns for a terminal. */
export function comparisonTable(c: ModelComparison): string[] {
  const all = [header(c), ...rows(c)]
  const widths = all[0].map((_, col) => Math.max(...all.map(r => r[col].length)))
  const lines = all.map(r => r.map((cell, col) => (col === 0 ? cell.padEnd(widths[col]) : cell.padStart(widths[col]))).join('  ').trimEnd())
  return [...lines, ...unavailableLines(c), mcnemarLine(c), `paired bootstrap: ${c.resamples} resamples of the ${c.n} texts, seed ${c.seed}`]
}

/** A GitHub-flavoured Markdown table and the test, for a pull-request comment; `data` names the texts scored. */
export function comparisonMarkdown(c: ModelComparison, labels: {a: string; b: string}, data?: {source: string; md5: string}): string {
  const escape = (s: string) => s.replaceAll('|', '\\|')
  const on = data ? ` on \`${escape(data.source)}\` (md5 \`${data.md5}\`, ${c.n} texts)` : `, ${c.n} texts`
  const lines = [
    `**A** = \`${escape(labels.a)}\`, **B** = \`${escape(labels.b)}\`${on}`,
    '',
    `| ${header(c).join(' | ')} |`,
    '|:---|---:|---:|---:|:---:|',
    ...rows(c).map(r => `| ${r.join(' | ')} |`),
    ...unavailableLines(c).map(l => `\n${l}`),
    '',
    `${mcnemarLine(c)}. Intervals: paired bootstrap, ${c.resamples} resamples, seed ${c.seed}.`,
  ]
  return lines.join('\n') + '\n'
}
