import {readdir, readFile, rm, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {Deployment} from 'kubernetes-models/apps/v1/Deployment'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import YAML from 'yaml'
import {sentiops, tempProject} from '../support/cli.js'

/** `deploy --dry-run` through the real binary: what a person pipes, and where a planted secret must not appear. */
describe('deploy --dry-run through the real binary', () => {
  let project: string
  const uri = 'https://alice:pl4nted-pw@mlflow.example.com/'
  const env = {AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_EC2_METADATA_DISABLED: 'true', API_TOKEN: 'pl4nted-token', MLFLOW_TRACKING_URI: uri}
  const planted = ['pl4nted-pw', 'pl4nted-token', Buffer.from(uri).toString('base64'), Buffer.from('pl4nted-token').toString('base64')]

  beforeAll(async () => {
    project = await tempProject('sentiops-deploy-cli-')
    await writeFile(path.join(project, 'params.yaml'), [
      'cloud:',
      '  image: {model_source: registry}',
      '  deploy:',
      '    mlflow_tracking_uri: https://mlflow.example.com',
      '    secret_env: [API_TOKEN, MLFLOW_TRACKING_URI]',
      '',
    ].join('\n'))
  })

  afterAll(async () => {
    await rm(project, {recursive: true, force: true})
  })

  it('without a pushed image: one YAML stream with a clearly marked placeholder image, a warning on stderr, the plan as comments', () => {
    const r = sentiops(['deploy', '--dry-run'], {cwd: project, env})
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toMatch(/no image was pushed yet: the manifests show the placeholder registry\.invalid\/sentiops:placeholder-no-image-pushed; run `sentiops push`/)
    const docs = YAML.parseAllDocuments(r.stdout)
    expect(docs.flatMap(d => d.errors)).toEqual([])
    const objects = docs.map(d => d.toJS())
    expect(objects.map(o => o.kind)).toEqual(['Namespace', 'ConfigMap', 'Secret', 'Deployment', 'Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'ServiceMonitor', 'PrometheusRule', 'ConfigMap'])
    const deployment = objects.find(o => o.kind === 'Deployment')
    expect(deployment.spec.template.spec.containers[0].image).toBe('registry.invalid/sentiops:placeholder-no-image-pushed')
    expect(() => new Deployment(deployment).validate()).not.toThrow()
    expect(r.stdout).toMatch(/^# deploy plan \(dry run\):$/m)
    expect(r.stdout).toMatch(/^# +\d+\. \[kubernetes\] apply Deployment sentiops\/sentiment-api$/m)
  })

  it('a planted tracking-URI password and token appear nowhere: stdout, stderr, --json, --output-dir files; the tracking URI given through secret_env is in no ConfigMap', async () => {
    const out = path.join(project, 'rendered')
    const runs = [
      sentiops(['deploy', '--dry-run', '--image', 'registry.example/sentiops:abc'], {cwd: project, env}),
      sentiops(['deploy', '--dry-run', '--json', '--image', 'registry.example/sentiops:abc'], {cwd: project, env}),
      sentiops(['deploy', '--dry-run', '--output-dir', out, '--image', 'registry.example/sentiops:abc'], {cwd: project, env}),
    ]
    const files = await Promise.all((await readdir(out)).map(f => readFile(path.join(out, f), 'utf8')))
    expect(files.length).toBe(10)
    for (const r of runs) expect(r.code, r.stderr).toBe(0)
    const everything = [...runs.flatMap(r => [r.stdout, r.stderr]), ...files].join('\n')
    for (const secret of planted) expect(everything).not.toContain(secret)
    const json = JSON.parse(runs[1]!.stdout)
    const configMap = json.result.manifests.find((m: {kind: string; metadata: {name: string}}) => m.kind === 'ConfigMap' && m.metadata.name === 'sentiment-api')
    expect(configMap.data).toEqual({LOG_LEVEL: 'info'})
    expect(json.result.manifests.find((m: {kind: string}) => m.kind === 'Secret').data).toEqual({API_TOKEN: '***', MLFLOW_TRACKING_URI: '***'})
  })
})
