export {createPreprocessor, createTokenStages, keepForTraining, type Preprocessor, type TokenStages} from './preprocess.js'
export {NEGATIONS, DEFAULT_KEEP_WORDS} from './stopwords.js'
