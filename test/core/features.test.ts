import {execFileSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {existsSync, readFileSync} from 'node:fs'
import {mkdtemp, readdir, readFile, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {loadParams} from '../../src/core/config/index.js'
import {csrFromRows, selectRows, toCsc, toDense} from '../../src/core/features/sparse.js'
import {readCsrFile, writeCsrFile} from '../../src/core/features/store.js'
import {countNgrams, ngrams, sortRowsByColumn, Vectorizer} from '../../src/core/features/vectorizer.js'
import type {FeaturizeParams} from '../../src/core/config/params.js'

// Word n-grams unless a test says otherwise (the character analyzers have their own tests below).
const base = {...(await loadParams({cwd: '/nonexistent-dir', env: {}})).params.featurize, analyzer: 'word' as const}

describe('vectorizer', () => {
  it('builds word n-grams like scikit-learn', () => {
    expect(ngrams('a b c', 1, 2)).toEqual(['a', 'b', 'c', 'a b', 'b c'])
    expect(ngrams('a b c', 2, 3)).toEqual(['a b', 'b c', 'a b c'])
    expect(ngrams('', 1, 2)).toEqual([])
  })

  it('computes TF-IDF with smooth idf and L2 rows (scikit-learn values)', () => {
    const {vectorizer, X} = Vectorizer.fitTransform(['a b', 'a c', 'a'], {...base, method: 'tfidf', ngram_min: 1, ngram_max: 1, sublinear_tf: false})
    expect(vectorizer.state.vocabulary).toEqual(['a', 'b', 'c'])
    expect(vectorizer.state.idf![0]).toBeCloseTo(1, 12)
    expect(vectorizer.state.idf![1]).toBeCloseTo(Math.log(4 / 2) + 1, 12)
    const dense = toDense(X)
    expect(dense[0][0]).toBeCloseTo(0.50854, 4)
    expect(dense[0][1]).toBeCloseTo(0.86104, 4)
    expect(dense[2]).toEqual([1, 0, 0])
  })

  it('counts bag-of-words, binary counts and sublinear tf', () => {
    const bow = Vectorizer.fitTransform(['x x y'], {...base, method: 'bow', ngram_min: 1, ngram_max: 1})
    expect(toDense(bow.X)).toEqual([[2, 1]])
    const binary = Vectorizer.fitTransform(['x x y'], {...base, method: 'bow', binary: true, ngram_min: 1, ngram_max: 1})
    expect(toDense(binary.X)).toEqual([[1, 1]])
    const sub = Vectorizer.fitTransform(['x x y', 'y'], {...base, method: 'tfidf', sublinear_tf: true, ngram_min: 1, ngram_max: 1})
    const idfX = Math.log(3 / 2) + 1
    const raw = [(1 + Math.log(2)) * idfX, 1]
    const norm = Math.hypot(...raw)
    expect(toDense(sub.X)[0][0]).toBeCloseTo(raw[0] / norm, 12)
  })

  it('limits the vocabulary by document frequency and by total frequency', () => {
    const docs = ['a b', 'a c', 'a d', 'a b']
    const minDf = Vectorizer.fitTransform(docs, {...base, ngram_min: 1, ngram_max: 1, min_df: 2})
    expect(minDf.vectorizer.state.vocabulary).toEqual(['a', 'b'])
    const maxDf = Vectorizer.fitTransform(docs, {...base, ngram_min: 1, ngram_max: 1, max_df: 0.5})
    expect(maxDf.vectorizer.state.vocabulary).toEqual(['b', 'c', 'd'])
    const top = Vectorizer.fitTransform(docs, {...base, ngram_min: 1, ngram_max: 1, max_features: 2})
    expect(top.vectorizer.state.vocabulary).toEqual(['a', 'b'])
  })

  it('transforms unseen text with the fitted vocabulary and ignores unknown terms', () => {
    const {vectorizer} = Vectorizer.fitTransform(['good film', 'bad film'], {...base, method: 'bow', ngram_min: 1, ngram_max: 2})
    const X = vectorizer.transform(['good film indeed', 'nothing known'])
    expect(toDense(X)[0]).toEqual(vectorizer.state.vocabulary.map(t => (['good', 'film', 'good film'].includes(t) ? 1 : 0)))
    expect(X.indptr[2] - X.indptr[1]).toBe(0)
  })

  it('gives the same rows from texts, from token ids and into scratch buffers', () => {
    const docs = ['good film', 'a good good film indeed', '', 'bad', 'film good bad film', 'nothing known here']
    const {vectorizer} = Vectorizer.fitTransform(docs.slice(0, 5), {...base, method: 'tfidf', ngram_min: 1, ngram_max: 2})
    const expected = toDense(vectorizer.transform(docs))
    // Scratch-backed matrices may have longer arrays than entries: toDense reads only up to indptr.
    expect(toDense(vectorizer.transformTransient(docs))).toEqual(expected)
    const ids = (words: string[]) => vectorizer.transformIdsTransient(1, (_row, out) => words.forEach(w => out.push(vectorizer.tokenId(w))))
    expect(docs.map(d => toDense(ids(d === '' ? [] : d.split(' ')))[0])).toEqual(expected)
    expect(vectorizer.tokenId('nothing')).toBe(-1)
  })

  it('keeps the max_features most frequent terms, ties and columns in code-unit text order (brute-force oracle)', () => {
    // Tokens that are prefixes of others ("a", "ab"), sort around the space ("a!" < "a b" < "ab"), and repeat
    // at equal counts, so the cut at max_features falls inside a tie.
    const words = ['a', 'ab', 'a!', 'b', 'ba', '#x', 'z', 'é', 'zz', 'a~']
    let state = 7
    const pick = (): string => words[(state = (state * 48271) % 2147483647) % words.length]
    const docs = Array.from({length: 60}, () => Array.from({length: 1 + (state % 5)}, pick).join(' '))
    const oracle = (texts: string[], nmax: number, limit: number): string[] => {
      const tf = new Map<string, number>()
      for (const doc of texts) for (const g of ngrams(doc, 1, nmax)) tf.set(g, (tf.get(g) ?? 0) + 1)
      const ranked = [...tf].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1)).slice(0, limit)
      return ranked.map(([g]) => g).sort()
    }
    for (const nmax of [2, 3]) {
      for (const limit of [5, 17, 40]) {
        const {vectorizer} = Vectorizer.fitTransform(docs, {...base, ngram_min: 1, ngram_max: nmax, max_features: limit, min_df: 1, max_df: 1})
        expect(vectorizer.state.vocabulary).toEqual(oracle(docs, nmax, limit))
      }
    }
    // A token with a character below the space sorts differently from its token pair: the text path decides.
    const control = ['a\u0001 b', 'a b', 'a\u0001', 'a b', 'a\u0001 b', 'a']
    const {vectorizer} = Vectorizer.fitTransform(control, {...base, ngram_min: 1, ngram_max: 2, max_features: 4, min_df: 1, max_df: 1})
    expect(vectorizer.state.vocabulary).toEqual(oracle(control, 2, 4))
  })

  it('counts every n-gram of split(" "): empty tokens, long tokens, thousands of distinct tokens (string oracle)', () => {
    // 6,000 distinct words (the token table grows several times), some long enough that V8 would slice them,
    // double spaces and spaces at the ends (empty tokens, as split(' ') gives them).
    let state = 99
    const next = () => (state = (state * 48271) % 2147483647)
    const word = () => (next() % 10 === 0 ? `supercalifragilistic${next() % 50}` : next() % 25 === 0 ? '' : `w${next() % 6000}`)
    const docs = Array.from({length: 4000}, () => Array.from({length: next() % 30}, word).join(' '))
    docs.push('', ' ', 'a  b ', ' a')
    const {vectorizer, X} = Vectorizer.fitTransform(docs, {...base, method: 'bow', ngram_min: 1, ngram_max: 2, max_features: 0, min_df: 1, max_df: 1})
    const terms = vectorizer.state.vocabulary
    const rowCounts = (m: typeof X, d: number) => {
      const counts = new Map<string, number>()
      for (let p = m.indptr[d]; p < m.indptr[d + 1]; p++) counts.set(terms[m.indices[p]], m.data[p])
      return counts
    }
    const oracle = (doc: string) => {
      const counts = new Map<string, number>()
      for (const g of ngrams(doc, 1, 2)) counts.set(g, (counts.get(g) ?? 0) + 1)
      return counts
    }
    expect(new Set(terms).size).toBe(terms.length)
    expect(X.indices.length).toBe(X.indptr[X.rows])
    for (let d = 0; d < docs.length; d++) expect(rowCounts(X, d)).toEqual(oracle(docs[d]))
    const again = vectorizer.transform(docs)
    for (let d = 0; d < docs.length; d++) expect(rowCounts(again, d)).toEqual(oracle(docs[d]))
    expect(vectorizer.tokenId('supercalifragilistic7')).toBeGreaterThanOrEqual(0)
    expect(vectorizer.tokenId('supercalifragilistic')).toBe(-1)
  })

  it('explains an empty vocabulary', () => {
    expect(() => Vectorizer.fitTransform(['a', 'b'], {...base, min_df: 5})).toThrow(/no term is left after min_df=5/)
    expect(() => Vectorizer.fitTransform(['a', 'b'], {...base, analyzer: 'char_wb', min_df: 5})).toThrow(/no character n-gram is left after min_df=5/)
    expect(() => Vectorizer.fitTransform(['a'], {...base, analyzer: 'char_wb', char_ngram_min: 4, char_ngram_max: 2})).toThrow(/featurize.char_ngram_min \(4\) is above featurize.char_ngram_max \(2\)/)
  })
})

