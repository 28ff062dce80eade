import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client} from '@aws-sdk/client-s3'
import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest'
import {validateCloudConfig, type CloudConfig} from '../../src/core/cloud/config.js'
import {ledgerLocation, openLedger} from '../../src/core/cloud/ledger.js'
import {isSentiopsError} from '../../src/core/errors.js'
import {startAwsRecorder, type AwsRecorder} from '../support/aws-recorder.js'
import {startMoto, type Service} from '../support/ship-services.js'

const AWS_ENV = {AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true'}

/** The shared ledger as an S3 object in moto, written with If-Match / If-None-Match conditional PUTs. */
describe('shared ledger on S3 (moto, through a recording proxy)', () => {
  let moto: Service
  let recorder: AwsRecorder
  let s3: S3Client
  let root: string
  let cloud: CloudConfig
  let key = ''
  const saved = {...process.env}

  beforeAll(async () => {
    moto = await startMoto()
    recorder = await startAwsRecorder(moto.url)
    Object.assign(process.env, AWS_ENV)
    s3 = new S3Client({region: 'us-east-1', endpoint: moto.url, forcePathStyle: true})
    await s3.send(new CreateBucketCommand({Bucket: 'team-state'}))
    root = await mkdtemp(path.join(os.tmpdir(), 'sentiops-ledger-'))
    cloud = validateCloudConfig({endpoint_url: recorder.url})
  })

  afterAll(async () => {
    process.env = saved
    s3?.destroy()
    await Promise.allSettled([recorder?.stop(), moto?.stop(), root && rm(root, {recursive: true, force: true})])
  })

  let n = 0
  beforeEach(() => {
    key = `sentiops/ledger-${++n}.json`
  })

  const env = () => ({SENTIOPS_LEDGER_URI: `s3://team-state/${key}`})
  const machine = async (name: string) => {
    const dir = path.join(root, `${name}-${n}`)
    return {dir, ledger: await openLedger(dir, cloud, {env: env()})}
  }
  const stored = async () => JSON.parse(await (await s3.send(new GetObjectCommand({Bucket: 'team-state', Key: key}))).Body!.transformToString()) as {project: string; entries: Array<{name: string; state: string}>}

  it('what CD records, a laptop in another checkout reads; the local state file is only a copy', async () => {
    const cd = await machine('ci-runner')
    await cd.ledger.intend({type: 'eks-cluster', region: 'us-east-1', name: 'prod'})
    await cd.ledger.confirm({type: 'eks-cluster', region: 'us-east-1', name: 'prod'})
    cd.ledger.close()
    const laptop = await machine('laptop')
    expect(laptop.ledger.file).toBe(`s3://team-state/${key}`)
    expect(laptop.ledger.shared).toBe(true)
    expect(laptop.ledger.entries).toMatchObject([{type: 'eks-cluster', name: 'prod', state: 'created'}])
    expect((await stored()).entries).toMatchObject([{name: 'prod', state: 'created'}])
    expect(JSON.parse(await readFile(path.join(laptop.dir, '.sentiops/state.json'), 'utf8'))).toEqual({...(await stored()), cacheOf: `s3://team-state/${key}`})
    laptop.ledger.close()
  })

  it('a local ledger from before sharing is merged into the shared one once; the cache never brings back what another machine deleted', async () => {
    const dir = path.join(root, `before-sharing-${n}`)
    const local = await openLedger(dir, cloud, {env: {}})
    await local.confirm({type: 'eks-cluster', region: 'us-east-1', name: 'made-before-sharing'})
    const cd = await machine('cd')
    await cd.ledger.confirm({type: 'ecr-repository', region: 'us-east-1', name: 'from-cd'})
    const shared = await openLedger(dir, cloud, {env: env()})
    expect((await stored()).entries.map(e => e.name)).toEqual(['from-cd', 'made-before-sharing'])
    await shared.remove({type: 'eks-cluster', region: 'us-east-1', name: 'made-before-sharing'})
    await cd.ledger.remove({type: 'ecr-repository', region: 'us-east-1', name: 'from-cd'})
    // This checkout's cache still lists from-cd; opening again must not resurrect it.
    const again = await openLedger(dir, cloud, {env: env()})
    expect(again.entries).toEqual([])
    expect((await stored()).entries).toEqual([])
    for (const l of [shared, cd.ledger, again]) l.close()
  })

  it('two writers holding the same version both keep their entries: the second PUT gets 412 and is applied again on the fresh copy', async () => {
    const a = await machine('a')
    const b = await machine('b')
    const from = recorder.calls.length
    await a.ledger.confirm({type: 'ecr-repository', region: 'us-east-1', name: 'from-ci'})
    await b.ledger.confirm({type: 'ecr-repository', region: 'us-east-1', name: 'from-laptop'})
    expect((await stored()).entries.map(e => e.name)).toEqual(['from-ci', 'from-laptop'])
    const puts = recorder.calls.slice(from).filter(c => c.operation === 'PutObject').map(c => c.status)
    expect(puts).toEqual([200, 412, 200])
    a.ledger.close()
    b.ledger.close()
  })

  it('eight concurrent writers lose nothing', async () => {
    const writers = await Promise.all(Array.from({length: 8}, (_, i) => machine(`w${i}`)))
    await Promise.all(writers.map((w, i) => w.ledger.confirm({type: 'ecr-repository', region: 'us-east-1', name: `repo-${i}`})))
    expect((await stored()).entries.map(e => e.name).sort()).toEqual(Array.from({length: 8}, (_, i) => `repo-${i}`))
    for (const w of writers) w.ledger.close()
  })

  it('remove of an entry another writer just added keeps that entry', async () => {
    const a = await machine('a')
    await a.ledger.confirm({type: 'ecr-repository', region: 'us-east-1', name: 'old'})
    const b = await machine('b')
    await a.ledger.confirm({type: 'ecr-repository', region: 'us-east-1', name: 'new'})
    await b.ledger.remove({type: 'ecr-repository', region: 'us-east-1', name: 'old'})
    expect((await stored()).entries.map(e => e.name)).toEqual(['new'])
    a.ledger.close()
    b.ledger.close()
  })

  it('refuses a shared ledger of another project, and a URI that is not s3://BUCKET/KEY, with one line each', async () => {
    await s3.send(new PutObjectCommand({Bucket: 'team-state', Key: key, Body: JSON.stringify({format: 'sentiops-ledger', version: 1, project: 'other', entries: []})}))
    const refused = await openLedger(path.join(root, 'x'), cloud, {env: env()}).catch(e => e)
    expect(isSentiopsError(refused)).toBe(true)
    expect(refused.message).toBe(`s3://team-state/${key} is the ledger of project "other", not "sentiops"`)
    for (const uri of ['s3://team-state/', 'https://team-state/ledger.json', 's3://Bad_Bucket/l.json']) {
      expect(() => ledgerLocation(root, cloud, {SENTIOPS_LEDGER_URI: uri})).toThrow(`SENTIOPS_LEDGER_URI=${uri} is not an S3 object URI`)
    }
    // The optional params key, for when the environment does not set one; the environment wins.
    expect(ledgerLocation(root, {...cloud, ledger_uri: 's3://team-state/p.json'}, {})).toMatchObject({kind: 's3', bucket: 'team-state', key: 'p.json'})
    expect(ledgerLocation(root, {...cloud, ledger_uri: 's3://team-state/p.json'}, {SENTIOPS_LEDGER_URI: 's3://other/e.json'})).toMatchObject({bucket: 'other', key: 'e.json'})
  })

  it('without SENTIOPS_LEDGER_URI the local state file is the ledger, and S3 is not called', async () => {
    const dir = path.join(root, 'local-only')
    const from = recorder.calls.length
    const ledger = await openLedger(dir, cloud, {env: {}})
    await ledger.confirm({type: 'ecr-repository', region: 'us-east-1', name: 'local'})
    expect(ledger.shared).toBe(false)
    expect(ledger.file).toBe(path.join(dir, '.sentiops/state.json'))
    expect(JSON.parse(await readFile(ledger.file, 'utf8')).entries).toMatchObject([{name: 'local'}])
    expect(recorder.calls.slice(from)).toEqual([])
    await writeFile(ledger.file, '{not json')
    await expect(openLedger(dir, cloud, {env: {}})).rejects.toThrow(/the ledger is not valid JSON/)
  })
})
