import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {loadShipSettings, validateCloudConfig} from '../../src/core/cloud/config.js'
import {confirmDestruction} from '../../src/core/cloud/confirm.js'
import {Ledger} from '../../src/core/cloud/ledger.js'
import {ConfigError, ExternalError, UsageError, UserError} from '../../src/core/errors.js'
import {formatCommand, maskSecrets, runCommand} from '../../src/core/exec.js'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'sentiops-cloudcfg-'))
})
afterEach(async () => {
  await rm(dir, {recursive: true, force: true})
})

describe('cloud settings (the cloud: section of params.yaml)', () => {
  it('defaults fill every key', () => {
    const cloud = validateCloudConfig({})
    expect(cloud.region).toBe('us-east-1')
    expect(cloud.image).toEqual({repository: 'sentiops', base_image: 'node:20-bookworm-slim', builder: 'docker', model_source: 'baked', uid: 1000, platform: 'linux/amd64'})
    expect(cloud.ecr).toEqual({scan_on_push: true, immutable_tags: true, keep_images: 10, registry_host: ''})
    expect(cloud.deploy.env).toEqual({LOG_LEVEL: 'info'})
  })

  it('reads params.yaml once: stage params validated as usual, cloud validated here, --set and SENTIOPS__ env apply to both', async () => {
    await writeFile(path.join(dir, 'params.yaml'), 'serve:\n  port: 9000\ncloud:\n  region: eu-west-1\n  deploy:\n    replicas: 3\n')
    const settings = await loadShipSettings({cwd: dir, overrides: ['cloud.cluster.max_size=5', 'serve.grace_period_ms=4000'], env: {SENTIOPS__CLOUD__IMAGE__REPOSITORY: 'team/sentiops'}})
    expect(settings.params.serve.port).toBe(9000)
    expect(settings.params.serve.grace_period_ms).toBe(4000)
    expect(settings.cloud.region).toBe('eu-west-1')
    expect(settings.cloud.deploy.replicas).toBe(3)
    expect(settings.cloud.cluster.max_size).toBe(5)
    expect(settings.cloud.image.repository).toBe('team/sentiops')
    expect(settings.file).toBe(path.join(dir, 'params.yaml'))
  })

  it('a bad value names the key path and the file', async () => {
    await writeFile(path.join(dir, 'params.yaml'), 'cloud:\n  deploy:\n    replicas: two\n')
    await expect(loadShipSettings({cwd: dir, env: {}})).rejects.toThrow(ConfigError)
    await expect(loadShipSettings({cwd: dir, env: {}})).rejects.toThrow('params.yaml: cloud.deploy.replicas = "two" must be a whole number')
    await writeFile(path.join(dir, 'params.yaml'), 'cloud:\n  image:\n    builder: podman\n')
    await expect(loadShipSettings({cwd: dir, env: {}})).rejects.toThrow('params.yaml: cloud.image.builder = "podman" is not allowed; allowed values: docker, buildah')
    await writeFile(path.join(dir, 'params.yaml'), 'cloud:\n  clustr: {}\n')
    await expect(loadShipSettings({cwd: dir, env: {}})).rejects.toThrow('params.yaml: unknown key cloud.clustr')
    await writeFile(path.join(dir, 'params.yaml'), 'cloud:\n  region: [\n')
    await expect(loadShipSettings({cwd: dir, env: {}})).rejects.toThrow(/params\.yaml:\d+: not valid YAML/)
  })

  it('cross-field rules: node group sizes, replicas vs the disruption budget, registry mode needs a tracking URI', () => {
    expect(() => validateCloudConfig({cluster: {min_size: 3, desired_size: 2}})).toThrow(/min_size ≤ desired_size ≤ max_size \(got 3 ≤ 2 ≤ 3\)/)
    expect(() => validateCloudConfig({deploy: {min_replicas: 2, min_available: 2}})).toThrow(/cloud\.deploy\.min_available = 2 must be below cloud\.deploy\.min_replicas = 2/)
    expect(() => validateCloudConfig({image: {model_source: 'registry'}})).toThrow(/needs cloud\.deploy\.mlflow_tracking_uri/)
    expect(validateCloudConfig({image: {model_source: 'registry'}, deploy: {mlflow_tracking_uri: 'https://mlflow.example.com'}}).image.model_source).toBe('registry')
    // Without the HPA the fixed count is the floor the disruption budget must stay below.
    expect(() => validateCloudConfig({deploy: {autoscale: false, replicas: 1, min_available: 1}})).toThrow(/cloud\.deploy\.min_available = 1 must be below cloud\.deploy\.replicas = 1/)
  })

  it('a tracking URI with credentials in params (params.yaml or --set) is refused without echoing them, pointing to secret_env', async () => {
    for (const uri of ['https://alice:pl4nted-pw@mlflow.example.com', 'https://mlflow.example.com/?X-Amz-Signature=pl4nted-pw', 'https://mlflow.example.com/?token=pl4nted-pw']) {
      const error = (() => {
        try {
          validateCloudConfig({deploy: {mlflow_tracking_uri: uri}})
        } catch (e) {
          return e as ConfigError
        }
      })()
      expect(error, uri).toBeInstanceOf(ConfigError)
      expect(error!.message).toMatch(/^params: cloud\.deploy\.mlflow_tracking_uri = \S+ carries .*; credentials never go in params/)
      expect(error!.message).not.toContain('pl4nted-pw')
      expect(error!.suggestions.join(' ')).toMatch(/cloud\.deploy\.secret_env/)
    }
    await writeFile(path.join(dir, 'params.yaml'), 'cloud: {}\n')
    const refused = await loadShipSettings({cwd: dir, env: {}, overrides: ['cloud.deploy.mlflow_tracking_uri=https://bob:pl4nted-pw@mlflow.example.com']}).catch(e => e)
    expect(refused).toBeInstanceOf(ConfigError)
    expect(JSON.stringify({message: refused.message, data: refused.data, suggestions: refused.suggestions})).not.toContain('pl4nted-pw')
  })
})