/** scikit-learn's _char_wb_ngrams, line by line (sklearn/feature_extraction/text.py), as the string oracle. */
function sklearnCharWb(doc: string, nmin: number, nmax: number): string[] {
  const out: string[] = []
  for (const word of doc.split(/\s+/).filter(w => w !== '')) {
    const w = ` ${word} `
    for (let n = nmin; n <= nmax; n++) {
      let offset = 0
      out.push(w.slice(offset, offset + n))
      while (offset + n < w.length) {
        offset++
        out.push(w.slice(offset, offset + n))
      }
      if (offset === 0) break // a short word (w.length <= n) is counted once
    }
  }
  return out
}

interface SklearnCase {
  name: string
  params: Partial<FeaturizeParams>
  vocabulary: string[]
  rows: Array<Array<[number, number]>>
}
const fixtureFile = new URL('../fixtures/sklearn-char-analyzers.json', import.meta.url)
const sklearnFixture = JSON.parse(readFileSync(fixtureFile, 'utf8')) as {docs: string[]; cases: SklearnCase[]}
const hasSklearn = (() => {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import sklearn'], {stdio: 'ignore'})
    return true
  } catch {
    return false
  }
})()

describe('character n-gram analyzers (char_wb, word+char)', () => {
  const tfidf = {...base, method: 'tfidf' as const, max_features: 0, min_df: 1, max_df: 1}

  for (const c of sklearnFixture.cases) {
    it(`gives scikit-learn's vocabulary and TF-IDF rows: ${c.name}`, () => {
      const {vectorizer, X} = Vectorizer.fitTransform(sklearnFixture.docs, {...tfidf, ...c.params})
      expect(vectorizer.state.vocabulary).toEqual(c.vocabulary)
      const rows = (m: typeof X) => Array.from({length: m.rows}, (_, r) => Array.from({length: m.indptr[r + 1] - m.indptr[r]}, (_, k) => [m.indices[m.indptr[r] + k], m.data[m.indptr[r] + k]]))
      for (const [r, row] of rows(X).entries()) {
        expect(row.map(([col]) => col), `row ${r}`).toEqual(c.rows[r].map(([col]) => col))
        row.forEach(([, v], k) => expect(v).toBeCloseTo(c.rows[r][k][1], 12))
      }
      // Unseen text goes through the same analyzer: transform of the training texts gives the training rows.
      expect(toDense(vectorizer.transform(sklearnFixture.docs))).toEqual(toDense(X))
    })
  }

  it.skipIf(!hasSklearn || !existsSync(new URL('../fixtures/sklearn-char-analyzers.py', import.meta.url)))(
    'the fixture is what scikit-learn (Debian python3-sklearn) computes now (skipped without /usr/bin/python3 + sklearn)',
    () => {
      const live = JSON.parse(execFileSync('/usr/bin/python3', [new URL('../fixtures/sklearn-char-analyzers.py', import.meta.url).pathname, '--stdout'], {encoding: 'utf8'})) as typeof sklearnFixture
      expect(live.docs).toEqual(sklearnFixture.docs)
      for (const [i, c] of live.cases.entries()) {
        expect(c.vocabulary).toEqual(sklearnFixture.cases[i].vocabulary)
        c.rows.forEach((row, r) => {
          const stored = sklearnFixture.cases[i].rows[r]
          expect(row.map(([col]) => col)).toEqual(stored.map(([col]) => col))
          row.forEach(([, v], k) => expect(v).toBeCloseTo(stored[k][1], 12))
        })
      }
    },
    30_000,
  )

  it("counts scikit-learn's char_wb n-grams on thousands of random texts, any range (string oracle)", () => {
    let state = 5
    const next = () => (state = (state * 48271) % 2147483647)
    const alphabet = 'abcdeé_NEG😀xyz'
    const word = () => Array.from({length: 1 + (next() % 12)}, () => [...alphabet][next() % [...alphabet].length]).join('')
    const docs = Array.from({length: 1500}, () => Array.from({length: next() % 9}, word).join(' '))
    docs.push('', 'a', 'a  b ', ' x')
    for (const [nmin, nmax] of [[2, 5], [1, 1], [3, 3], [1, 7], [6, 9]]) {
      const {vectorizer, X} = Vectorizer.fitTransform(docs, {...base, method: 'bow', analyzer: 'char_wb', char_ngram_min: nmin, char_ngram_max: nmax, max_features: 0, min_df: 1, max_df: 1})
      const terms = vectorizer.state.vocabulary
      for (let d = 0; d < docs.length; d++) {
        const got = new Map<string, number>()
        for (let p = X.indptr[d]; p < X.indptr[d + 1]; p++) got.set(terms[X.indices[p]], X.data[p])
        const want = new Map<string, number>()
        for (const g of sklearnCharWb(docs[d], nmin, nmax)) want.set(g, (want.get(g) ?? 0) + 1)
        expect(got, `${JSON.stringify(docs[d])} ${nmin}..${nmax}`).toEqual(want)
      }
      expect([...terms].sort()).toEqual(terms)
    }
  })

  it('keeps the max_features most frequent character n-grams, the cut inside a tie, in code-unit order (brute-force oracle)', () => {
    // Repeated words (most of a corpus' words repeat) whose padded n-grams sort around the space: " a", "a ", "a!".
    const words = ['a', 'ab', 'a!', 'ba', 'b', 'abab', 'é', '!a', 'aa']
    let state = 11
    const pick = (): string => words[(state = (state * 48271) % 2147483647) % words.length]
    const docs = Array.from({length: 80}, () => Array.from({length: 1 + (state % 6)}, pick).join(' '))
    const tf = new Map<string, number>()
    for (const doc of docs) for (const g of sklearnCharWb(doc, 1, 3)) tf.set(g, (tf.get(g) ?? 0) + 1)
    const byCount = [...tf].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))
    // The first cuts from 3, 10 and 25 on that fall inside a tie.
    const limits = [3, 10, 25].map(from => {
      let k = from
      while (byCount[k - 1][1] !== byCount[k][1]) k++
      return k
    })
    expect(new Set(limits).size).toBe(3)
    for (const limit of limits) {
      const {vectorizer, X} = Vectorizer.fitTransform(docs, {...base, method: 'bow', analyzer: 'char_wb', char_ngram_min: 1, char_ngram_max: 3, max_features: limit, min_df: 1, max_df: 1})
      const want = byCount.slice(0, limit).map(([g]) => g).sort()
      expect(vectorizer.state.vocabulary).toEqual(want)
      for (let d = 0; d < docs.length; d++) {
        const counts = new Map<string, number>()
        for (const g of sklearnCharWb(docs[d], 1, 3)) if (want.includes(g)) counts.set(g, (counts.get(g) ?? 0) + 1)
        const row = [...counts].sort((x, y) => want.indexOf(x[0]) - want.indexOf(y[0]))
        expect(Array.from(X.indices.subarray(X.indptr[d], X.indptr[d + 1])), docs[d]).toEqual(row.map(([g]) => want.indexOf(g)))
        expect(Array.from(X.data.subarray(X.indptr[d], X.indptr[d + 1])), docs[d]).toEqual(row.map(([, c]) => c))
      }
    }
  })

  for (const analyzer of ['char_wb', 'word+char'] as const) {
    it(`gives the same rows from texts, from word segments and into scratch buffers (${analyzer})`, () => {
      const docs = ['good film', 'a good good film indeed', '', 'bad', 'film good bad film', 'nothing known here', 'goodness filmic', 'zzqx']
      const {vectorizer} = Vectorizer.fitTransform(docs.slice(0, 5), {...base, method: 'tfidf', analyzer, ngram_min: 1, ngram_max: 2, char_ngram_min: 2, char_ngram_max: 4})
      const expected = toDense(vectorizer.transform(docs))
      expect(toDense(vectorizer.transformTransient(docs))).toEqual(expected)
      const bySegments = (words: string[]) =>
        vectorizer.transformIdsTransient(1, (_row, out) => {
          for (const w of words) for (const id of vectorizer.wordSegment(w).ids) out.push(id)
        })
      expect(docs.map(d => toDense(bySegments(d === '' ? [] : d.split(' ')))[0])).toEqual(expected)
    })
  }

  it('tells which words the vocabulary knows: char_wb by any character n-gram, word+char by the word part', () => {
    const params = {...base, method: 'tfidf' as const, ngram_min: 1, ngram_max: 1, char_ngram_min: 3, char_ngram_max: 3}
    const chars = Vectorizer.fitTransform(['good film'], {...params, analyzer: 'char_wb'}).vectorizer
    // " go", "goo", "ood", "od ", " fi", "fil", "ilm", "lm ": "goody" shares " go", "goo", "ood"; "xyz" shares none.
    expect(chars.wordSegment('goody').known).toBe(true)
    expect(chars.wordSegment('goody').ids.length).toBe(3)
    expect(chars.wordSegment('xyz')).toEqual({ids: new Int32Array(0), known: false})
    const both = Vectorizer.fitTransform(['good film'], {...params, analyzer: 'word+char'}).vectorizer
    expect(both.state.vocabulary.slice(0, 2)).toEqual(['film', 'good'])
    expect(both.state.wordTerms).toBe(2)
    expect(both.wordSegment('goody').known).toBe(false)
    expect(Array.from(both.wordSegment('good').ids)).toEqual([both.tokenId('good'), 4, ...[' go', 'goo', 'ood', 'od '].map(t => both.state.vocabulary.indexOf(t))])
  })

  it('normalizes each part of word+char on its own (FeatureUnion) and keeps min_df / max_features per part', () => {
    const {vectorizer, X} = Vectorizer.fitTransform(['ab ab', 'ab cd', 'cd'], {...base, method: 'tfidf', analyzer: 'word+char', ngram_min: 1, ngram_max: 1, char_ngram_min: 3, char_ngram_max: 3, max_features: 2, min_df: 1, max_df: 1})
    // Words: ab (tf 3), cd (tf 2); char 3-grams: " ab", "ab " (tf 3 each) beat " cd", "cd " (tf 2): two per part.
    expect(vectorizer.state.vocabulary).toEqual(['ab', 'cd', ' ab', 'ab '])
    const row = toDense(X)[1]
    expect(Math.hypot(row[0], row[1])).toBeCloseTo(1, 12)
    expect(Math.hypot(row[2], row[3])).toBeCloseTo(1, 12)
    expect(toDense(X)[2]).toEqual([0, 1, 0, 0]) // "cd" has no character n-gram left: its char part stays zero
  })
})

