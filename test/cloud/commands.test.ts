import {mkdir, readFile, rm, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {sentiops, tempProject} from '../support/cli.js'

/** The cloud commands through the real binary: plans, --json envelopes, refusals and exit codes. */
describe('build / push / cluster / deploy / teardown commands (real CLI, dry runs and refusals)', () => {
  let project: string
  const env = {AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_EC2_METADATA_DISABLED: 'true'}

  beforeAll(async () => {
    project = await tempProject('sentiops-ship-cli-')
    await writeFile(path.join(project, 'params.yaml'), [
      'cloud:',
      '  region: eu-west-1',
      '  cluster: {name: demo}',
      '  deploy:',
      '    secret_env: [API_TOKEN]',
      '  artifacts: {bucket: demo-artifacts, prefix: sentiops/}',
      '',
    ].join('\n'))
    await mkdir(path.join(project, 'models', 'model'), {recursive: true})
    await writeFile(path.join(project, 'models', 'model', 'bundle.json'), '{}')
  })

  afterAll(async () => {
    await rm(project, {recursive: true, force: true})
  })

  function oneErrorLine(stderr: string): string {
    const lines = stderr.split('\n').filter(l => l.startsWith('Error: '))
    expect(lines, stderr).toHaveLength(1)
    return lines[0]!
  }

  it('deploy --dry-run --json: the plan and the manifests, the Secret value never printed', () => {
    const r = sentiops(['deploy', '--dry-run', '--json', '--image', '123.dkr.ecr.eu-west-1.amazonaws.com/sentiops:abc'], {cwd: project, env: {...env, API_TOKEN: 'hunter2-secret'}})
    expect(r.code, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out.status).toBe('ok')
    expect(out.result.plan.filter((s: {action: string}) => s.action === 'apply')).toHaveLength(10)
    expect(out.result.manifests.find((m: {kind: string}) => m.kind === 'Secret').data).toEqual({API_TOKEN: '***'})
    for (const stream of [r.stdout, r.stderr]) {
      expect(stream).not.toContain('hunter2-secret')
      expect(stream).not.toContain(Buffer.from('hunter2-secret').toString('base64'))
    }
  })

  it('cluster create --dry-run prints the ClusterConfig and the eksctl commands', () => {
    const r = sentiops(['cluster', 'create', '--dry-run'], {cwd: project, env})
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/kind: ClusterConfig/)
    expect(r.stdout).toMatch(/name: demo\n\s+region: eu-west-1/)
    expect(r.stdout).toMatch(/\$ eksctl create cluster --config-file \S+eksctl-demo\.yaml --timeout 40m/)
  })

  it('push --dry-run lists ECR calls and docker commands with the password masked', () => {
    const r = sentiops(['push', '--dry-run', '--image', 'sentiops:abc123'], {cwd: project, env})
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/\[aws\] ECR GetAuthorizationToken eu-west-1/)
    expect(r.stdout).toMatch(/docker --config \S+ login --username AWS --password-stdin \S+ <<< \*\*\*/)
    expect(r.stdout).toMatch(/\$ docker --config \S+ push ACCOUNT\.dkr\.ecr\.eu-west-1\.amazonaws\.com\/sentiops:abc123/)
  })

  it('build --dry-run shows the docker build command with labels and tags', () => {
    const r = sentiops(['build', '--dry-run', '--model', 'models/model', '--base-image', 'node:20.19-bookworm-slim'], {cwd: project, env})
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/\$ docker build --file \S+ --iidfile \S+ --platform linux\/amd64 --build-arg BASE_IMAGE=node:20\.19-bookworm-slim/)
    expect(r.stdout).toMatch(/--tag sentiops:sentiment-local-[0-9a-f]{12}/)
  })

  it('teardown --dry-run lists the steps; without --yes/--confirm and without a terminal it refuses and deletes nothing', async () => {
    await mkdir(path.join(project, '.sentiops'), {recursive: true})
    const ledger = {format: 'sentiops-ledger', version: 1, project: 'sentiops', entries: [
      {type: 'ecr-repository', region: 'eu-west-1', name: 'sentiops', state: 'created', createdAt: '2026-01-01T00:00:00.000Z'},
      {type: 'eks-cluster', region: 'eu-west-1', name: 'demo', state: 'created', createdAt: '2026-01-01T00:00:00.000Z'},
    ]}
    const file = path.join(project, '.sentiops', 'state.json')
    await writeFile(file, JSON.stringify(ledger))
    const dry = sentiops(['teardown', '--dry-run'], {cwd: project, env})
    expect(dry.code, dry.stderr).toBe(0)
    expect(dry.stdout.split('\n').filter(l => /^\s+\d+\./.test(l)).map(l => l.trim())).toEqual([
      '1. [command] eksctl delete cluster EKS cluster demo (eu-west-1)',
      '2. [aws] ECR DeleteRepository (force, with its images) sentiops',
      '3. [aws] S3 DeleteObjects s3://demo-artifacts/sentiops/',
    ])
    const refused = sentiops(['teardown'], {cwd: project, env})
    expect(refused.code).toBe(1)
    expect(oneErrorLine(refused.stderr)).toMatch(/^Error: refusing to delete 3 cloud resources of project sentiops \(cluster demo\) without confirmation/)
    expect(refused.stderr).toMatch(/hint: pass --confirm demo \(or --yes\)/)
    const wrong = sentiops(['teardown', '--confirm', 'prod'], {cwd: project, env})
    expect(wrong.code).toBe(2)
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(ledger)
  })

  it('deploy without an image to deploy, and a bad cloud setting: one line each, exit 1', async () => {
    const none = sentiops(['deploy'], {cwd: project, env: {...env, API_TOKEN: 'x'}})
    expect(none.code).toBe(1)
    expect(oneErrorLine(none.stderr)).toBe('Error: no image to deploy: run `sentiops push` first or pass --image REGISTRY/REPOSITORY:TAG')
    const bad = sentiops(['deploy', '--dry-run', '--image', 'x:y', '--set', 'cloud.deploy.replicas=-1'], {cwd: project, env: {...env, API_TOKEN: 'x'}})
    expect(bad.code).toBe(1)
    expect(oneErrorLine(bad.stderr)).toBe('Error: params.yaml: cloud.deploy.replicas = -1 must be >= 1')
  })
})
