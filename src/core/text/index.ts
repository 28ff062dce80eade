export {createPreprocessor, keepForTraining, type Preprocessor} from './preprocess.js'
export {NEGATIONS, DEFAULT_KEEP_WORDS} from './stopwords.js'