describe('fitting', () => {
  it('fitCounted consumes the counts (no n-gram index or occurrence buffer is held with the matrix) and builds what fitTransform builds', () => {
    const docs = ['not good film', 'good film', 'a bad film', 'bad bad']
    const params = {...base, method: 'tfidf' as const, analyzer: 'word+char' as const, ngram_min: 1, ngram_max: 2, char_ngram_min: 3, char_ngram_max: 4, min_df: 1, max_df: 1, max_features: 0, sublinear_tf: false, binary: false}
    const counts = countNgrams(docs, params)
    expect(counts.parts.map(p => p.kind)).toEqual(['word', 'char'])
    const {vectorizer, X} = Vectorizer.fitCounted(counts, params)
    expect(counts.parts).toEqual([])
    const again = Vectorizer.fitTransform(docs, params)
    expect(vectorizer.state).toEqual(again.vectorizer.state)
    expect(toDense(X)).toEqual(toDense(again.X))
    // The oracle: row 3 ("bad bad") has the word part {bad: 2, "bad bad": 1} and the char part of "bad" twice.
    const col = (t: string) => vectorizer.state.vocabulary.indexOf(t)
    const row = toDense(X)[3]
    const idf = vectorizer.state.idf!
    const words = [2 * idf[col('bad')], idf[col('bad bad')]]
    expect(row[col('bad')]).toBeCloseTo(words[0] / Math.hypot(...words), 12)
    expect(row[col('bad bad')]).toBeCloseTo(words[1] / Math.hypot(...words), 12)
  })

  it('sorts the rows of the fitted matrix by column in blocks of rows, in place in the occurrence buffer (per-row sort oracle)', () => {
    let state = 3
    const next = (m: number) => (state = (state * 48271) % 2147483647) % m
    const columns = 40
    // Two parts as word+char has them: occurrences with -1 (not a term) mixed in, rows of 0..30 occurrences.
    const rows = 300
    const part = (from: number, to: number) => {
      const offsets = new Int32Array(rows + 1)
      const values: number[] = []
      for (let d = 0; d < rows; d++) {
        for (let k = next(16); k > 0; k--) values.push(next(5) === 0 ? -1 : from + next(to - from))
        offsets[d + 1] = values.length
      }
      return {all: Int32Array.from(values), offsets}
    }
    const parts = [part(0, 15), part(15, columns)]
    const want = Array.from({length: rows}, (_, d) => parts.flatMap(({all, offsets}) => Array.from(all.subarray(offsets[d], offsets[d + 1])).filter(c => c >= 0)).sort((a, b) => a - b))
    const rowStart = new Int32Array(rows + 1)
    want.forEach((row, d) => (rowStart[d + 1] = rowStart[d] + row.length))
    for (const block of [1, 7, 64, 1 << 20]) {
      const sorted = new Int32Array(rowStart[rows])
      sortRowsByColumn(parts, rowStart, columns, sorted, block)
      expect(want.map((_, d) => Array.from(sorted.subarray(rowStart[d], rowStart[d + 1]))), `block ${block}`).toEqual(want)
      // One part: the output overwrites the occurrences it has read.
      const single = part(0, columns)
      const wantSingle = Array.from({length: rows}, (_, d) => Array.from(single.all.subarray(single.offsets[d], single.offsets[d + 1])).filter(c => c >= 0).sort((a, b) => a - b))
      const starts = new Int32Array(rows + 1)
      wantSingle.forEach((row, d) => (starts[d + 1] = starts[d] + row.length))
      sortRowsByColumn([single], starts, columns, single.all, block)
      expect(wantSingle.map((_, d) => Array.from(single.all.subarray(starts[d], starts[d + 1]))), `one part, block ${block}`).toEqual(wantSingle)
    }
  })
})

