import {describe, expect, it} from 'vitest'
import {loadParams} from '../../src/core/config/index.js'
import {createPreprocessor} from '../../src/core/text/index.js'

const shipped = (await loadParams({cwd: '/nonexistent-dir', env: {}})).params.preprocess
// The switches one at a time on the unmarked pipeline; negation marking (on by default) has its own tests below.
const defaults = {...shipped, mark_negation: false}

describe('the shared preprocessor', () => {
  const clean = createPreprocessor({...defaults, remove_stopwords: true})

  it('lowercases, strips URLs, numbers and punctuation, lemmatizes', () => {
    expect(clean('Loved the 2 MOVIES!!! See https://example.com/x?y=1 and www.foo.org')).toBe('love movie see')
  })

  it('keeps negations, including expanded contractions, and the deliberate keep-words', () => {
    expect(clean("I don't love it")).toBe('not love')
    expect(clean("It isn't good, but it's never boring")).toBe('not good but never bore')
    expect(clean("can't won't")).toBe('not will not')
    expect(clean('does n\'t work')).toBe('not work')
    expect(clean('very good, too long')).toBe('very good too long')
  })

  it('treats typographic apostrophes like ASCII ones', () => {
    expect(clean('It didn’t work')).toBe(clean("It didn't work"))
  })

  it('honours every switch', () => {
    const raw = createPreprocessor({...defaults, lowercase: false, remove_urls: false, remove_numbers: false, remove_punctuation: false, remove_stopwords: false, keep_negations: false, normalize: 'none'})
    expect(raw('The 2 Movies!')).toBe('The 2 Movies!')
    const stem = createPreprocessor({...defaults, remove_stopwords: true, normalize: 'stem'})
    expect(stem('boring movies running')).toBe('bore movi run')
    const noNeg = createPreprocessor({...defaults, remove_stopwords: true, keep_negations: false})
    expect(noNeg('never good')).toBe('good')
    expect(clean('never good')).toBe('never good')
  })

  it('returns an empty string for text that is all noise', () => {
    expect(clean('!!! 123 ... the a an')).toBe('')
    expect(clean('')).toBe('')
  })
})

describe('mark_negation: NEG_ scopes from a negation to the next clause punctuation', () => {
  const neg = createPreprocessor({...defaults, mark_negation: true})
  const negStop = createPreprocessor({...defaults, mark_negation: true, remove_stopwords: true})

  it('marks the words after a negation (n\'t forms included) up to the next [.:;!?,], the cue itself unmarked', () => {
    expect(neg("I don't like this movie, but the acting is good.")).toBe('i do not NEG_like NEG_this NEG_movie but the act be good')
    for (const p of ['.', ':', ';', '!', '?', ',']) expect(neg(`not good${p} fun`), p).toBe('not NEG_good fun')
    expect(neg('never boring and never dull')).toBe('never NEG_bore NEG_and NEG_never NEG_dull') // a cue inside a scope is marked (NLTK)
    expect(neg('no: fun! not, ok')).toBe('no fun not ok')
  })

  it('does not end a scope at a decimal point or a thousands separator', () => {
    expect(neg('not 3.5 stars; great')).toBe('not NEG_star great')
    expect(createPreprocessor({...defaults, mark_negation: true, remove_numbers: false})('not 1,000 laughs, sadly')).toBe('not NEG_1 NEG_000 NEG_laugh sadly')
  })

  it('lemmatizes the host word, then prefixes it; a stopword host is dropped, marked or not', () => {
    expect(neg('not the best movies')).toBe('not NEG_the NEG_good NEG_movie')
    expect(negStop('not the best movies')).toBe('not NEG_good NEG_movie')
    expect(createPreprocessor({...defaults, mark_negation: true, normalize: 'stem'})('not running')).toBe('not NEG_run')
  })

  it('finds the cues without keep_negations (dont, "does nt") and without lowercasing; keeps punctuation when asked', () => {
    expect(createPreprocessor({...defaults, mark_negation: true, keep_negations: false})("didn't like it ; does n't work")).toBe('didnt NEG_like NEG_it do nt NEG_work')
    expect(createPreprocessor({...defaults, mark_negation: true, lowercase: false, remove_punctuation: false, normalize: 'none'})('NOT good, bad . not ok')).toBe('NOT NEG_good, bad . not NEG_ok')
  })

  it('cannot be forged by the input: NEG_ written in a text is punctuation-stripped, control characters are spaces', () => {
    expect(neg('NEG_good is not NEG_bad')).toBe('neg good be not NEG_neg NEG_bad')
    expect(neg('not\u0001good')).toBe('not NEG_good')
    expect(neg('not café très bien. bon')).toBe('not NEG_café NEG_très NEG_bien bon')
  })

  it('marks the same scopes on the ASCII fast path and the Unicode path (fixture reviews)', async () => {
    const {createRequire} = await import('node:module')
    const require = createRequire(import.meta.url)
    const reviews = (require('sentiment/test/fixtures/imdb.json') as Array<{text?: string}>).map(r => r.text ?? '').filter(t => !/[^\x00-\x7f]/.test(t))
    let marked = 0
    for (const text of reviews) {
      const ascii = neg(text)
      // "é" takes the Unicode path; after a clause end it is outside every scope.
      expect(neg(`${text} . é`), text).toBe(ascii === '' ? 'é' : `${ascii} é`)
      if (ascii.includes('NEG_')) marked++
    }
    expect(marked).toBeGreaterThan(50)
  })

  it('leaves texts unmarked when off', () => {
    expect(createPreprocessor(defaults)("I don't like it, sadly")).toBe('i do not like it sadly')
  })
})

