import {execFileSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {cp, readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {ROOT, sentiops, tempProject, type CliResult} from '../support/cli.js'

/** NODE_DEBUG=module logs every CommonJS file Node loads, on stderr. */
const loadsOclifModules = (stderr: string): boolean => /load "[^"]*node_modules\/@oclif\/core\/lib\//.test(stderr)
const withoutDebug = (stderr: string): string => stderr.split('\n').filter(l => !/^MODULE \d+:/.test(l)).join('\n')
const BUNDLED = existsSync(path.join(ROOT, 'dist/bundle/run.js'))

/** The same command through dist/bundle/run.js and through oclif's own loading of dist/commands, each in a fresh copy of `setup`. */
async function both(args: string[], setup?: (dir: string) => Promise<void>): Promise<{bundled: CliResult; plain: CliResult}> {
  const run = async (env: NodeJS.ProcessEnv) => {
    const cwd = await tempProject('sentiops-bundle-')
    await setup?.(cwd)
    const r = sentiops(args, {cwd, env: {NODE_DEBUG: 'module', ...env}})
    // Process ids differ between runs (`(node:1234) Warning: ...`).
    const same = (text: string) => text.replaceAll(cwd, '<cwd>').replaceAll(/\(node:\d+\)/g, '(node)')
    return {...r, stdout: same(r.stdout), stderr: same(r.stderr)}
  }
  const bundled = await run({})
  const plain = await run({SENTIOPS_NO_BUNDLE: '1'})
  expect(loadsOclifModules(plain.stderr)).toBe(true)
  expect(loadsOclifModules(bundled.stderr), 'the bundled run loaded @oclif/core from node_modules').toBe(false)
  return {bundled: {...bundled, stderr: withoutDebug(bundled.stderr)}, plain: {...plain, stderr: withoutDebug(plain.stderr)}}
}

const pipelineFiles = async (dir: string) => {
  await cp(path.join(ROOT, 'params.yaml'), path.join(dir, 'params.yaml'))
  await cp(path.join(ROOT, 'dvc.yaml'), path.join(dir, 'dvc.yaml'))
}

describe('the bundled CLI (dist/bundle) behaves as oclif loading dist/commands', () => {
  beforeAll(() => {
    expect(BUNDLED, 'dist/bundle/run.js is built by npm run build').toBe(true)
  })

  const cases: Array<{name: string; args: string[]; code: number; setup?: (dir: string) => Promise<void>; out?: RegExp}> = [
    {name: '--version', args: ['--version'], code: 0, out: /^sentiops\/\d+\.\d+\.\d+ /},
    {name: 'an unknown command (command_not_found hook)', args: ['trian'], code: 2},
    {name: 'an unknown command with --json', args: ['trian', '--json'], code: 2, out: /"COMMAND_NOT_FOUND"/},
    {name: 'a topic without a command (help class)', args: ['models'], code: 0, out: /models list/},
    {name: 'an unknown flag', args: ['repro', '--forse'], code: 2},
    {name: 'a missing flag value', args: ['predict', '--text'], code: 2},
    {name: 'repro --dry-run in an empty folder (writes the default pipeline)', args: ['repro', '--dry-run'], code: 0, out: /would run\s+ingest/},
    {name: 'repro --dry-run --json', args: ['repro', '--dry-run', '--json'], code: 0, setup: pipelineFiles, out: /"status": "ok"/},
    {
      name: 'a dvc.yaml with an unknown stage key (generated schema validator)',
      args: ['repro', '--dry-run'],
      code: 1,
      setup: async dir => {
        await pipelineFiles(dir)
        await writeFile(path.join(dir, 'dvc.yaml'), (await readFile(path.join(dir, 'dvc.yaml'), 'utf8')).replace('    cmd: sentiops train\n', '    cmd: sentiops train\n    depz: [x]\n'))
      },
    },
    {
      name: 'a bad --set value',
      args: ['repro', '--set', 'train.C=high', '--dry-run'],
      code: 1,
      setup: pipelineFiles,
    },
    {name: 'predict without a model', args: ['predict', '--text', 'a fine film', '--model', 'nope'], code: 1},
    {name: 'models list on an empty registry, --json', args: ['models', 'list', '--json'], code: 0},
    {name: 'autocomplete script (a command of @oclif/plugin-autocomplete)', args: ['autocomplete', 'script', 'bash'], code: 0},
  ]

  for (const c of cases) {
    it(`${c.name}: same stdout, stderr and exit code`, async () => {
      const {bundled, plain} = await both(c.args, c.setup)
      expect(plain.code, plain.stderr).toBe(c.code)
      expect(bundled.code).toBe(plain.code)
      expect(bundled.stdout).toBe(plain.stdout)
      expect(bundled.stderr).toBe(plain.stderr)
      if (c.out) expect(bundled.stdout).toMatch(c.out)
      if (c.code !== 0 && !c.args.includes('--json')) expect(bundled.stderr).toMatch(/^Error: /m)
    })
  }

  it('a stage error names dvc.yaml line and key with the keys allowed there (generated validator, as Ajv compiled at run time)', async () => {
    const {bundled} = await both(['repro', '--dry-run'], async dir => {
      await pipelineFiles(dir)
      await writeFile(path.join(dir, 'dvc.yaml'), 'stages:\n  s:\n    cmd: x\n    depz: [a]\n')
    })
    expect(bundled.stderr).toMatch(/^Error: dvc\.yaml:4: stages\.s\.depz: unknown key; allowed here: cmd, wdir, deps, params, outs, metrics, plots, frozen, always_changed, vars, desc, meta$/m)
  })

  it('repro runs its sentiops stages in process through the bundle: the same lock, metrics and plots as the unbundled run', async () => {
    const dirs: string[] = []
    for (const env of [{}, {SENTIOPS_NO_BUNDLE: '1'}]) {
      const cwd = await tempProject('sentiops-bundle-repro-')
      await pipelineFiles(cwd)
      const r = sentiops(['repro'], {cwd, env})
      expect(r.code, r.stderr).toBe(0)
      dirs.push(cwd)
    }
    const [a, b] = await Promise.all(dirs.map(d => readFile(path.join(d, 'reports/metrics.json'), 'utf8')))
    expect(JSON.parse(a!)).toEqual(JSON.parse(b!))
    // The model folder's hash differs run to run (the bundle records its run id and time); every other entry is equal.
    const lock = async (d: string) => (await readFile(path.join(d, 'dvc.lock'), 'utf8')).replaceAll(/(path: models\/model\n\s+hash: md5\n\s+md5: )\w+/g, '$1<model>')
    const locks = await Promise.all(dirs.map(lock))
    expect(locks[0]).toContain('md5: <model>.dir')
    expect(locks[0]).toBe(locks[1])
    // The plots come from the bundled vega/vega-lite chunk on one side and node_modules on the other.
    for (const svg of ['roc.svg', 'prc.svg', 'confusion.svg']) {
      const [x, y] = await Promise.all(dirs.map(d => readFile(path.join(d, 'reports/plots', svg), 'utf8')))
      expect(x).toMatch(/^<svg /)
      expect(x).toBe(y)
    }
  })
})

describe('V8 code cache of the help bundle (bin/code-cache.cjs)', () => {
  it.skipIf(!existsSync(path.join(ROOT, 'dist/help-fast.cjs')))('dist/help-fast.cjs.v8cache is accepted by this Node for this build of dist/help-fast.cjs', () => {
    const out = execFileSync(process.execPath, ['-e', `
      const {load} = require(${JSON.stringify(path.join(ROOT, 'bin/code-cache.cjs'))})
      const {exports, script} = load(${JSON.stringify(path.join(ROOT, 'dist/help-fast.cjs'))})
      console.log(JSON.stringify({rejected: script.cachedDataRejected, showHelp: typeof exports.showHelp}))
    `], {encoding: 'utf8'})
    expect(JSON.parse(out)).toEqual({rejected: false, showHelp: 'function'})
  })
})

describe('generated validators', () => {
  it('reading dvc.yaml does not load Ajv\'s schema compiler (unbundled, where each module load is visible)', async () => {
    const cwd = await tempProject('sentiops-bundle-ajv-')
    await pipelineFiles(cwd)
    const r = sentiops(['repro', '--dry-run'], {cwd, env: {SENTIOPS_NO_BUNDLE: '1', NODE_DEBUG: 'module'}})
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toMatch(/load "[^"]*node_modules\/@oclif\/core\/lib\//)
    expect(r.stderr).not.toMatch(/load "[^"]*node_modules\/ajv\/dist\/(compile|core)/)
  })

  it('src/core/pipeline/dvc-yaml-validator.generated.js is up to date with the dvc.yaml schema', () => {
    expect(() => execFileSync(process.execPath, ['--import', 'tsx', 'scripts/gen-dvcyaml-validator.mjs', '--check'], {cwd: ROOT, stdio: 'pipe'})).not.toThrow()
  })
})