describe('sparse matrices', () => {
  const m = csrFromRows([new Map([[2, 1], [0, 3]]), new Map(), new Map([[1, 5]])], 3)

  it('sorts columns, selects rows and transposes to CSC', () => {
    expect(Array.from(m.indices)).toEqual([0, 2, 1])
    expect(toDense(selectRows(m, [2, 0]))).toEqual([[0, 5, 0], [3, 0, 1]])
    const csc = toCsc(m)
    expect(Array.from(csc.indptr)).toEqual([0, 1, 2, 3])
    expect(Array.from(csc.indices)).toEqual([0, 2, 0])
  })

  it('round-trips through the binary CSR file', async () => {
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'sentiops-csr-')), 'x.csr')
    await writeCsrFile(file, m, Int32Array.from([1, 0, 1]))
    const back = await readCsrFile(file)
    expect(toDense(back.X)).toEqual(toDense(m))
    expect(Array.from(back.labels)).toEqual([1, 0, 1])
  })

  it('writes the documented layout byte for byte (hand-built: magic, JSON header, pad to 8, indptr, indices, data, labels) and leaves no temp file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'sentiops-csr-'))
    await writeCsrFile(path.join(dir, 'x.csr'), m, Int32Array.from([1, 0, 1]))
    const head = 'SENTIOPS-CSR1\n{"rows":3,"cols":3,"nnz":3}\n' // 14 + 28 = 42 bytes: 6 zero bytes to the 8-byte grid
    const le = (values: number[], size: 4 | 8) => {
      const b = Buffer.alloc(values.length * size)
      values.forEach((v, i) => (size === 4 ? b.writeInt32LE(v, i * 4) : b.writeDoubleLE(v, i * 8)))
      return b
    }
    const want = Buffer.concat([Buffer.from(head), Buffer.alloc(6), le([0, 2, 2, 3], 4), le([0, 2, 1], 4), le([3, 1, 5], 8), le([1, 0, 1], 4)])
    expect(head.length).toBe(42)
    expect((await readFile(path.join(dir, 'x.csr'))).equals(want)).toBe(true)
    expect(await readdir(dir)).toEqual(['x.csr'])
  })

  it('reads the values back whether or not they fall on an 8-byte boundary of the file', async () => {
    // The values follow rows + 1 + nnz int32s: an odd sum puts them off the 8-byte grid a Float64Array needs.
    const dir = await mkdtemp(path.join(tmpdir(), 'sentiops-csr-'))
    for (const entries of [[[0, 0.5]], [[0, 0.5], [2, -1.25]]] as const) {
      const rows = [new Map<number, number>(entries), new Map<number, number>([[1, 3]])]
      const x = csrFromRows(rows, 3)
      await writeCsrFile(path.join(dir, 'x.csr'), x, Int32Array.of(0, 1))
      const back = await readCsrFile(path.join(dir, 'x.csr'))
      expect(toDense(back.X)).toEqual([[0, 1, 2].map(c => rows[0].get(c) ?? 0), [0, 3, 0]])
      expect(Array.from(back.X.indptr)).toEqual([0, entries.length, entries.length + 1])
      expect(Array.from(back.labels)).toEqual([0, 1])
    }
    const whole = await readFile(path.join(dir, 'x.csr'))
    expect((await readCsrFile(path.join(dir, 'x.csr'))).md5).toBe(createHash('md5').update(whole).digest('hex'))
    await writeFile(path.join(dir, 'longer.csr'), Buffer.concat([whole, Buffer.from('tail')]))
    expect((await readCsrFile(path.join(dir, 'longer.csr'))).md5).toBe(createHash('md5').update(Buffer.concat([whole, Buffer.from('tail')])).digest('hex'))
    await writeFile(path.join(dir, 'short.csr'), whole.subarray(0, whole.length - 1))
    await expect(readCsrFile(path.join(dir, 'short.csr'))).rejects.toThrow(/short\.csr is truncated/)
    await writeFile(path.join(dir, 'other.csr'), 'text,label\n')
    await expect(readCsrFile(path.join(dir, 'other.csr'))).rejects.toThrow(/other\.csr is not a sentiops feature matrix/)
    await expect(readCsrFile(path.join(dir, 'none.csr'))).rejects.toThrow(/feature matrix not found/)
  })
})