describe('the default preprocessing (params.yaml defaults)', () => {
  it('keeps stopwords (measured: removing them costs accuracy), lemmatizes and marks the scope of a negation', () => {
    expect(shipped.mark_negation).toBe(true)
    expect(createPreprocessor(shipped)("The actors weren't as good as I expected. Fine.")).toBe('the actor be not NEG_as NEG_good NEG_as NEG_i NEG_expect fine')
  })
})

describe('the one-pass ASCII tokenizer', async () => {
  const {ASCII, asciiTokens, regexTokens} = await import('../../src/core/text/preprocess.js')
  const {createRequire} = await import('node:module')
  const require = createRequire(import.meta.url)
  const fixtures = ['amazon', 'imdb', 'yelp'].flatMap(name => (require(`sentiment/test/fixtures/${name}.json`) as Array<{text?: string}>).map(r => r.text ?? ''))
  const random = (() => {
    let seed = 7
    const next = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32)
    const alphabet = "ab sS'`'s_9 0,.!-/:@[]{}~\t\n\"x's"
    return Array.from({length: 5000}, () => Array.from({length: 1 + Math.floor(next() * 24)}, () => alphabet[Math.floor(next() * alphabet.length)]).join(''))
  })()
  const texts = [...fixtures.filter(t => !/[^\x00-\x7f]/.test(t)).map(t => t.toLowerCase()), ...random, "it's", "it's_x", "''s", "'s'", '`s', "the film's end", "rock'n'roll 4ever", '']

  for (const [punct, numbers] of [[true, true], [true, false], [false, true], [false, false]] as const) {
    it(`gives exactly the regular expressions' tokens (remove_punctuation=${punct}, remove_numbers=${numbers})`, () => {
      for (const t of texts) expect(asciiTokens(t, punct, numbers), JSON.stringify(t)).toEqual(regexTokens(t, ASCII, true, punct, numbers))
    })
  }
})

describe('preprocessAll: the shared preprocessor over many texts, with worker threads', async () => {
  const {preprocessAll} = await import('../../src/core/text/preprocess-pool.js')
  const {builtinRows} = await import('../../src/core/data/sources/builtin.js')
  const clean = createPreprocessor(defaults)

  it('gives, in order, what the preprocessor gives text by text, with and without threads (built-in data)', async () => {
    const texts: string[] = []
    for await (const rows of builtinRows('uci')) for (const row of rows) texts.push(String(row.values[0]))
    const expected = texts.map(text => clean(text))
    // Small batches, so that the worker gets many of them and the threads interleave.
    expect(await preprocessAll(texts, defaults, {threads: 1, batchSize: 97})).toEqual(expected)
    expect(await preprocessAll(texts, defaults, {threads: 0})).toEqual(expected)
  })

  it('keeps order and content over 40,000 generated texts on two worker threads (hand-checked rows)', async () => {
    const samples = ['Loved the 2 MOVIES!!!', "I don't love it", 'Ça va, café crème', 'WON\'T stop', '']
    const texts = Array.from({length: 40_000}, (_, i) => `${samples[i % samples.length]} row${'x'.repeat(i % 7)}`)
    const progress: number[] = []
    const cleaned = await preprocessAll(texts, defaults, {threads: 2, batchSize: 1000, onProgress: done => progress.push(done)})
    expect(cleaned).toHaveLength(40_000)
    expect(cleaned[0]).toBe('love the movie row')
    expect(cleaned[1]).toBe('i do not love it rowx')
    expect(cleaned[39_999]).toBe('rowx') // 39,999 % 5 = 4: the empty sample; 39,999 % 7 = 1
    expect(cleaned[39_998]).toBe('will not stop row') // % 5 = 3, % 7 = 0
    expect(cleaned[12_345]).toBe(clean(texts[12_345]))
    expect(progress.at(-1)).toBe(40_000)
  })
})
