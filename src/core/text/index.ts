export {createPreprocessor, createTokenStages, createTokenizer, keepForTraining, type Preprocessor, type TokenStages, type Tokenizer} from './preprocess.js'
export {NEGATIONS, DEFAULT_KEEP_WORDS} from './stopwords.js'
