import {mkdir, readFile, rm, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {CreateRepositoryCommand, DescribeRepositoriesCommand, ECRClient} from '@aws-sdk/client-ecr'
import {CreateVolumeCommand, DescribeVolumesCommand, EC2Client} from '@aws-sdk/client-ec2'
import {CreateBucketCommand, GetObjectCommand, S3Client} from '@aws-sdk/client-s3'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {validateCloudConfig} from '../../src/core/cloud/config.js'
import {openLedger} from '../../src/core/cloud/ledger.js'
import {sentiops, tempProject} from '../support/cli.js'
import {startMoto, type Service} from '../support/ship-services.js'

/** The cloud commands through the real binary: plans, --json envelopes, refusals and exit codes. */
describe('build / push / cluster / deploy / teardown commands (real CLI, dry runs and refusals; AWS APIs in moto)', () => {
  let project: string
  let moto: Service
  const env = {AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_EC2_METADATA_DISABLED: 'true'}

  beforeAll(async () => {
    moto = await startMoto()
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
    await Promise.allSettled([rm(project, {recursive: true, force: true}), moto?.stop()])
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
    // ECR is asked what each tag holds first; login and push happen only for tags it does not have yet.
    expect(r.stdout).toMatch(/\[aws\] ECR BatchGetImage sentiops:abc123\n.*\[aws\] ECR GetAuthorizationToken \(when a tag is missing\) eu-west-1/)
    expect(r.stdout).toMatch(/docker --config \S+ login --username AWS --password-stdin \S+ <<< \*\*\*/)
    expect(r.stdout).toMatch(/\$ docker --config \S+ push ACCOUNT\.dkr\.ecr\.eu-west-1\.amazonaws\.com\/sentiops:abc123/)
  })

  it('build --dry-run shows the docker build command with labels and tags', () => {
    const r = sentiops(['build', '--dry-run', '--model', 'models/model', '--base-image', 'node:20.19-bookworm-slim'], {cwd: project, env})
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/\$ docker build --file \S+ --iidfile \S+ --platform linux\/amd64 --build-arg BASE_IMAGE=node:20\.19-bookworm-slim/)
    // Tags end in the image id, which exists only after the build: the plan shows where it goes.
    expect(r.stdout).toMatch(/\$ docker tag IMAGEID sentiops:sentiment-local-[0-9a-f]{12}-IMAGEID/)
    expect(r.stdout).not.toContain('--tag')
  })

  it('teardown --dry-run lists the steps; without --yes/--confirm and without a terminal it refuses and deletes nothing', async () => {
    await mkdir(path.join(project, '.sentiops'), {recursive: true})
    const ledger = {format: 'sentiops-ledger', version: 1, project: 'sentiops', entries: [
      {type: 'ecr-repository', region: 'eu-west-1', name: 'sentiops', state: 'created', createdAt: '2026-01-01T00:00:00.000Z'},
      {type: 'eks-cluster', region: 'eu-west-1', name: 'demo', state: 'created', createdAt: '2026-01-01T00:00:00.000Z'},
    ]}
    const file = path.join(project, '.sentiops', 'state.json')
    await writeFile(file, JSON.stringify(ledger))
    const atMoto = ['--set', `cloud.endpoint_url=${moto.url}`]
    const dry = sentiops(['teardown', '--dry-run', ...atMoto], {cwd: project, env})
    expect(dry.code, dry.stderr).toBe(0)
    expect(dry.stdout).toContain('ledger: ' + file + ' (local to this checkout; set SENTIOPS_LEDGER_URI=s3://BUCKET/KEY to share it with CD)')
    expect(dry.stdout).toContain('sweep: nothing found outside the ledger')
    expect(dry.stdout.split('\n').filter(l => /^\s+\d+\./.test(l)).map(l => l.trim())).toEqual([
      '1. [command] eksctl delete cluster EKS cluster demo (eu-west-1)',
      '2. [aws] ECR DeleteRepository (force, with its images) sentiops',
      '3. [aws] S3 DeleteObjects s3://demo-artifacts/sentiops/',
    ])
    const refused = sentiops(['teardown', ...atMoto], {cwd: project, env})
    expect(refused.code).toBe(1)
    expect(oneErrorLine(refused.stderr)).toMatch(/^Error: refusing to delete 3 cloud resources of project sentiops \(cluster demo\) without confirmation/)
    expect(refused.stderr).toMatch(/hint: pass --confirm demo \(or --yes\)/)
    const wrong = sentiops(['teardown', '--confirm', 'prod', ...atMoto], {cwd: project, env})
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

  it('teardown with a shared ledger (SENTIOPS_LEDGER_URI) and the sweep: the dry run prints the exact plan and what was found behind the ledger; without --all-tagged it exits 4 listing them; --all-tagged deletes them', async () => {
    const laptop = await tempProject('sentiops-laptop-')
    const ci = await tempProject('sentiops-ci-')
    const saved = {...process.env}
    Object.assign(process.env, env)
    const region = {region: 'us-east-1', endpoint: moto.url}
    const s3 = new S3Client({...region, forcePathStyle: true})
    const ec2 = new EC2Client(region)
    const ecr = new ECRClient(region)
    try {
      await writeFile(path.join(laptop, 'params.yaml'), `cloud:\n  endpoint_url: ${moto.url}\n  cluster: {name: shared-demo}\n`)
      await s3.send(new CreateBucketCommand({Bucket: 'team-state'}))
      const shared = {...env, SENTIOPS_LEDGER_URI: 's3://team-state/sentiops/ledger.json'}
      // CD (another checkout) created a repository and recorded it in the shared ledger.
      await ecr.send(new CreateRepositoryCommand({repositoryName: 'sentiops-cd', tags: [{Key: 'sentiops.io/project', Value: 'sentiops'}]}))
      const cd = await openLedger(ci, validateCloudConfig({endpoint_url: moto.url}), {env: shared})
      await cd.confirm({type: 'ecr-repository', region: 'us-east-1', name: 'sentiops-cd'})
      cd.close()
      // Behind every ledger's back: a PersistentVolume's disk and a repository someone made by hand with the project tag.
      const volume = (await ec2.send(new CreateVolumeCommand({AvailabilityZone: 'us-east-1a', Size: 1, TagSpecifications: [{ResourceType: 'volume', Tags: [{Key: 'kubernetes.io/cluster/shared-demo', Value: 'owned'}]}]}))).VolumeId!
      await ecr.send(new CreateRepositoryCommand({repositoryName: 'sentiops-manual', tags: [{Key: 'sentiops.io/project', Value: 'sentiops'}]}))

      const dry = sentiops(['teardown', '--dry-run'], {cwd: laptop, env: shared})
      expect(dry.code, dry.stderr).toBe(0)
      expect(dry.stdout.trim().split('\n')).toEqual([
        'ledger: s3://team-state/sentiops/ledger.json (shared)',
        'teardown plan (dry run):',
        '   1. [aws] ECR DeleteRepository (force, with its images) sentiops-cd',
        'sweep: found outside the ledger (2):',
        `  EBS volume ${volume} (tag kubernetes.io/cluster/shared-demo=owned, EC2 DescribeVolumes)`,
        '  ECR repository sentiops-manual (ECR DescribeRepositories)',
        'not deleted without --all-tagged',
      ])
      const planned = sentiops(['teardown', '--dry-run', '--all-tagged', '--json'], {cwd: laptop, env: shared})
      expect(planned.code, planned.stderr).toBe(0)
      expect(JSON.parse(planned.stdout).result.plan.map((s: {action: string; target: string}) => `${s.action} ${s.target}`)).toEqual([
        'ECR DeleteRepository (force, with its images) sentiops-cd',
        `EC2 DeleteVolume ${volume}`,
        'ECR DeleteRepository (force, with its images) sentiops-manual',
      ])

      const partial = sentiops(['teardown', '--yes'], {cwd: laptop, env: shared})
      expect(partial.code).toBe(4)
      expect(oneErrorLine(partial.stderr)).toBe('Error: teardown incomplete: 2 resource(s) still present, 0 step(s) failed')
      expect(partial.stdout).toContain(`  still present: EBS volume ${volume} (tag kubernetes.io/cluster/shared-demo=owned, EC2 DescribeVolumes)`)
      const repos = async () => (await ecr.send(new DescribeRepositoriesCommand({}))).repositories!.map(r => r.repositoryName).sort()
      expect(await repos()).toEqual(['sentiops-manual'])
      const ledgerObject = async () => JSON.parse(await (await s3.send(new GetObjectCommand({Bucket: 'team-state', Key: 'sentiops/ledger.json'}))).Body!.transformToString())
      expect((await ledgerObject()).entries).toEqual([])

      const all = sentiops(['teardown', '--yes', '--all-tagged', '--json'], {cwd: laptop, env: shared})
      expect(all.code, all.stderr).toBe(0)
      const out = JSON.parse(all.stdout)
      expect(out.result.remaining).toEqual([])
      expect(out.result.deleted).toEqual([volume, 'sentiops-manual'])
      expect(await repos()).toEqual([])
      expect((await ec2.send(new DescribeVolumesCommand({}))).Volumes!.map(v => v.VolumeId)).not.toContain(volume)
    } finally {
      process.env = saved
      for (const c of [s3, ec2, ecr]) c.destroy()
      await Promise.all([rm(laptop, {recursive: true, force: true}), rm(ci, {recursive: true, force: true})])
    }
  })
})
