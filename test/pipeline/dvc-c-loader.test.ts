import {readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {loadParams, readParamsText} from '../../src/core/config/index.js'
import type {PathDigest} from '../../src/core/pipeline/hash.js'
import {buildLockEntry, writeLockEntry} from '../../src/core/pipeline/lock.js'
import {isPyMap, parseDocument, type PyMap, type PyValue} from '../../src/core/pipeline/pyvalue.js'
import {ensurePipelineFiles} from '../../src/core/stages/init.js'
import {hasDate, loadWithDvcLoader, MISSING_LOADER, PYTHON} from './c-loader.js'
import {tempDir} from './helpers.js'

const ROOT = path.resolve(import.meta.dirname, '../..')
// In CI the loader must be there (scripts/deps/dvc.sh installs it): only a user's machine may skip.
const skip = !PYTHON && !process.env.CI
const title = (name: string) => (skip ? `${name} (skipped: ${MISSING_LOADER})` : name)

/** Python-like values as JSON would carry them: Maps as objects, ints as numbers. */
function plain(value: PyValue): unknown {
  if (Array.isArray(value)) return value.map(plain)
  if (isPyMap(value)) return Object.fromEntries([...value].map(([k, v]) => [String(k), plain(v)]))
  return typeof value === 'bigint' ? Number(value) : value
}

describe.skipIf(skip)(title('DVC\'s real params loader (ruamel.yaml C loader) reads every YAML file sentiops ships or writes'), () => {
  it('is the C loader: YAML(typ="safe") rejects a: {b: node:20}, which pure-Python ruamel accepts', () => {
    const [result] = loadWithDvcLoader(['a: {b: node:20}\n'])
    expect(result).toEqual({ok: false, error: "found unexpected ':'", line: 1})
  })

  it('loads the shipped params.yaml and dvc.yaml to the values sentiops reads', async () => {
    const texts = await Promise.all(['params.yaml', 'dvc.yaml'].map(name => readFile(path.join(ROOT, name), 'utf8')))
    const [params, dvcyaml] = loadWithDvcLoader(texts)
    expect(params).toEqual({ok: true, value: readParamsText(texts[0], 'params.yaml').value})
    expect(dvcyaml).toEqual({ok: true, value: plain(parseDocument(texts[1], 'dvc.yaml').value)})
    expect(hasDate(params)).toBe(false)
  })

  it('loads the params.yaml and dvc.yaml a new project gets', async () => {
    const dir = tempDir()
    const written = await ensurePipelineFiles(dir)
    expect(written.map(f => path.basename(f)).sort()).toEqual(['dvc.yaml', 'params.yaml'])
    const results = loadWithDvcLoader(await Promise.all(written.map(f => readFile(f, 'utf8'))))
    expect(results.map(r => r.ok)).toEqual([true, true])
  })

  it('loads a dvc.lock written by sentiops for the shipped pipeline, folded long values included', async () => {
    const dir = tempDir()
    const params = parseDocument(await readFile(path.join(ROOT, 'params.yaml'), 'utf8'), 'params.yaml').value as PyMap
    const stages = (parseDocument(await readFile(path.join(ROOT, 'dvc.yaml'), 'utf8'), 'dvc.yaml').value as PyMap).get('stages') as PyMap
    const digest: PathDigest = {type: 'file', md5: 'acbd18db4cc2f85cedef654fccc4a4d8', size: 3, isexec: false}
    for (const [name, stage] of stages as Map<string, PyMap>) {
      const keys = (stage.get('params') as string[] | undefined) ?? []
      const values: PyMap = new Map(keys.map(key => [key, key.split('.').reduce<PyValue>((node, part) => (node as PyMap).get(part)!, params)]))
      const entry = buildLockEntry({
        cmd: `${stage.get('cmd') as string} --set ingest.source=https://example.org/a/very/long/path/to/the/reviews/file/of/the/team/reviews.csv --set train.algorithm=lr`,
        deps: ((stage.get('deps') as string[] | undefined) ?? []).map(p => ({path: p, digest})),
        params: values.size > 0 ? [{file: 'params.yaml', values}] : [],
        outs: [{path: `out/${name}`, digest}],
      })
      await writeLockEntry(dir, name, entry)
    }
    const odd = new Map<string, PyValue>([
      ['note', "it's: a value with a colon, a 'quote' and a line break\nthat is long enough to be folded by the emitter"],
      ['date', '2024-01-02'],
      ['image', 'node:20-bookworm-slim'],
      ['flow', '{a: b}'],
      ['emoji', '\u{1F600} x'],
      ['long_word', 'w'.repeat(100)],
    ])
    await writeLockEntry(dir, 'odd', buildLockEntry({cmd: 'echo', deps: [], params: [{file: 'params.yaml', values: odd}], outs: []}))
    const text = await readFile(path.join(dir, 'dvc.lock'), 'utf8')
    const [loaded] = loadWithDvcLoader([text])
    expect(loaded).toEqual({ok: true, value: plain(parseDocument(text, 'dvc.lock').value)})
    expect(hasDate(loaded)).toBe(false)
  })
})

describe.skipIf(skip)(title('a user\'s params.yaml that DVC\'s loader would reject gets a warning with the line and the fix'), () => {
  const samples: Array<{name: string; yaml: string; lines: number[]}> = [
    {name: 'a plain value with : in a flow mapping', yaml: 'cloud:\n  project: p\n  image: {repository: r, base_image: node:20-bookworm-slim}\n', lines: [3]},
    {name: 'a URL in another tool\'s flow list', yaml: 'ingest:\n  source: data/x.csv\nother_tool:\n  urls: [http://example.org/a, b]\n', lines: [4]},
    {name: 'an unquoted date in another tool\'s section', yaml: 'other_tool:\n  released: 2024-01-02\n', lines: [2]},
    {name: 'an unquoted date-time', yaml: 'train:\n  algorithm: lr\nnotes:\n  when: 2024-01-02 10:00:00\n', lines: [4]},
    {name: 'quoted and block-style values, and dates that are not dates', yaml: "cloud:\n  image: {base_image: 'node:20'}\n  region: us-east-1\nother:\n  url: http://example.org/x\n  day: '2024-01-02'\n  v: 2024-1-2\n", lines: []},
  ]
  for (const sample of samples) {
    it(`${sample.name}: warned exactly when the real loader fails on it, and the suggested fix loads`, async () => {
      const dir = tempDir()
      await writeFile(path.join(dir, 'params.yaml'), sample.yaml)
      const {warnings} = await loadParams({cwd: dir, env: {}})
      const [real] = loadWithDvcLoader([sample.yaml])
      const dvcFails = !real.ok || hasDate(real.value)
      expect(warnings.length > 0).toBe(dvcFails)
      const lines = warnings.map(w => Number(/params\.yaml:(\d+):/.exec(w)?.[1]))
      expect(lines).toEqual(sample.lines)
      // Where ruamel names a line, it is the line the warning names.
      if (!real.ok) expect(real.line).toBe(lines[0])
      // Apply each warning's fix ("quote it: '...'") to its line: the real loader then reads the file, without dates.
      const fixed = sample.yaml.split('\n')
      for (const warning of warnings) {
        const [, line, flowValue, dateValue, quoted] = /:(\d+): DVC (?:cannot read (.+?) \(a plain|reads (.+?) as a date).*quote it: ('.*')$/.exec(warning)!
        fixed[Number(line) - 1] = fixed[Number(line) - 1].replace(flowValue ?? dateValue, quoted)
      }
      const [after] = loadWithDvcLoader([fixed.join('\n')])
      expect(after.ok && !hasDate(after.value)).toBe(true)
    })
  }
})
