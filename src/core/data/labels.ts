import {ConfigError} from '../errors.js'

/** Turns raw label values into class indexes. */
export interface LabelMapper {
  /** The class index of a raw label, or undefined when the value is not accepted. */
  classOf(raw: unknown): number | undefined
  /** True with an ingest.label_map: unaccepted values are dropped and counted, not an error. */
  readonly usesMap: boolean
}

/** The form a label value is counted and reported under: its text, trimmed ("" when missing). */
export function labelKey(raw: unknown): string {
  if (raw === null || raw === undefined) return ''
  if (typeof raw === 'string') return raw.trim()
  return (typeof raw === 'object' ? JSON.stringify(raw) : String(raw)).trim()
}

const INDEX = /^\d+$/

/**
 * Without a label map, labels must be class indexes 0..k-1 (k = number of class names), as numbers or as
 * digit strings ("0", " 1 "). With a map, a label is looked up case-insensitively after trimming, so
 * {positive: 1} accepts "Positive" and " POSITIVE"; numbers are looked up by their text (4 → "4").
 */
export function createLabelMapper(labelMap: Record<string, number>, classNames: readonly string[]): LabelMapper {
  const k = classNames.length
  const entries = Object.entries(labelMap ?? {})
  if (entries.length === 0) {
    return {
      usesMap: false,
      classOf(raw) {
        if (typeof raw === 'number') return Number.isInteger(raw) && raw >= 0 && raw < k ? raw : undefined
        if (typeof raw !== 'string') return undefined
        if (raw === '0') return 0
        if (raw === '1') return 1 < k ? 1 : undefined
        const text = raw.trim()
        if (!INDEX.test(text)) return undefined
        const index = Number(text)
        return index < k ? index : undefined
      },
    }
  }
  const map = new Map<string, number>()
  const original = new Map<string, string>()
  for (const [key, value] of entries) {
    if (!Number.isInteger(value) || value < 0 || value >= k) {
      throw new ConfigError(
        `ingest.label_map.${key}: ${JSON.stringify(value)} is not a class index; ingest.class_names has ${k} classes, so use 0..${k - 1}`,
      )
    }
    const normalized = key.trim().toLowerCase()
    const previous = map.get(normalized)
    if (previous !== undefined && previous !== value) {
      throw new ConfigError(
        `ingest.label_map: "${original.get(normalized)}" and "${key}" are the same label (case and spaces are ignored) but map to ${previous} and ${value}`,
      )
    }
    map.set(normalized, value)
    original.set(normalized, key)
  }
  return {
    usesMap: true,
    classOf: raw => map.get(labelKey(raw).toLowerCase()),
  }
}
