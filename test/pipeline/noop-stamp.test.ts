import {existsSync} from 'node:fs'
import {chmod, mkdir, readFile, rm, stat, utimes, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {describe, expect, it} from 'vitest'
import {reproUpToDate, reproduce, type ReproResult, type ReproduceOptions} from '../../src/core/pipeline/index.js'
import {STAMP_FILE} from '../../src/core/pipeline/noop-stamp.js'
import {PREPARE_TRAIN, PREPARE_TRAIN_PARAMS} from './fixtures.js'
import {quietRunner, recordingReporter, tempDir, writeFiles} from './helpers.js'

const PIPELINE = PREPARE_TRAIN
const PARAMS = PREPARE_TRAIN_PARAMS

// The racy-write margin is 0 here (the tests change files between runs, never during one); a short pause makes
// sure the files written by one run are older than the next check's start on the wall clock.
const options: Partial<ReproduceOptions> = {runner: quietRunner, racyNs: 0n}

async function repro(root: string, extra: Partial<ReproduceOptions> = {}): Promise<ReproResult> {
  await sleep(20)
  return reproduce({cwd: root, ...options, ...extra})
}

/** A project whose pipeline ran, then was found up to date by a full check, then by the stamp. */
async function stamped(extra: Partial<ReproduceOptions> = {}): Promise<string> {
  const root = tempDir()
  await writeFiles(root, {'dvc.yaml': PIPELINE, 'params.yaml': PARAMS, 'raw.txt': 'foo'})
  await repro(root, extra)
  expect((await repro(root, extra)).fastCheck).toBeUndefined()
  expect((await repro(root, extra)).fastCheck).toBe(true)
  return root
}

function ran(result: ReproResult): Record<string, string[]> {
  return Object.fromEntries(result.stages.filter(s => s.status === 'ran').map(s => [s.name, s.reasons]))
}

describe('repro: the no-op stamp', () => {
  it('skips a no-op run by stat alone, printing the skip lines and result of the full check', async () => {
    const root = tempDir()
    await writeFiles(root, {'dvc.yaml': PIPELINE, 'params.yaml': PARAMS, 'raw.txt': 'foo'})
    await repro(root)
    const full = recordingReporter()
    const checked = await repro(root, {reporter: full})
    const fast = recordingReporter()
    const stampedRun = await repro(root, {reporter: fast})
    expect(checked.fastCheck).toBeUndefined()
    expect(stampedRun.fastCheck).toBe(true)
    expect(fast.lines).toEqual(["info: Stage 'prepare' didn't change, skipping", "info: Stage 'train' didn't change, skipping"])
    expect(fast.lines).toEqual(full.lines)
    expect(stampedRun.stages).toEqual(checked.stages)
  })

  it('sees a dep edited in place to the same size with its mtime put back (a same-tick write)', async () => {
    const root = await stamped()
    const file = path.join(root, 'raw.txt')
    const before = await stat(file)
    await writeFile(file, 'bar')
    await utimes(file, before.atime, before.mtime)
    expect(ran(await repro(root))).toEqual({prepare: ['dep raw.txt modified'], train: ['dep data modified']})
  })

  it('sees a changed param, a changed dvc.yaml and a different --set', async () => {
    const root = await stamped()
    await writeFile(path.join(root, 'params.yaml'), PARAMS.replace('lr: 0.1', 'lr: 0.3'))
    expect(ran(await repro(root))).toEqual({train: ['cmd changed', 'param train.lr modified: 0.1 -> 0.3']})
    await repro(root)
    expect((await repro(root)).fastCheck).toBe(true)
    await writeFile(path.join(root, 'dvc.yaml'), PIPELINE.replace('cp raw.txt', 'cp -p raw.txt'))
    expect(ran(await repro(root))).toEqual({prepare: ['cmd changed']})
    await repro(root)
    expect((await repro(root)).fastCheck).toBe(true)
    expect(ran(await repro(root, {paramOverrides: ['train.lr=0.5']}))).toEqual({train: ['cmd changed', 'param train.lr modified: 0.3 -> 0.5']})
  })

  it('sees a deleted output, a file added to an output folder, and an output missing from the cache', async () => {
    const root = await stamped()
    await rm(path.join(root, 'model.txt'))
    expect(ran(await repro(root))).toEqual({train: ['out model.txt deleted']})
    await repro(root)
    expect((await repro(root)).fastCheck).toBe(true)
    await writeFile(path.join(root, 'data', 'extra.txt'), 'x')
    expect(ran(await repro(root))).toEqual({prepare: ['out data modified']})
    await repro(root)
    expect((await repro(root)).fastCheck).toBe(true)
    // The cache object of model.txt, as dvc.lock names it.
    const md5 = /model\.txt\n\s+hash: md5\n\s+md5: ([0-9a-f]{32})/.exec(await readFile(path.join(root, 'dvc.lock'), 'utf8'))![1]!
    const object = path.join(root, '.dvc/cache/files/md5', md5.slice(0, 2), md5.slice(2))
    await chmod(object, 0o644)
    await rm(object)
    expect(ran(await repro(root))).toEqual({train: ['out model.txt not in cache']})
  })

  it('sees a new .dvcignore above a dep', async () => {
    const root = await stamped()
    await writeFile(path.join(root, '.dvcignore'), 'raw.txt\n')
    await expect(repro(root)).rejects.toThrow("'raw.txt' is ignored by .dvcignore")
  })

  it('is not used for other targets, with --force, or while a killed run left backups', async () => {
    const root = await stamped()
    expect((await repro(root, {targets: ['prepare']})).fastCheck).toBeUndefined()
    expect((await repro(root)).fastCheck).toBeUndefined()
    expect((await repro(root)).fastCheck).toBe(true)
    expect(ran(await repro(root, {force: true}))).toEqual({prepare: ['forced'], train: ['forced']})
    await repro(root)
    expect((await repro(root)).fastCheck).toBe(true)
    await mkdir(path.join(root, '.dvc/tmp/sentiops/backup-1-abcd'), {recursive: true})
    expect((await repro(root)).fastCheck).toBeUndefined()
  })

  it('answers reproUpToDate (what a command asks before loading params) with the extra kept at the full check', async () => {
    const extra = {modelDir: 'model.txt'}
    const root = await stamped({stampExtra: extra})
    const reporter = recordingReporter()
    const quick = reproUpToDate({cwd: root, reporter})
    expect(quick?.extra).toEqual(extra)
    expect(quick?.stages.map(s => [s.name, s.status])).toEqual([['prepare', 'skipped'], ['train', 'skipped']])
    expect(reporter.lines).toEqual(["info: Stage 'prepare' didn't change, skipping", "info: Stage 'train' didn't change, skipping"])
    expect(reproUpToDate({cwd: root, paramOverrides: ['train.lr=0.2']})).toBeUndefined()
    await writeFile(path.join(root, 'params.yaml'), PARAMS.replace('lower: 1', 'lower: 2'))
    expect(reproUpToDate({cwd: root})).toBeUndefined()
  })

  it('writes no stamp when a file changed within the racy-write margin before the check', async () => {
    const root = tempDir()
    await writeFiles(root, {'dvc.yaml': PIPELINE, 'params.yaml': PARAMS, 'raw.txt': 'foo'})
    await reproduce({cwd: root, runner: quietRunner})
    // Everything was written within the last two seconds: the full check is done again each time.
    const second = await reproduce({cwd: root, runner: quietRunner})
    expect(second.stages.map(s => s.status)).toEqual(['skipped', 'skipped'])
    expect(existsSync(path.join(root, STAMP_FILE))).toBe(false)
    expect((await reproduce({cwd: root, runner: quietRunner})).fastCheck).toBeUndefined()
  })
})
