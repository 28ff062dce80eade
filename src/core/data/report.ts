import type {DataReport} from './types.js'

/** Length in Unicode code points (a surrogate pair counts once). */
export function codePointLength(text: string): number {
  // Most texts have no surrogate pair: one regex scan (native) instead of a JS loop over every character.
  if (!/[\uD800-\uDBFF]/.test(text)) return text.length
  let length = text.length
  for (let i = 0; i < text.length - 1; i++) {
    const c = text.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1)
      if (next >= 0xdc00 && next <= 0xdfff) {
        length--
        i++
      }
    }
  }
  return length
}

/** min, p5, p50, p95, max of the text lengths; a quantile p is the nearest-rank value sorted[ceil(p·n) − 1]. */
export function textLengthStats(texts: readonly string[]): DataReport['textLength'] {
  if (texts.length === 0) return {min: 0, p5: 0, p50: 0, p95: 0, max: 0}
  const lengths = new Uint32Array(texts.length)
  for (let i = 0; i < texts.length; i++) lengths[i] = codePointLength(texts[i])
  lengths.sort()
  const rank = (p: number) => lengths[Math.max(0, Math.ceil(p * lengths.length) - 1)]
  return {min: lengths[0], p5: rank(0.05), p50: rank(0.5), p95: rank(0.95), max: lengths[lengths.length - 1]}
}

/** The data report as a few aligned lines for a person (the command prints it). */
export function formatDataReport(report: DataReport): string {
  const n = (x: number) => x.toLocaleString('en-US')
  const unmapped = Object.entries(report.dropped.unmappedLabel)
    .sort((a, b) => b[1] - a[1])
    .map(([value, count]) => `${value === '' ? '(empty)' : JSON.stringify(value)} ${n(count)}`)
  const dropped = [`${n(report.dropped.empty)} empty`, `${n(report.dropped.duplicate)} duplicate`]
  if (unmapped.length > 0) dropped.push(`unmapped labels: ${unmapped.join(', ')}`)
  const fixed = report.testSource
  if (fixed) dropped.push(`${n(fixed.overlap)} train ${fixed.overlap === 1 ? 'text' : 'texts'} also in the test set`)
  const read = fixed ? `${n(report.rowsRead)} read (${n(report.rowsRead - fixed.rowsRead)} source, ${n(fixed.rowsRead)} test source)` : `${n(report.rowsRead)} read`
  const classes = report.classes.map((name, c) => `${name} ${n(report.perClass.train[c])} / ${n(report.perClass.test[c])}`)
  const t = report.textLength
  return [
    `source       ${report.source}`,
    ...(fixed ? [`test source  ${fixed.source} (the test split as given; test_size does not apply)`] : []),
    `rows         ${read}, ${n(report.rowsKept)} kept: ${n(report.train)} train, ${n(report.test)} test`,
    `dropped      ${dropped.join(', ')}`,
    `classes      ${classes.join(' · ')} (train / test)`,
    `text length  min ${t.min} · p5 ${t.p5} · median ${t.p50} · p95 ${t.p95} · max ${t.max} characters`,
  ].join('\n')
}