describe('the execa wrapper', () => {
  it('masks secrets in the shown command line and in --password=... arguments', () => {
    expect(formatCommand('docker', ['login', '-p', 's3cr3t', 'host'], ['s3cr3t'])).toBe('docker login -p *** host')
    expect(maskSecrets('curl --password=hunter2 x', [])).toBe('curl --password=*** x')
    expect(formatCommand('echo', ['two words', "it's"])).toBe(`echo 'two words' 'it'\\''s'`)
  })

  it('a failing command becomes one ExternalError line with the command and the stderr tail, secrets masked', async () => {
    const error = await runCommand('sh', ['-c', 'echo starting; echo "token hunter2 rejected" >&2; exit 3', 'hunter2'], {secrets: ['hunter2']}).catch(e => e)
    expect(error).toBeInstanceOf(ExternalError)
    expect(error.exitCode).toBe(4)
    expect(error.message).toBe("`sh -c 'echo starting; echo \"token *** rejected\" >&2; exit 3' ***` failed (exit 3): token *** rejected")
    expect(error.data.stderrTail).not.toContain('hunter2')
  })

  it('a missing program names itself and the hint; output lines stream to the debug channel', async () => {
    const missing = await runCommand('sentiops-no-such-tool', ['x'], {missingHint: 'install it'}).catch(e => e)
    expect(missing).toBeInstanceOf(ExternalError)
    expect(missing.message).toBe('sentiops-no-such-tool not found on PATH (needed to run: sentiops-no-such-tool x)')
    expect(missing.suggestions).toEqual(['install it'])
    const debug: string[] = []
    const ok = await runCommand('sh', ['-c', 'echo one; echo two >&2'], {reporter: {info() {}, warn() {}, progress() {}, debug: m => debug.push(m)}})
    expect(ok.stdout).toBe('one')
    expect(debug).toEqual(["$ sh -c 'echo one; echo two >&2'", '  one', '  ! two'])
  })

  it('stdin input reaches the program and is never shown', async () => {
    const debug: string[] = []
    const result = await runCommand('cat', [], {input: 'the-password', reporter: {info() {}, warn() {}, progress() {}, debug: m => debug.push(m)}, secrets: ['the-password']})
    expect(result.stdout).toBe('the-password')
    expect(debug.join('\n')).not.toContain('the-password')
  })

  it('a command that runs too long is stopped with a timeout error', async () => {
    await expect(runCommand('sleep', ['5'], {timeoutMs: 200})).rejects.toThrow('sleep 5 timed out after 0.2 s')
  })
})

