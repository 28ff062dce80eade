import {describe, expect, it} from 'vitest'
import {sentiops, tempProject} from '../support/cli.js'

const cwd = await tempProject('sentiops-help-fast-')
/** NODE_DEBUG=module logs every CommonJS file Node loads, on stderr. */
const loadsOclifModules = (stderr: string): boolean => /load "[^"]*node_modules\/@oclif\/core\/lib\//.test(stderr)

describe('help from the bundled dist/help-fast.cjs', () => {
  for (const args of [['--help'], [], ['predict', '--help'], ['models', 'list', '--help'], ['repro', '--set', 'a=1', '--help']]) {
    it(`sentiops ${args.join(' ') || '(no arguments)'}: the same page and exit code as oclif's own path, without loading oclif's modules`, () => {
      const fast = sentiops(args, {cwd, env: {NODE_DEBUG: 'module'}})
      const oclif = sentiops(args, {cwd, env: {SENTIOPS_NO_FAST_HELP: '1', SENTIOPS_NO_BUNDLE: '1', NODE_DEBUG: 'module'}})
      expect(fast.code).toBe(0)
      expect(fast.code).toBe(oclif.code)
      expect(fast.stdout).toBe(oclif.stdout)
      expect(fast.stdout).toContain('USAGE')
      expect(loadsOclifModules(oclif.stderr)).toBe(true)
      expect(loadsOclifModules(fast.stderr)).toBe(false)
    })
  }

  it('an unknown command with --help falls back to oclif: the same error and exit code', () => {
    const fast = sentiops(['nope', '--help'], {cwd})
    const oclif = sentiops(['nope', '--help'], {cwd, env: {SENTIOPS_NO_FAST_HELP: '1', SENTIOPS_NO_BUNDLE: '1'}})
    expect(fast.code).toBe(2)
    expect(fast.code).toBe(oclif.code)
    expect(fast.stderr).toBe(oclif.stderr)
  })

  it('a command without --help (or with --help after --) is not answered as help', () => {
    const r = sentiops(['predict', '--text', 'a fine film', '--', '--help'], {cwd, env: {SENTIOPS_NO_BUNDLE: '1', NODE_DEBUG: 'module'}})
    expect(r.stdout).not.toContain('USAGE')
    expect(loadsOclifModules(r.stderr)).toBe(true)
  })
})
