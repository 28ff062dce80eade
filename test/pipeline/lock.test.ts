import {readFile, stat, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import type {PathDigest} from '../../src/core/pipeline/hash.js'
import {Lockfile, buildLockEntry, renderLock, writeLockEntry} from '../../src/core/pipeline/lock.js'
import {parseDocument, pyFloatRepr, type PyMap, type PyValue} from '../../src/core/pipeline/pyvalue.js'
import {dumpYaml} from '../../src/core/pipeline/yaml-emit.js'
import {tempDir} from './helpers.js'

const file = (md5: string, size: number, isexec = false): PathDigest => ({type: 'file', md5, size, isexec})
const dir = (md5: string, size: number, nfiles: number): PathDigest => ({type: 'dir', md5, size, nfiles, entries: [], listing: Buffer.from('[]')})
const map = (entries: Array<[string, PyValue]>): PyMap => new Map(entries)

describe('dvc.lock (schema 2.0) in DVC\'s exact style', () => {
  it('matches the shape of DVC\'s tests/func/test_run.py fixture byte for byte', () => {
    const entry = buildLockEntry({
      cmd: 'mycmd',
      deps: [{path: 'bar', digest: file('37b51d194a7513e45b56f6524f2d51f2', 3)}],
      params: [],
      outs: [{path: 'foo', digest: file('acbd18db4cc2f85cedef654fccc4a4d8', 3)}],
    })
    expect(renderLock(map([['mystage', entry]]))).toBe(
      [
        "schema: '2.0'",
        'stages:',
        '  mystage:',
        '    cmd: mycmd',
        '    deps:',
        '    - path: bar',
        '      hash: md5',
        '      md5: 37b51d194a7513e45b56f6524f2d51f2',
        '      size: 3',
        '    outs:',
        '    - path: foo',
        '      hash: md5',
        '      md5: acbd18db4cc2f85cedef654fccc4a4d8',
        '      size: 3',
        '',
      ].join('\n'),
    )
  })

  it('sorts deps and outs by path, puts params.yaml first, sorts keys, keeps YAML 1.2 types', () => {
    const params = parseDocument(
      [
        'train:',
        '  lr: {C: 4.0, max_iter: 200, tol: 0.0001}',
        '  layers: [1, 2]',
        '  algorithm: lr',
        '  seed: 42',
        '  eps: 1.0e-5',
        '  big: 1e16',
        '  off: .inf',
        '  none: ~',
        '  empty_list: []',
        '  empty_map: {}',
        'featurize: {method: yes, max_df: 1.0}',
      ].join('\n'),
      'params.yaml',
    ).value as PyMap
    const entry = buildLockEntry({
      cmd: 'python train.py',
      deps: [
        {path: 'src/train.py', digest: file('9dd4e461268c8034f5c8564e155c67a6', 1, true)},
        {path: 'data/processed', digest: dir('5ea40360f5b4ec688df672a4db9c17d1.dir', 6, 2)},
      ],
      params: [
        {file: 'other.json', values: map([['seed', 7n]])},
        {file: 'params.yaml', values: map([['train', params.get('train')!], ['featurize.max_df', 1], ['featurize.method', 'yes']])},
        {file: 'a.yaml', values: map([['x', 'true']])},
      ],
      outs: [
        {path: 'reports/metrics.json', digest: file('415290769594460e2e485922904f345d', 40)},
        {path: 'models/model', digest: dir('c944320c4e9b33218e61f8690cd31bd8.dir', 4, 4)},
      ],
    })
    expect(renderLock(map([['train', entry]]))).toBe(
      [
        "schema: '2.0'",
        'stages:',
        '  train:',
        '    cmd: python train.py',
        '    deps:',
        '    - path: data/processed',
        '      hash: md5',
        '      md5: 5ea40360f5b4ec688df672a4db9c17d1.dir',
        '      size: 6',
        '      nfiles: 2',
        '    - path: src/train.py',
        '      hash: md5',
        '      md5: 9dd4e461268c8034f5c8564e155c67a6',
        '      size: 1',
        '      isexec: true',
        '    params:',
        '      params.yaml:',
        '        featurize.max_df: 1.0',
        '        featurize.method: yes',
        '        train:',
        '          lr:',
        '            C: 4.0',
        '            max_iter: 200',
        '            tol: 0.0001',
        '          layers:',
        '          - 1',
        '          - 2',
        '          algorithm: lr',
        '          seed: 42',
        '          eps: 1e-05',
        '          big: 1e+16',
        '          off: .inf',
        '          none:',
        '          empty_list: []',
        '          empty_map: {}',
        '      a.yaml:',
        "        x: 'true'",
        '      other.json:',
        '        seed: 7',
        '    outs:',
        '    - path: models/model',
        '      hash: md5',
        '      md5: c944320c4e9b33218e61f8690cd31bd8.dir',
        '      size: 4',
        '      nfiles: 4',
        '    - path: reports/metrics.json',
        '      hash: md5',
        '      md5: 415290769594460e2e485922904f345d',
        '      size: 40',
        '',
      ].join('\n'),
    )
  })

  it('quotes strings like ruamel: only when they would read back as another type or hold indicators', () => {
    const values = map([
      ['version', '2.0'],
      ['bool', 'true'],
      ['yes', 'yes'],
      ['empty', ''],
      ['null', 'null'],
      ['date', '2020-01-01'],
      ['hash', '#x'],
      ['colon', 'a: b'],
      ['url', 'http://x.org/a#b'],
      ['apostrophe', "it's"],
      ['quoted', "'q"],
      ['multiline', 'a\nb'],
      ['tab', 'a\tb'],
      ['unicode', 'café'],
      ['dash', '- x'],
      ['digits', '12345678901234567890123456789012'],
    ])
    expect(dumpYaml(values)).toBe(
      [
        "version: '2.0'",
        "bool: 'true'",
        'yes: yes',
        "empty: ''",
        "'null': 'null'",
        "date: '2020-01-01'",
        "hash: '#x'",
        "colon: 'a: b'",
        'url: http://x.org/a#b',
        "apostrophe: it's",
        'quoted: "\'q"',
        'multiline: "a\\nb"',
        'tab: "a\\tb"',
        'unicode: café',
        "dash: '- x'",
        "digits: '12345678901234567890123456789012'",
        '',
      ].join('\n'),
    )
  })

  // Expected bytes below were written by ruamel.yaml 0.19.1 (what `pip install dvc` gets today) with DVC's
  // dumper settings (`YAML()`, default_flow_style=False); the DVC spec §7 describes the change from 0.17.
  it('folds long commands as ruamel >= 0.18.13 does: the word that would cross column 80 starts the next line', () => {
    const cmd = 'python src/train.py --data data/processed --model models/model --algorithm lr --max-iter 200 --seed 42'
    const text = renderLock(map([['train', buildLockEntry({cmd, deps: [], params: [], outs: []})]]))
    expect(text).toBe(
      [
        "schema: '2.0'",
        'stages:',
        '  train:',
        // The space before the moved word stays at the end of the line (ruamel 0.17 wrote "--algorithm" here).
        '    cmd: python src/train.py --data data/processed --model models/model ',
        '      --algorithm lr --max-iter 200 --seed 42',
        '',
      ].join('\n'),
    )
    // Folding is only layout: the value reads back unchanged.
    const back = parseDocument(text, 'dvc.lock').value as PyMap
    expect(((back.get('stages') as PyMap).get('train') as PyMap).get('cmd')).toBe(cmd)
  })

  it('puts an unbreakable long value on its own line and folds the DVC spec §7 example (ruamel 0.19.1 vectors)', () => {
    const greek = 'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau upsilon phi chi psi omega'
    expect(dumpYaml(map([['long', greek], ['longnospace', 'a'.repeat(100)]]))).toBe(
      [
        'long: alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi ',
        '  omicron pi rho sigma tau upsilon phi chi psi omega',
        'longnospace: ',
        `  ${'a'.repeat(100)}`,
        '',
      ].join('\n'),
    )
  })

  it('folds double-quoted text without a backslash where the line break reads back as the space (ruamel 0.19.1 vector)', () => {
    const cmd = 'echo "first line of a long command that needs quoting" && printf "%s\\n" done with it all now ok'
    const note = "it's a long note that is written double quoted because of the apostrophe and the line break\nend"
    const entry = buildLockEntry({cmd, deps: [], params: [{file: 'params.yaml', values: map([['note', note]])}], outs: []})
    const text = renderLock(map([['s', entry]]))
    expect(text).toBe(
      [
        "schema: '2.0'",
        'stages:',
        '  s:',
        '    cmd: echo "first line of a long command that needs quoting" && printf "%s\\n"',
        '      done with it all now ok',
        '    params:',
        '      params.yaml:',
        '        note: "it\'s a long note that is written double quoted because of the apostrophe',
        '          and the line break\\nend"',
        '',
      ].join('\n'),
    )
    const back = ((parseDocument(text, 'dvc.lock').value as PyMap).get('stages') as PyMap).get('s') as PyMap
    expect(((back.get('params') as PyMap).get('params.yaml') as PyMap).get('note')).toBe(note)
  })

  it('counts the !!str tag in the 128-character limit of a simple key and writes emoji unescaped (ruamel 0.19.1 vectors)', () => {
    expect(dumpYaml(map([['k'.repeat(122), 1n], ['j'.repeat(123), 2n]]))).toBe(
      [`${'k'.repeat(122)}: `, '  1', `? ${'j'.repeat(123)}`, ': 2', ''].join('\n'),
    )
    expect(dumpYaml(map([['emoji', '\u{1F600} smile\tand tab']]))).toBe('emoji: "\u{1F600} smile\\tand tab"\n')
  })

  it('writes a multi-line cmd double-quoted and a list cmd as a block list', () => {
    const multi = renderLock(map([['s', buildLockEntry({cmd: 'echo a\necho b\n', deps: [], params: [], outs: []})]]))
    expect(multi).toContain('    cmd: "echo a\\necho b\\n"\n')
    const list = renderLock(map([['s', buildLockEntry({cmd: ['echo a', 'echo b'], deps: [], params: [], outs: []})]]))
    expect(list).toContain('    cmd:\n    - echo a\n    - echo b\n')
  })

  it('prints floats as Python repr does', () => {
    expect([1, 0.1, 1e-5, 0.0001, 1e16, 123456789012345.6, 2.5e-10, -0.0, 1.5e300].map(pyFloatRepr)).toEqual([
      '1.0', '0.1', '1e-05', '0.0001', '1e+16', '123456789012345.6', '2.5e-10', '-0.0', '1.5e+300',
    ])
  })
})

describe('reading and updating dvc.lock', () => {
  const dvcWritten = [
    "schema: '2.0'",
    'stages:',
    '  prepare:',
    '    cmd: cp foo bar',
    '    deps:',
    '    - path: foo',
    '      hash: md5',
    '      md5: acbd18db4cc2f85cedef654fccc4a4d8',
    '      size: 3',
    '    params:',
    '      params.yaml:',
    '        lr: 1.0',
    '    outs:',
    '    - path: bar',
    '      hash: md5',
    '      md5: acbd18db4cc2f85cedef654fccc4a4d8',
    '      size: 3',
    '  train:',
    '    cmd: cat bar',
    '',
  ].join('\n')

  it('reads a DVC-written lock and re-renders it byte for byte', async () => {
    const root = tempDir()
    await writeFile(path.join(root, 'dvc.lock'), dvcWritten)
    const lock = await Lockfile.read(root)
    expect(lock.entry('prepare')).toEqual({
      cmd: 'cp foo bar',
      deps: [{path: 'foo', hash: 'md5', md5: 'acbd18db4cc2f85cedef654fccc4a4d8', size: 3}],
      params: new Map([['params.yaml', new Map([['lr', 1]])]]),
      outs: [{path: 'bar', hash: 'md5', md5: 'acbd18db4cc2f85cedef654fccc4a4d8', size: 3}],
    })
    const stages = (parseDocument(dvcWritten, 'dvc.lock').value as PyMap).get('stages') as PyMap
    expect(renderLock(stages)).toBe(dvcWritten)
  })

  it('replaces one entry in place, appends new stages, and leaves the file alone when nothing changed', async () => {
    const root = tempDir()
    const lockPath = path.join(root, 'dvc.lock')
    await writeFile(lockPath, dvcWritten)
    const prepare = ((parseDocument(dvcWritten, 'dvc.lock').value as PyMap).get('stages') as PyMap).get('prepare') as PyMap
    const before = await stat(lockPath)
    expect(await writeLockEntry(root, 'prepare', prepare)).toBe('unchanged')
    expect((await stat(lockPath)).mtimeMs).toBe(before.mtimeMs)

    expect(await writeLockEntry(root, 'prepare', buildLockEntry({cmd: 'cp foo baz', deps: [], params: [], outs: []}))).toBe('updated')
    expect(await writeLockEntry(root, 'evaluate', buildLockEntry({cmd: 'echo', deps: [], params: [], outs: []}))).toBe('updated')
    const text = await readFile(lockPath, 'utf8')
    expect(text).toBe(["schema: '2.0'", 'stages:', '  prepare:', '    cmd: cp foo baz', '  train:', '    cmd: cat bar', '  evaluate:', '    cmd: echo', ''].join('\n'))
  })

  it('migrates a DVC 1 lock (no schema) and rejects unknown schema versions', async () => {
    const root = tempDir()
    await writeFile(path.join(root, 'dvc.lock'), 'prepare:\n  cmd: cp foo bar\n  outs:\n  - path: bar\n    md5: acbd18db4cc2f85cedef654fccc4a4d8\n')
    expect((await Lockfile.read(root)).entry('prepare')?.outs[0]).toEqual({path: 'bar', md5: 'acbd18db4cc2f85cedef654fccc4a4d8'})
    await writeLockEntry(root, 'other', buildLockEntry({cmd: 'x', deps: [], params: [], outs: []}))
    expect(await readFile(path.join(root, 'dvc.lock'), 'utf8')).toMatch(/^schema: '2\.0'\nstages:\n {2}prepare:\n/)

    await writeFile(path.join(root, 'dvc.lock'), "schema: '3.0'\nstages: {}\n")
    await expect(Lockfile.read(root)).rejects.toThrow("dvc.lock: schema \"3.0\" is not supported")
  })

  it('names the broken entry of a malformed lock', async () => {
    const root = tempDir()
    await writeFile(path.join(root, 'dvc.lock'), "schema: '2.0'\nstages:\n  s:\n    cmd: x\n    outs:\n    - md5: abc\n")
    const lock = await Lockfile.read(root)
    expect(() => lock.entry('s')).toThrow('dvc.lock: stages.s.outs[0]: expected an entry with a path')
  })
})
