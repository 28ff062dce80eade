import {HttpError} from './http-errors.js'
import type {Limits} from './schemas.js'

/**
 * The request shapes of MLflow's scoring server (`POST /invocations`), reduced to the texts to classify:
 *   {"dataframe_split": {"columns": ["text"], "data": [["..."], ...]}}
 *   {"dataframe_records": [{"text": "..."}, ...]}
 *   {"instances": ["...", ...]} or {"instances": [{"text": "..."}, ...]}
 *   {"inputs": ["...", ...]} or {"inputs": {"text": ["...", ...]}} or {"inputs": [{"text": "..."}, ...]}
 * plus CSV (a header row, then one text per row). As in MLflow, exactly one of the four keys must be present
 * and `params` is accepted (there are no inference params here, so it is ignored).
 */
export const INVOCATION_FORMATS = ['dataframe_split', 'dataframe_records', 'instances', 'inputs'] as const
type InvocationFormat = (typeof INVOCATION_FORMATS)[number]

/** The column that holds the text when a frame has several. */
export const TEXT_COLUMN = 'text'

const REQUIRED = `the input must be a JSON object with exactly one of the fields ${INVOCATION_FORMATS.join(', ')}`

export function textsFromInvocation(body: unknown, limits: Limits): string[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, `${REQUIRED}; received ${Array.isArray(body) ? 'a list' : describe(body)}`)
  }
  const record = body as Record<string, unknown>
  const present = INVOCATION_FORMATS.filter(key => key in record)
  if (present.length !== 1) {
    throw new HttpError(400, `${REQUIRED}; received the fields ${JSON.stringify(Object.keys(record).slice(0, 10))}`)
  }
  const format = present[0] as InvocationFormat
  const texts = extract(format, record[format])
  if (texts.length === 0) throw new HttpError(400, `${format} holds no rows`)
  if (texts.length > limits.maxBatch) {
    throw new HttpError(400, `${format} has ${texts.length} rows, more than the limit of ${limits.maxBatch}`)
  }
  for (let i = 0; i < texts.length; i++) {
    if (texts[i]!.length > limits.maxTextLength) {
      throw new HttpError(400, `${format}: text ${i} is longer than the limit of ${limits.maxTextLength} characters`)
    }
  }
  return texts
}

function extract(format: InvocationFormat, value: unknown): string[] {
  switch (format) {
    case 'dataframe_split':
      return fromSplit(value)
    case 'dataframe_records':
      return fromRecords(value, format)
    case 'instances':
    case 'inputs':
      if (Array.isArray(value)) {
        return value.length > 0 && isPlainObject(value[0]) ? fromRecords(value, format) : value.map((v, i) => asText(v, `${format}[${i}]`))
      }
      if (format === 'inputs' && isPlainObject(value)) return fromColumns(value, format)
      throw new HttpError(400, `${format} must be a list${format === 'inputs' ? ' or an object of named columns' : ''}, got ${describe(value)}`)
  }
}

function fromSplit(value: unknown): string[] {
  if (!isPlainObject(value)) throw new HttpError(400, `dataframe_split must be an object with "columns" and "data", got ${describe(value)}`)
  const {columns, data} = value
  if (!Array.isArray(data)) throw new HttpError(400, `dataframe_split.data must be a list of rows, got ${describe(data)}`)
  let index = 0
  if (columns !== undefined) {
    if (!Array.isArray(columns) || columns.some(c => typeof c !== 'string')) {
      throw new HttpError(400, 'dataframe_split.columns must be a list of column names')
    }
    index = pickColumn(columns as string[], 'dataframe_split.columns')
  }
  return data.map((row, i) => {
    if (Array.isArray(row)) {
      if (columns === undefined && row.length !== 1) {
        throw new HttpError(400, `dataframe_split.data[${i}] has ${row.length} values; name the columns (one of them "${TEXT_COLUMN}")`)
      }
      return asText(row[index], `dataframe_split.data[${i}][${index}]`)
    }
    // A one-column frame may be sent as a flat list of values.
    if (columns === undefined || (columns as unknown[]).length === 1) return asText(row, `dataframe_split.data[${i}]`)
    throw new HttpError(400, `dataframe_split.data[${i}] must be a list of values, got ${describe(row)}`)
  })
}

function fromRecords(value: unknown, where: string): string[] {
  if (!Array.isArray(value)) throw new HttpError(400, `${where} must be a list of records, got ${describe(value)}`)
  return value.map((row, i) => {
    if (!isPlainObject(row)) throw new HttpError(400, `${where}[${i}] must be a record (an object), got ${describe(row)}`)
    const keys = Object.keys(row)
    const key = keys.includes(TEXT_COLUMN) ? TEXT_COLUMN : keys.length === 1 ? keys[0]! : undefined
    if (key === undefined) {
      throw new HttpError(400, `${where}[${i}] has no "${TEXT_COLUMN}" field${keys.length > 1 ? ` among ${JSON.stringify(keys.slice(0, 10))}` : ''}`)
    }
    return asText(row[key], `${where}[${i}].${key}`)
  })
}

function fromColumns(value: Record<string, unknown>, where: string): string[] {
  const names = Object.keys(value)
  const name = names[pickColumn(names, where)]!
  const column = value[name]
  if (typeof column === 'string') return [column]
  if (!Array.isArray(column)) throw new HttpError(400, `${where}.${name} must be a list of texts, got ${describe(column)}`)
  return column.map((v, i) => asText(v, `${where}.${name}[${i}]`))
}

/** Index of the text column: the one named "text", else the only one. */
function pickColumn(columns: string[], where: string): number {
  const named = columns.indexOf(TEXT_COLUMN)
  if (named >= 0) return named
  if (columns.length === 1) return 0
  throw new HttpError(400, `${where} has no "${TEXT_COLUMN}" column among ${JSON.stringify(columns.slice(0, 10))}`)
}

function asText(value: unknown, where: string): string {
  if (typeof value !== 'string') throw new HttpError(400, `${where} must be a string, got ${describe(value)}`)
  return value
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  if (value === undefined) return 'nothing'
  return typeof value === 'object' ? 'an object' : typeof value
}

/** Turns CSV text (header row first) into the `dataframe_split` shape. */
export async function csvToSplit(csv: string): Promise<{dataframe_split: {columns: string[]; data: string[][]}}> {
  const {parse} = await import('csv-parse/sync')
  let rows: string[][]
  try {
    rows = parse(csv, {relax_column_count: false, skip_empty_lines: true, bom: true}) as string[][]
  } catch (error) {
    throw new HttpError(400, `request body is not valid CSV: ${(error as Error).message.split('\n')[0]}`)
  }
  const [columns, ...data] = rows
  if (columns === undefined) throw new HttpError(400, 'CSV body is empty; send a header row (e.g. "text") and one row per text')
  return {dataframe_split: {columns, data}}
}
