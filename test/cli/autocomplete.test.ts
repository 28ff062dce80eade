import {spawnSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {mkdir, readdir, readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {BIN, tempProject} from '../support/cli.js'

/**
 * `sentiops autocomplete` writes oclif's completion scripts into the cache directory; a real bash and a real
 * zsh then load them the way the printed instructions say and complete what a user types.
 */
describe('sentiops autocomplete', () => {
  let project: string
  let env: NodeJS.ProcessEnv

  function run(args: string[]) {
    const r = spawnSync(process.execPath, [BIN, ...args], {cwd: project, env, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 60_000})
    return {code: r.status, stdout: r.stdout, stderr: r.stderr}
  }

  beforeAll(async () => {
    const home = await tempProject('sentiops-ac-')
    project = path.join(home, 'project')
    await mkdir(project)
    env = {...process.env, HOME: home, XDG_CACHE_HOME: path.join(home, 'cache'), SHELL: '/bin/bash'}
    for (const k of Object.keys(env)) if (k.startsWith('SENTIOPS_')) delete env[k]
  })

  it('lists autocomplete in the root help, and its help says how to set it up', () => {
    expect(run(['--help']).stdout).toMatch(/^\s+autocomplete\s+Set up tab completion/m)
    const help = run(['autocomplete', '--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('printf "$(sentiops autocomplete script bash)" >> ~/.bashrc')
    expect(help.stdout).toContain('printf "$(sentiops autocomplete script zsh)" >> ~/.zshrc')
    expect(help.stdout).toMatch(/EXAMPLES/)
  })

  it('bash: prints the setup steps and writes the scripts into the cache directory, not the project', async () => {
    const r = run(['autocomplete', 'bash'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('printf "$(sentiops autocomplete script bash)" >> ~/.bashrc; source ~/.bashrc')
    expect(existsSync(path.join(env.XDG_CACHE_HOME!, 'sentiops/autocomplete/functions/bash/sentiops.bash'))).toBe(true)
    expect(await readdir(project)).toEqual([])
  })

  it('--json names the shell, the cache directory and the setup line', () => {
    const r = run(['autocomplete', 'zsh', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const {result} = JSON.parse(r.stdout) as {result: {shell: string; cacheDir: string; setup: string}}
    expect(result.shell).toBe('zsh')
    expect(result.cacheDir).toBe(path.join(env.XDG_CACHE_HOME!, 'sentiops/autocomplete'))
    expect(result.setup).toContain(path.join(result.cacheDir, 'zsh_setup'))
  })

  it('a shell other than bash or zsh is a usage error (exit 2)', () => {
    const r = run(['autocomplete', 'fish'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/Expected fish to be one of: bash, zsh/)
  })

  /** Runs bash's completion function the way bash does on <TAB>, for the text typed after the prompt. */
  function bashComplete(setup: string, typed: string): string[] {
    const script = `
      eval "$SETUP"
      spec=$(complete -p sentiops) || exit 3
      fn=\${spec#*-F }; fn=\${fn%% *}
      read -ra COMP_WORDS <<< "$TYPED"
      [[ "$TYPED" == *" " ]] && COMP_WORDS+=("")
      COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 )); COMP_LINE="$TYPED"; COMP_POINT=\${#TYPED}
      "$fn" sentiops "\${COMP_WORDS[COMP_CWORD]}" "\${COMP_WORDS[COMP_CWORD-1]}"
      printf '%s\\n' "\${COMPREPLY[@]}"`
    const r = spawnSync('bash', ['--norc', '--noprofile', '-c', script], {env: {...env, SETUP: setup, TYPED: typed}, encoding: 'utf8', timeout: 30_000})
    expect(r.status, r.stderr).toBe(0)
    return r.stdout.split('\n').filter(Boolean)
  }

  it('bash completes commands, subcommands and flags (a real bash loading the printed setup line)', () => {
    expect(run(['autocomplete', 'bash']).code).toBe(0)
    const script = run(['autocomplete', 'script', 'bash'])
    expect(script.code).toBe(0)
    expect(bashComplete(script.stdout, 'sentiops tr')).toEqual(['train'])
    expect(bashComplete(script.stdout, 'sentiops models sh')).toEqual(['show'])
    expect(bashComplete(script.stdout, 'sentiops train --alg')).toEqual(['--algorithm'])
    expect(bashComplete(script.stdout, 'sentiops ')).toEqual(expect.arrayContaining(['train', 'predict', 'autocomplete']))
  })

  const zsh = ['/usr/bin/zsh', '/bin/zsh'].find(p => existsSync(p))
  it.skipIf(!zsh)(`zsh completes commands, subcommands and flags (a real zsh on a pseudo-terminal)${zsh ? '' : ' [skipped: zsh is not installed; apt-get install zsh]'}`, async () => {
    expect(run(['autocomplete', 'zsh']).code).toBe(0)
    const setup = run(['autocomplete', 'script', 'zsh']).stdout.trim()
    // An interactive zsh on zsh/zpty: load the setup line, type the text and <TAB>, then a key bound to a widget
    // that writes the edited line ($BUFFER) to a file.
    const driver = path.join(path.dirname(project), 'complete.zsh')
    await writeFile(driver, `
zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z "PS1=''; $1"
zpty -w z "bindkey '^I' complete-word"
zpty -w z "dump-buffer() { print -r -- \\"\\$BUFFER\\" > \${(q)3}; }; zle -N dump-buffer; bindkey '^Xb' dump-buffer"
zpty -w -n z "$2"$'\\t'
zpty -w -n z $'\\C-xb'
zpty -w z $'\\nexit'
while zpty -r -t z line; do :; done
integer i
for i in {1..100}; do [[ -s $3 ]] && break; sleep 0.1; done
zpty -d z
`)
    const complete = async (typed: string, n: number) => {
      const out = path.join(path.dirname(project), `zsh-buffer-${n}`)
      const r = spawnSync('zsh', ['-f', driver, setup, typed, out], {env, encoding: 'utf8', timeout: 30_000})
      expect(r.status, r.stderr).toBe(0)
      return (await readFile(out, 'utf8')).trimEnd()
    }
    expect(await complete('sentiops tr', 1)).toBe('sentiops train')
    expect(await complete('sentiops models sh', 2)).toBe('sentiops models show')
    expect(await complete('sentiops train --alg', 3)).toBe('sentiops train --algorithm')
  })
})
