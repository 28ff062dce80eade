/** Shapes shared by the data module and its callers. */

export type TableFormat = 'csv' | 'tsv' | 'json' | 'jsonl'
export type FormatOption = 'auto' | TableFormat
export type TextEncoding = 'utf-8' | 'windows-1252' | 'latin1'

/** One example: its text and its class index 0..k-1. */
export interface LabeledRow {
  text: string
  label: number
}

export interface DataReport {
  /** ingest.source as given. */
  source: string
  /**
   * ingest.test_source (null when the test split is drawn from source by test_size): records read from it
   * (also counted in rowsRead) and the texts of source that were also in it, dropped from train.
   */
  testSource: {source: string; rowsRead: number; overlap: number} | null
  /** Records read from all sources (test_source included), before any row was dropped. */
  rowsRead: number
  /** Rows written to train + test. */
  rowsKept: number
  /** ingest.class_names: the name of class index i is classes[i]. */
  classes: string[]
  perClass: {train: number[]; test: number[]}
  /** Summed over source and test_source; duplicates are counted within each (overlap is testSource.overlap). */
  dropped: {empty: number; duplicate: number; unmappedLabel: Record<string, number>}
  /** Length of the kept texts in characters (Unicode code points); quantiles by nearest rank. */
  textLength: {min: number; p5: number; p50: number; p95: number; max: number}
  train: number
  test: number
}

export interface IngestResult {
  report: DataReport
  /** Absolute paths of the written splits. */
  files: {train: string; test: string}
}

/** A record of a table with the values of the requested columns, in the order they were requested. */
export interface TableRow {
  /** 1-based physical line where the record starts. */
  line: number
  values: unknown[]
}
