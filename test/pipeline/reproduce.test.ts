import {access, chmod, readdir, readFile, rm, stat, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {StageFailedError, reproduce, shellInvocation, type ReproResult, type ReproduceOptions, type StageRunner} from '../../src/core/pipeline/index.js'
import {OutputBackup} from '../../src/core/pipeline/workspace.js'
import {PREPARE_TRAIN, PREPARE_TRAIN_PARAMS} from './fixtures.js'
import {quietRunner, read, recordingReporter, snapshot, tempDir, writeFiles} from './helpers.js'

const PIPELINE = `${PREPARE_TRAIN}  evaluate:
    cmd: printf 1 > metrics.json
    deps:
      - model.txt
    metrics:
      - metrics.json:
          cache: false
`

const PARAMS = PREPARE_TRAIN_PARAMS

/** dvc.lock for PIPELINE as DVC 3 writes it (md5s of "foo", of the data/ listing, of "foo0.1\n" and of "1"). */
const EXPECTED_LOCK = `schema: '2.0'
stages:
  prepare:
    cmd: mkdir -p data && cp raw.txt data/clean.txt
    deps:
    - path: raw.txt
      hash: md5
      md5: acbd18db4cc2f85cedef654fccc4a4d8
      size: 3
    params:
      params.yaml:
        prepare.lower: 1
    outs:
    - path: data
      hash: md5
      md5: c7241f866708e58a899daea6882f1f66.dir
      size: 3
      nfiles: 1
  train:
    cmd: cat data/clean.txt > model.txt && echo 0.1 >> model.txt
    deps:
    - path: data
      hash: md5
      md5: c7241f866708e58a899daea6882f1f66.dir
      size: 3
      nfiles: 1
    params:
      params.yaml:
        train.epochs: 2
        train.lr: 0.1
    outs:
    - path: model.txt
      hash: md5
      md5: acb3549f4d72d5b43356a404cfd7e049
      size: 7
  evaluate:
    cmd: printf 1 > metrics.json
    deps:
    - path: model.txt
      hash: md5
      md5: acb3549f4d72d5b43356a404cfd7e049
      size: 7
    outs:
    - path: metrics.json
      hash: md5
      md5: c4ca4238a0b923820dcc509a6f75849b
      size: 1
`

async function project(files: Record<string, string> = {}): Promise<string> {
  const root = tempDir()
  await writeFiles(root, {'dvc.yaml': PIPELINE, 'params.yaml': PARAMS, 'raw.txt': 'foo', ...files})
  return root
}

function repro(root: string, options: Partial<ReproduceOptions> = {}): Promise<ReproResult> {
  return reproduce({cwd: root, runner: quietRunner, ...options})
}

function statuses(result: ReproResult): Record<string, string> {
  return Object.fromEntries(result.stages.map(s => [s.name, s.status]))
}

function reasons(result: ReproResult, stage: string): string[] {
  return result.stages.find(s => s.name === stage)!.reasons
}

async function exists(p: string): Promise<boolean> {
  return access(p).then(
    () => true,
    () => false,
  )
}

const objectPath = (root: string, md5: string) => path.join(root, '.dvc/cache/files/md5', md5.slice(0, 2), md5.slice(2))

describe('reproduce: a first run', () => {
  it('runs every stage in order and writes dvc.lock exactly as DVC 3 would', async () => {
    const root = await project()
    const result = await repro(root)
    expect(result.stages.map(s => [s.name, s.status, s.reasons])).toEqual([
      ['prepare', 'ran', ['no lock entry']],
      ['train', 'ran', ['no lock entry']],
      ['evaluate', 'ran', ['no lock entry']],
    ])
    expect(result.lockFile).toBe(path.join(root, 'dvc.lock'))
    expect(await read(root, 'dvc.lock')).toBe(EXPECTED_LOCK)
  })

  it('puts cached outputs into .dvc/cache/files/md5 as read-only objects and git-ignores them', async () => {
    const root = await project()
    await repro(root)
    for (const md5 of ['c7241f866708e58a899daea6882f1f66.dir', 'acbd18db4cc2f85cedef654fccc4a4d8', 'acb3549f4d72d5b43356a404cfd7e049']) {
      expect(((await stat(objectPath(root, md5))).mode & 0o777).toString(8)).toBe('444')
    }
    expect(await readFile(objectPath(root, 'c7241f866708e58a899daea6882f1f66.dir'), 'utf8')).toBe(
      '[{"md5": "acbd18db4cc2f85cedef654fccc4a4d8", "relpath": "clean.txt"}]',
    )
    // metrics.json has cache: false: hashed in the lock, not cached, not ignored.
    expect(await exists(objectPath(root, 'c4ca4238a0b923820dcc509a6f75849b'))).toBe(false)
    expect(await read(root, '.gitignore')).toBe('/data\n/model.txt\n')
  })

  it('creates .dvc/ as `dvc init` minimally does (no_scm outside a git work tree)', async () => {
    const root = await project()
    await repro(root)
    expect(await read(root, '.dvc/.gitignore')).toBe('/config.local\n/tmp\n/cache\n')
    expect(await read(root, '.dvc/config')).toBe('[core]\n    no_scm = True\n')
  })

  it('writes an empty .dvc/config inside a git work tree', async () => {
    const root = await project({'.git/HEAD': 'ref: refs/heads/main\n'})
    await repro(root)
    expect(await read(root, '.dvc/config')).toBe('')
  })
})

describe('reproduce: what makes a stage run again', () => {
  it('skips everything when nothing changed, without touching dvc.lock', async () => {
    const root = await project()
    await repro(root)
    const before = await stat(path.join(root, 'dvc.lock'))
    const reporter = recordingReporter()
    const result = await repro(root, {reporter})
    expect(statuses(result)).toEqual({prepare: 'skipped', train: 'skipped', evaluate: 'skipped'})
    expect(reporter.lines).toContain("info: Stage 'train' didn't change, skipping")
    expect((await stat(path.join(root, 'dvc.lock'))).mtimeMs).toBe(before.mtimeMs)
  })

  it('re-runs a stage whose dep changed, and downstream stages whose inputs then changed', async () => {
    const root = await project()
    await repro(root)
    await writeFile(path.join(root, 'raw.txt'), 'bar')
    const result = await repro(root)
    expect(statuses(result)).toEqual({prepare: 'ran', train: 'ran', evaluate: 'ran'})
    expect(reasons(result, 'prepare')).toEqual(['dep raw.txt modified'])
    expect(reasons(result, 'train')).toEqual(['dep data modified'])
    expect(reasons(result, 'evaluate')).toEqual(['dep model.txt modified'])
  })

  it('stops propagating when a re-run stage produced the same output', async () => {
    const root = await project()
    await repro(root)
    await writeFile(path.join(root, 'params.yaml'), PARAMS.replace('epochs: 2', 'epochs: 3'))
    const result = await repro(root)
    expect(statuses(result)).toEqual({prepare: 'skipped', train: 'ran', evaluate: 'skipped'})
    expect(reasons(result, 'train')).toEqual(['param train.epochs modified: 2 -> 3'])
  })

  it('compares params with Python equality: 1 == 1.0, and only the listed keys matter', async () => {
    const root = await project()
    await repro(root)
    const lock = await read(root, 'dvc.lock')
    await writeFile(path.join(root, 'params.yaml'), PARAMS.replace('lower: 1', 'lower: 1.0') + 'unrelated: 5\n')
    expect(statuses(await repro(root))).toEqual({prepare: 'skipped', train: 'skipped', evaluate: 'skipped'})
    expect(await read(root, 'dvc.lock')).toBe(lock)
    await writeFile(path.join(root, 'params.yaml'), PARAMS.replace('lower: 1', 'lower: 1.5'))
    const result = await repro(root, {dryRun: true})
    expect(reasons(result, 'prepare')).toEqual(['param prepare.lower modified: 1 -> 1.5'])
  })

  it('reports a param that disappeared or is new', async () => {
    const root = await project()
    await repro(root)
    await writeFile(path.join(root, 'dvc.yaml'), PIPELINE.replace('      - prepare.lower\n', '      - prepare.lower\n      - prepare.upper\n'))
    await writeFile(path.join(root, 'params.yaml'), PARAMS.replace('  lower: 1\n', '  upper: 2\n'))
    expect(reasons(await repro(root, {dryRun: true}), 'prepare')).toEqual(['param prepare.lower deleted', 'param prepare.upper new'])
  })

  it('uses --set overrides for change detection and the lock, and passes them to the stage as SENTIOPS_SET', async () => {
    const root = await project()
    await repro(root)
    await writeFile(path.join(root, 'dvc.yaml'), PIPELINE.replace('cmd: printf 1 > metrics.json', 'cmd: printf 1 > metrics.json && printf "$SENTIOPS_SET" > set.txt'))
    const result = await repro(root, {paramOverrides: ['train.lr=0.3', 'train.epochs=2']})
    expect(reasons(result, 'train')).toEqual(['cmd changed', 'param train.lr modified: 0.1 -> 0.3'])
    expect(await read(root, 'model.txt')).toBe('foo0.3\n')
    expect(await read(root, 'set.txt')).toBe('train.lr=0.3\ntrain.epochs=2')
    expect(await read(root, 'dvc.lock')).toContain('        train.lr: 0.3\n')
    // Without the override, params.yaml's value differs from the lock again.
    expect(reasons(await repro(root, {dryRun: true}), 'train')).toEqual(['cmd changed', 'param train.lr modified: 0.3 -> 0.1'])
  })

  it('re-runs a stage whose command changed', async () => {
    const root = await project()
    await repro(root)
    await writeFile(path.join(root, 'dvc.yaml'), PIPELINE.replace('printf 1 > metrics.json', 'printf 2 > metrics.json'))
    const result = await repro(root)
    expect(statuses(result)).toEqual({prepare: 'skipped', train: 'skipped', evaluate: 'ran'})
    expect(reasons(result, 'evaluate')).toEqual(['cmd changed'])
    expect(await read(root, 'metrics.json')).toBe('2')
  })

  it('re-runs a stage whose output was deleted, modified, or is missing from the cache', async () => {
    const root = await project()
    await repro(root)
    await rm(path.join(root, 'model.txt'))
    expect(reasons(await repro(root, {dryRun: true}), 'train')).toEqual(['out model.txt deleted'])
    await writeFile(path.join(root, 'model.txt'), 'edited by hand')
    expect(reasons(await repro(root, {dryRun: true}), 'train')).toEqual(['out model.txt modified'])
    await repro(root)
    await chmod(objectPath(root, 'acb3549f4d72d5b43356a404cfd7e049'), 0o644)
    await rm(objectPath(root, 'acb3549f4d72d5b43356a404cfd7e049'))
    expect(reasons(await repro(root, {dryRun: true}), 'train')).toEqual(['out model.txt not in cache'])
    await repro(root)
    // A file missing from a cached directory makes the whole directory "not in cache".
    await rm(objectPath(root, 'acbd18db4cc2f85cedef654fccc4a4d8'), {force: true})
    expect(reasons(await repro(root, {dryRun: true}), 'prepare')).toEqual(['out data not in cache'])
  })

  it('always runs always_changed stages and stages without deps or outs', async () => {
    const root = tempDir()
    await writeFiles(root, {
      'dvc.yaml': 'stages:\n  stamp:\n    cmd: date > stamp.txt\n    outs: [stamp.txt]\n    always_changed: true\n  ping:\n    cmd: "true"\n',
    })
    await repro(root)
    const again = await repro(root)
    expect(statuses(again)).toEqual({stamp: 'ran', ping: 'ran'})
    expect(reasons(again, 'stamp')).toEqual(['always_changed is set'])
    expect(reasons(again, 'ping')).toEqual(['a stage without deps or outs always runs'])
  })

  it('never runs a frozen stage\'s command: it only checks and re-records its outputs', async () => {
    const root = tempDir()
    await writeFiles(root, {'in.txt': 'a', 'dvc.yaml': 'stages:\n  s:\n    cmd: cp in.txt out.txt\n    deps: [in.txt]\n    outs: [out.txt]\n'})
    await repro(root)
    await writeFiles(root, {'in.txt': 'changed', 'dvc.yaml': 'stages:\n  s:\n    cmd: cp in.txt out.txt\n    deps: [in.txt]\n    outs: [out.txt]\n    frozen: true\n'})
    expect(statuses(await repro(root))).toEqual({s: 'skipped'})
    await writeFile(path.join(root, 'out.txt'), 'edited')
    const result = await repro(root)
    expect(result.stages[0]).toMatchObject({status: 'ran', reasons: ['out out.txt modified']})
    expect(await read(root, 'out.txt')).toBe('edited')
    // Re-recorded as they are now: the new dep and the hand-edited output.
    expect(await read(root, 'dvc.lock')).toContain('    - path: in.txt\n      hash: md5\n      md5: 8977dfac2f8e04cb96e66882235f5aba\n')
    expect(await read(root, 'dvc.lock')).toContain('    - path: out.txt\n      hash: md5\n      md5: 683dc5278b1fbbd98a996cecc3ffd06a\n')
    await rm(path.join(root, 'out.txt'))
    await expect(repro(root)).rejects.toThrow("output 'out.txt' of frozen stage 's' is missing")
  })

  it('runs every selected stage with --force', async () => {
    const root = await project()
    await repro(root)
    const result = await repro(root, {force: true, targets: ['train']})
    expect(result.stages.map(s => [s.name, s.status, s.reasons])).toEqual([
      ['prepare', 'ran', ['forced']],
      ['train', 'ran', ['forced']],
    ])
  })
})

describe('reproduce: running stages', () => {
  it('deletes non-persist outputs before running and keeps persist ones', async () => {
    const root = tempDir()
    await writeFiles(root, {
      'dvc.yaml': 'stages:\n  s:\n    cmd: echo run >> log.txt && echo run >> out.txt\n    outs:\n      - out.txt\n      - log.txt:\n          persist: true\n',
    })
    await repro(root)
    await repro(root, {force: true})
    expect(await read(root, 'out.txt')).toBe('run\n')
    expect(await read(root, 'log.txt')).toBe('run\nrun\n')
  })

  it('runs each line of a multi-line cmd and each list item in its own shell, in the stage\'s wdir', async () => {
    const root = tempDir()
    await writeFiles(root, {
      'sub/inner/.keep': '',
      'dvc.yaml': [
        'stages:',
        '  lines:',
        '    wdir: sub',
        '    cmd: |',
        '      cd inner',
        '      pwd > ../lines.txt',
        '    outs: [../lines.txt]',
        '  items:',
        '    cmd:',
        '      - echo first > items.txt',
        '      - echo "$DVC_STAGE in $DVC_ROOT" >> items.txt',
        '    outs: [items.txt]',
      ].join('\n'),
    })
    await repro(root)
    expect((await read(root, 'lines.txt')).trim()).toBe(path.join(root, 'sub'))
    expect(await read(root, 'items.txt')).toBe(`first\nitems in ${root}\n`)
    expect(await read(root, 'dvc.lock')).toContain('    cmd: "cd inner\\npwd > ../lines.txt\\n"\n')
    expect(await read(root, 'dvc.lock')).toContain('    cmd:\n    - echo first > items.txt\n')
  })

  it('hands each command line to an injected runner with the stage, its folder and DVC_ROOT/DVC_STAGE', async () => {
    const root = await project()
    const calls: string[] = []
    const runner: StageRunner = async (line, ctx) => {
      calls.push(`${ctx.stage}|${path.relative(root, ctx.cwd) || '.'}|${ctx.env.DVC_STAGE}|${ctx.env.DVC_ROOT === root}|${line}`)
      await quietRunner(line, ctx)
    }
    await repro(root, {runner})
    expect(calls).toEqual([
      'prepare|.|prepare|true|mkdir -p data && cp raw.txt data/clean.txt',
      'train|.|train|true|cat data/clean.txt > model.txt && echo 0.1 >> model.txt',
      'evaluate|.|evaluate|true|printf 1 > metrics.json',
    ])
  })

  it('runs foreach/matrix stages under their generated names', async () => {
    const root = tempDir()
    await writeFiles(root, {'dvc.yaml': 'stages:\n  build:\n    foreach: [a, b]\n    do:\n      cmd: echo ${item} > ${item}.txt\n      outs: ["${item}.txt"]\n'})
    const result = await repro(root)
    expect(statuses(result)).toEqual({'build@a': 'ran', 'build@b': 'ran'})
    expect(await read(root, 'dvc.lock')).toMatch(/\n {2}build@a:\n {4}cmd: echo a > a\.txt\n[\s\S]*\n {2}build@b:\n/)
    expect(await read(root, 'b.txt')).toBe('b\n')
  })

  it('runs only the targets and their upstream stages', async () => {
    const root = await project()
    expect(statuses(await repro(root, {targets: ['train']}))).toEqual({prepare: 'ran', train: 'ran'})
    expect(statuses(await repro(root, {targets: ['prepare'], downstream: true, force: true}))).toEqual({prepare: 'ran', train: 'ran', evaluate: 'ran'})
    await expect(repro(root, {targets: ['nope']})).rejects.toThrow("unknown stage 'nope'")
  })
})

describe('reproduce: failures', () => {
  it('keeps the previous outputs and lock entry of a failed stage, removes its partial outputs, and stops', async () => {
    const root = await project()
    await repro(root)
    const lock = await read(root, 'dvc.lock')
    await writeFile(
      path.join(root, 'dvc.yaml'),
      PIPELINE.replace('cmd: cat data/clean.txt > model.txt && echo ${train.lr} >> model.txt', 'cmd: echo partial > model.txt && echo new > extra.txt && exit 3').replace(
        '      - model.txt\n  evaluate',
        '      - model.txt\n      - extra.txt\n  evaluate',
      ),
    )
    const error = await repro(root).catch((error_: unknown) => error_)
    expect(error).toBeInstanceOf(StageFailedError)
    const failure = error as StageFailedError
    expect(failure.message).toBe(
      "stage 'train' failed: `echo partial > model.txt && echo new > extra.txt && exit 3` exited with status 3; its previous outputs and dvc.lock entry are kept",
    )
    expect(failure.exitCode).toBe(4)
    expect(failure.data).toMatchObject({stage: 'train', exitStatus: 3})
    expect(failure.result.stages.map(s => [s.name, s.status])).toEqual([
      ['prepare', 'skipped'],
      ['train', 'failed'],
      ['evaluate', 'not-run'],
    ])
    expect(await read(root, 'model.txt')).toBe('foo0.1\n')
    expect(await exists(path.join(root, 'extra.txt'))).toBe(false)
    expect(await read(root, 'dvc.lock')).toBe(lock)
    expect(await exists(path.join(root, '.dvc/tmp/sentiops-repro.lock'))).toBe(false)
  })

  it('fails a stage that did not create an output, keeping the old one', async () => {
    const root = tempDir()
    await writeFiles(root, {'dvc.yaml': 'stages:\n  s:\n    cmd: echo one > out.txt\n    outs: [out.txt]\n'})
    await repro(root)
    await writeFiles(root, {'dvc.yaml': 'stages:\n  s:\n    cmd: "true"\n    outs: [out.txt]\n'})
    await expect(repro(root)).rejects.toThrow("stage 's' failed: stage 's' did not produce its output 'out.txt'")
    expect(await read(root, 'out.txt')).toBe('one\n')
  })

  it('refuses to start a stage whose dep or param is missing, touching nothing', async () => {
    const root = await project()
    await rm(path.join(root, 'raw.txt'))
    await expect(repro(root)).rejects.toThrow("stage 'prepare' failed: dependency 'raw.txt' of stage 'prepare' does not exist")
    await writeFile(path.join(root, 'raw.txt'), 'foo')
    await writeFile(path.join(root, 'params.yaml'), 'train: {lr: 0.1, epochs: 2}\n')
    await expect(repro(root)).rejects.toThrow("params 'prepare.lower' of stage 'prepare' are missing from 'params.yaml'")
    expect(await exists(path.join(root, 'data'))).toBe(false)
  })

  it('puts back the outputs a killed run had moved aside', async () => {
    const root = await project()
    await repro(root)
    // A run that died mid-stage: outputs moved aside, a partial output written, no cleanup.
    await OutputBackup.create(root, 'train', [{abs: path.join(root, 'model.txt'), persist: false}])
    await writeFile(path.join(root, 'model.txt'), 'partial')
    const dir = (await readdir(path.join(root, '.dvc/tmp/sentiops'))).find(name => name.startsWith('backup-'))!
    const manifestFile = path.join(root, '.dvc/tmp/sentiops', dir, 'manifest.json')
    const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as {pid: number}
    // Written by another (dead) process: pid_max on Linux is at most 2^22.
    await writeFile(manifestFile, JSON.stringify({...manifest, pid: 2 ** 22 + 1}))
    const reporter = recordingReporter()
    const result = await repro(root, {reporter})
    expect(reporter.lines).toContain("warn: restored the previous outputs of stage 'train', left by an interrupted run")
    expect(statuses(result)).toEqual({prepare: 'skipped', train: 'skipped', evaluate: 'skipped'})
    expect(await read(root, 'model.txt')).toBe('foo0.1\n')
  })

  it('refuses to run while another live run holds the repository lock', async () => {
    const root = await project({'.dvc/config': '', '.dvc/tmp/sentiops-repro.lock': String(process.ppid)})
    await expect(repro(root)).rejects.toThrow(`another sentiops repro (pid ${process.ppid}) is running`)
    await writeFile(path.join(root, '.dvc/tmp/sentiops-repro.lock'), String(2 ** 22 + 1))
    expect(statuses(await repro(root))).toEqual({prepare: 'ran', train: 'ran', evaluate: 'ran'})
  })
})

describe('reproduce: dry run', () => {
  it('runs and writes nothing, not even .dvc/, and explains what would run', async () => {
    const root = await project()
    const before = await snapshot(root)
    const result = await repro(root, {dryRun: true})
    expect(await snapshot(root)).toEqual(before)
    expect(result.stages.map(s => [s.name, s.willRun, s.status])).toEqual([
      ['prepare', true, 'not-run'],
      ['train', true, 'not-run'],
      ['evaluate', true, 'not-run'],
    ])
  })

  it('names the changed dep or param, and the inputs an upstream stage would rebuild', async () => {
    const root = await project()
    await repro(root)
    await writeFile(path.join(root, 'raw.txt'), 'bar')
    const before = await snapshot(root)
    const result = await repro(root, {dryRun: true})
    expect(await snapshot(root)).toEqual(before)
    expect(result.stages.map(s => [s.name, s.willRun, s.reasons])).toEqual([
      ['prepare', true, ['dep raw.txt modified']],
      ['train', true, ["dep data is rebuilt by stage 'prepare'"]],
      ['evaluate', true, ["dep model.txt is rebuilt by stage 'train'"]],
    ])
  })
})

describe('reproduce: agreement with real DVC', () => {
  it('finds a repository that DVC 3 ran (its dvc.lock and cache objects) up to date', async () => {
    const root = await project()
    // What `dvc repro` leaves behind: the workspace, dvc.lock, and the cache objects of cached outputs.
    await writeFiles(root, {
      'data/clean.txt': 'foo',
      'model.txt': 'foo0.1\n',
      'metrics.json': '1',
      'dvc.lock': EXPECTED_LOCK,
      '.dvc/config': '',
      '.dvc/cache/files/md5/c7/241f866708e58a899daea6882f1f66.dir': '[{"md5": "acbd18db4cc2f85cedef654fccc4a4d8", "relpath": "clean.txt"}]',
      '.dvc/cache/files/md5/ac/bd18db4cc2f85cedef654fccc4a4d8': 'foo',
      '.dvc/cache/files/md5/ac/b3549f4d72d5b43356a404cfd7e049': 'foo0.1\n',
    })
    const result = await repro(root)
    expect(statuses(result)).toEqual({prepare: 'skipped', train: 'skipped', evaluate: 'skipped'})
    expect(await read(root, 'dvc.lock')).toBe(EXPECTED_LOCK)
  })

  it('treats DVC 2 entries (no `hash: md5`) as needing a DVC 3 hash', async () => {
    const root = await project()
    await repro(root)
    await writeFile(path.join(root, 'dvc.lock'), EXPECTED_LOCK.replace('    - path: raw.txt\n      hash: md5\n', '    - path: raw.txt\n'))
    expect(reasons(await repro(root, {dryRun: true}), 'prepare')).toEqual(['dep raw.txt was hashed by DVC 2 (md5-dos2unix) and needs a DVC 3 hash'])
  })

  it('runs commands the way DVC does: $SHELL -c, bash and zsh without rc files, /bin/sh when SHELL is unset', () => {
    expect(shellInvocation('echo hi', {SHELL: '/bin/bash'})).toEqual({file: '/bin/bash', args: ['--noprofile', '--norc', '-c', 'echo hi']})
    expect(shellInvocation('echo hi', {SHELL: '/usr/bin/zsh'})).toEqual({file: '/usr/bin/zsh', args: ['--no-rcs', '-c', 'echo hi']})
    expect(shellInvocation('echo hi', {SHELL: '/bin/dash'})).toEqual({file: '/bin/dash', args: ['-c', 'echo hi']})
    expect(shellInvocation('echo hi', {})).toEqual({file: '/bin/sh', args: ['-c', 'echo hi']})
  })
})
