/**
 * The data module: reading sources (local files and globs, http(s), s3://, builtin:uci) in CSV/TSV/JSON/
 * JSONL, label mapping, cleaning, the stratified split, and reading the splits back.
 */
export type {DataReport, FormatOption, IngestResult, LabeledRow, TableFormat, TextEncoding} from './types.js'
export {ingest, loadLabeledData, type IngestOptions} from './ingest.js'
export {readSplit} from './split-file.js'
export {readTextsForPrediction, type PredictionInputOptions, type PredictionText} from './predict-input.js'
export {formatDataReport} from './report.js'
export {BUILTIN_DATASETS} from './sources/builtin.js'
export {mulberry32, stratifiedSplit, testRowsFor} from './split.js'
