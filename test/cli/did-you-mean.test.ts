import {spawnSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {describe, expect, it} from 'vitest'
import {editDistance, closest} from '../../src/cli/did-you-mean.js'
import {BIN, ROOT} from '../support/cli.js'

/** The real binary with stdin closed (as in CI); a hang is killed after 30 s and shows up as a null status. */
function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {cwd: ROOT, env: {...process.env, ...env}, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 30_000})
  return {code: r.status, stdout: r.stdout, stderr: r.stderr}
}

describe('edit distance (hand-computed)', () => {
  it('counts a swap of neighbours as one edit (optimal string alignment)', () => {
    expect(editDistance('trian', 'train')).toBe(1)
    expect(editDistance('kitten', 'sitting')).toBe(3)
    expect(editDistance('', 'abc')).toBe(3)
    // OSA does not edit a substring twice: CA → ABC is 3 here (true Damerau-Levenshtein would say 2).
    expect(editDistance('ca', 'abc')).toBe(3)
  })

  it('suggests only a close candidate', () => {
    expect(closest('trian', ['train', 'predict', 'serve'])).toBe('train')
    expect(closest('xyzzyplugh', ['train', 'predict', 'serve'])).toBeUndefined()
  })
})

describe('"did you mean" through the real binary', () => {
  it('a mistyped command suggests the command, exits 2 (usage), with stdin closed', () => {
    const r = run(['trian'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('"trian" is not a sentiops command. Did you mean "train"?')
    expect(r.stdout).toBe('')
  })

  it('a mistyped subcommand suggests it with the space separator', () => {
    const r = run(['models', 'shwo'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('Did you mean "models show"?')
  })

  it('a word far from every command gets no suggestion, only the pointer to --help', () => {
    const r = run(['xyzzyplugh'])
    expect(r.code).toBe(2)
    expect(r.stderr).not.toMatch(/Did you mean/)
    expect(r.stderr).toContain('sentiops --help')
  })

  it('--json: one error object on stdout carrying the suggestion', () => {
    const r = run(['trian', '--json'])
    expect(r.code).toBe(2)
    expect(JSON.parse(r.stdout)).toEqual({
      status: 'error',
      error: {name: 'CommandNotFound', code: 'COMMAND_NOT_FOUND', exitCode: 2, message: '"trian" is not a sentiops command. Did you mean "train"?', suggestions: ['sentiops train']},
      warnings: [],
    })
  })

  const script = existsSync('/usr/bin/script')
  it.skipIf(!script)(`on a terminal it prints the suggestion instead of asking (Y/n) and running it${script ? '' : ' [skipped: util-linux script is not installed]'}`, () => {
    // util-linux `script` gives the CLI a pseudo-terminal as stdin and stdout.
    const r = spawnSync('script', ['-qec', `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} teardwn`, '/dev/null'], {cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 30_000})
    expect(r.status).toBe(2)
    expect(r.stdout).toContain('Did you mean "teardown"?')
    expect(r.stdout).not.toMatch(/\(Y\/n\)/)
  })

  it('a mistyped command with --help gets the suggestion too', () => {
    const r = run(['models', 'shwo', '--help'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('Command models shwo not found. Did you mean "models show"?')
  })

  it('a mistyped flag suggests the flag of that command', () => {
    const r = run(['train', '--algoritm', 'mnb'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/^Error: Nonexistent flag: --algoritm \(did you mean --algorithm\?\)$/m)
  })

  it('several mistyped flags (with =value) each get theirs, in --json too', () => {
    const r = run(['train', '--algoritm=mnb', '--modle-dir=x', '--json'])
    expect(r.code).toBe(2)
    const out = JSON.parse(r.stdout) as {error: {exitCode: number; message: string}}
    expect(out.error.exitCode).toBe(2)
    expect(out.error.message).toContain('did you mean --algorithm for --algoritm, --model-dir for --modle-dir?')
  })

  it('a base flag (--verbose) is suggested as well', () => {
    const r = run(['predict', '--verbos'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('(did you mean --verbose?)')
  })
})
