/** Plain-text rendering shared by the registry commands: aligned columns, no colours, stable for diffs and CI logs. */
import {GATE_TAG} from './register.js'
import type {ModelVersion} from './store.js'

/** Left-aligned columns separated by two spaces; the header is upper-cased. Empty cells show as '-'. */
export function renderTable(headers: string[], rows: Array<Array<string | number | undefined>>): string {
  const cells = [headers.map(h => h.toUpperCase()), ...rows.map(r => headers.map((_, i) => cellText(r[i])))]
  const widths = headers.map((_, i) => Math.max(...cells.map(r => r[i].length)))
  return cells.map(r => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd()).join('\n')
}

function cellText(value: string | number | undefined): string {
  if (value === undefined || value === '') return '-'
  return String(value)
}

/** `2025-01-01 12:00:00 UTC` from milliseconds since the epoch ('-' when unknown). */
export function formatTimestamp(ms: number | undefined): string {
  if (!ms) return '-'
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC')
}

/** VERSION, STAGE, ALIASES, GATE (the promotion verdict tag), RUN, CREATED. */
export function renderVersionTable(versions: ModelVersion[]): string {
  return renderTable(['version', 'stage', 'aliases', 'gate', 'run', 'created'], versions.map(v => [
    v.version,
    v.currentStage,
    v.aliases.join(' '),
    v.tags[GATE_TAG],
    v.runId,
    formatTimestamp(v.creationTimestamp),
  ]))
}