describe('the ledger', () => {
  it('records intent before creation and confirmation after, survives reopening, and forgets verified deletions', async () => {
    const file = path.join(dir, '.sentiops', 'state.json')
    const ledger = await Ledger.open(file, 'sentiops', () => new Date('2026-01-02T03:04:05Z'))
    await ledger.intend({type: 'ecr-repository', region: 'us-east-1', name: 'sentiops'})
    expect((await Ledger.open(file, 'sentiops')).entries).toEqual([{type: 'ecr-repository', region: 'us-east-1', name: 'sentiops', state: 'pending', createdAt: '2026-01-02T03:04:05.000Z'}])
    await ledger.confirm({type: 'ecr-repository', region: 'us-east-1', name: 'sentiops'})
    await ledger.confirm({type: 'ecr-image', region: 'us-east-1', repository: 'sentiops', tag: 'abc', digest: 'sha256:1'})
    const reopened = await Ledger.open(file, 'sentiops')
    expect(reopened.entries.map(e => e.state)).toEqual(['created', 'created'])
    await reopened.remove({type: 'ecr-repository', region: 'us-east-1', name: 'sentiops'})
    expect((await Ledger.open(file, 'sentiops')).entries.map(e => e.type)).toEqual(['ecr-image'])
    expect(JSON.parse(await readFile(file, 'utf8')).format).toBe('sentiops-ledger')
  })

  it('a corrupt ledger is refused with the file name rather than treated as empty', async () => {
    const file = path.join(dir, 'state.json')
    await writeFile(file, '{"format": "sentiops-ledger", "version": 1, "entries": [')
    await expect(Ledger.open(file, 'sentiops')).rejects.toThrow(UserError)
    await expect(Ledger.open(file, 'sentiops')).rejects.toThrow(`${file}: the ledger is not valid JSON`)
  })
})

describe('confirmation of destructive commands', () => {
  const base = {expected: 'prod-cluster', action: 'delete everything', yes: false}

  it('--yes or the right --confirm go ahead; a wrong --confirm is a usage error', async () => {
    await expect(confirmDestruction({...base, yes: true})).resolves.toBeUndefined()
    await expect(confirmDestruction({...base, confirm: 'prod-cluster'})).resolves.toBeUndefined()
    await expect(confirmDestruction({...base, confirm: 'staging'})).rejects.toThrow(UsageError)
  })

  it('without a terminal it refuses instead of waiting; at a prompt only the exact name passes', async () => {
    const refused = await confirmDestruction(base).catch(e => e)
    expect(refused).toBeInstanceOf(UserError)
    expect(refused.message).toMatch(/^refusing to delete everything without confirmation: there is no terminal/)
    expect(refused.suggestions).toEqual(['pass --confirm prod-cluster (or --yes) to go ahead'])
    await expect(confirmDestruction({...base, ask: async () => 'prod-cluster\n'})).resolves.toBeUndefined()
    await expect(confirmDestruction({...base, ask: async () => 'y'})).rejects.toThrow(/did not match prod-cluster/)
  })
})
