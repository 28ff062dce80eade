import {createHash} from 'node:crypto'
import {mkdtemp, readdir, rm} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {validateCloudConfig, type CloudConfig} from '../../src/core/cloud/config.js'
import {deploy} from '../../src/core/cloud/deploy.js'
import {Kube} from '../../src/core/cloud/kube.js'
import {Ledger} from '../../src/core/cloud/ledger.js'
import type {KubeObject} from '../../src/core/cloud/manifests.js'
import {teardown} from '../../src/core/cloud/teardown.js'
import {validateParams} from '../../src/core/config/index.js'
import {ExternalError} from '../../src/core/errors.js'
import {silentReporter} from '../../src/core/reporter.js'
import {ControlPlane, controlPlaneSkipReason} from '../support/k8s-control-plane.js'
import {FakeKubeApi} from '../support/ship-kube-fake.js'

/**
 * The deploy path against a REAL kube-apiserver + kube-controller-manager v1.32.13 (../shared/tools/k8s): its
 * validation, server-side apply field ownership, and the real Deployment, ReplicaSet, HPA and namespace
 * controllers. ready-pods.sh plays kubelet for pods whose version label is not `broken`.
 */

const SKIP = controlPlaneSkipReason()
if (SKIP) console.warn(`test/k8s/deploy-apiserver.test.ts skipped: ${SKIP}`)

const params = validateParams({})
const GOOD = '127.0.0.1:5000/sentiops:good1'
const NEXT = '127.0.0.1:5000/sentiops:good2'
const BROKEN = '127.0.0.1:5000/sentiops:broken'
const READY = 'app.kubernetes.io/name=sentiment-api,app.kubernetes.io/version!=broken'

describe.skipIf(SKIP !== undefined)(`deploy against the real kube-apiserver v1.32.13${SKIP ? ` (SKIPPED: ${SKIP})` : ''}`, () => {
  let plane: ControlPlane
  let dir: string
  let ready: {stop(): Promise<void>}
  const hash = (d: any) => d.spec.template.metadata.annotations['sentiops.io/config-hash'] as string

  function settings(deploySettings: Record<string, unknown> = {}): CloudConfig {
    return validateCloudConfig({
      state_file: '.sentiops/state.json',
      cluster: {kubeconfig: plane.kubeconfig},
      deploy: {rollout_timeout_s: 20, secret_env: ['API_TOKEN'], ...deploySettings},
    })
  }

  const run = (image: string, token: string, deploySettings: Record<string, unknown> = {}, reporter = silentReporter, cwd = dir) =>
    deploy({cwd, cloud: settings(deploySettings), params, image, env: {API_TOKEN: token}, pollMs: 200, loadBalancerTimeoutMs: 20_000, reporter})
  // Bumped by the Deployment controller only when a new pod template rolls out (spec.replicas changes by the
  // HPA bump the generation, not this).
  const revision = (d: any) => Number(d.metadata.annotations['deployment.kubernetes.io/revision'])
  const live = (kind: string, name = 'sentiment-api', ns = 'sentiops') => plane.getJson(['-n', ns, 'get', kind, name])

  beforeAll(async () => {
    plane = await ControlPlane.start()
    dir = await mkdtemp(path.join(os.tmpdir(), 'sentiops-deploy-real-'))
    ready = plane.readyLoop('sentiops', READY)
  }, 120_000)

  afterAll(async () => {
    await ready?.stop()
    await plane?.stop()
    if (dir) await rm(dir, {recursive: true, force: true})
  })

  it('applies every object server-side as field manager sentiops, the Secret from the named env var, waits for the rollout; no monitoring CRDs: skipped with a warning', async () => {
    const warnings: string[] = []
    const result = await run(GOOD, 'hunter2', {}, {...silentReporter, warn: m => warnings.push(m)})
    expect(result.previousImage).toBeUndefined()
    expect(result.skipped).toEqual(['ServiceMonitor sentiops/sentiment-api', 'PrometheusRule sentiops/sentiment-api'])
    expect(warnings.join('\n')).toMatch(/no monitoring\.coreos\.com\/v1 API/)
    // ready-pods.sh reports this address for each LoadBalancer Service.
    expect(result.loadBalancer).toBe('sentiment-api.sentiops.elb.local.test')

    for (const [kind, name] of [['configmap', 'sentiment-api'], ['secret', 'sentiment-api'], ['deployment', 'sentiment-api'], ['service', 'sentiment-api'], ['hpa', 'sentiment-api'], ['pdb', 'sentiment-api'], ['configmap', 'sentiment-api-dashboard']]) {
      const object = await plane.getJson(['-n', 'sentiops', 'get', kind!, name!, '--show-managed-fields'])
      expect(object.metadata.managedFields.filter((m: any) => m.operation === 'Apply').map((m: any) => m.manager), `${kind} ${name}`).toEqual(['sentiops'])
    }
    const secret = await live('secret')
    expect(Buffer.from(secret.data.API_TOKEN, 'base64').toString()).toBe('hunter2')
    const deployment = await live('deployment')
    expect(deployment.spec.template.spec.containers[0].image).toBe(GOOD)
    expect(deployment.status.updatedReplicas).toBeGreaterThanOrEqual(1)
    const status = await plane.kubectl(['-n', 'sentiops', 'rollout', 'status', 'deployment/sentiment-api', '--timeout=20s'])
    expect(status.all).toMatch(/successfully rolled out/)
    const ledger = await Ledger.open(path.join(dir, '.sentiops/state.json'), 'sentiops')
    expect(ledger.entries.filter(e => e.type === 'kubernetes').map(e => (e as {kind: string}).kind)).toEqual(['Namespace', 'ConfigMap', 'Secret', 'Deployment', 'Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'ConfigMap'])
  })

  it('the config hash changes exactly when the config does, and is no function of the Secret value', async () => {
    const before = await live('deployment')
    await run(GOOD, 'hunter2')
    const same = await live('deployment')
    // Nothing changed: no new pod template (same revision, same hash).
    expect(revision(same)).toBe(revision(before))
    expect(hash(same)).toBe(hash(before))

    await run(GOOD, 'changed')
    const changed = await live('deployment')
    expect(revision(changed)).toBe(revision(before) + 1)
    expect(hash(changed)).not.toBe(hash(before))
    // Back to the first value: a hash of the values would repeat; this one does not, so it cannot be used
    // to test guesses of the value.
    await run(GOOD, 'hunter2')
    const back = await live('deployment')
    expect(hash(back)).not.toBe(hash(before))
    expect(hash(back)).not.toBe(hash(changed))
    for (const text of ['hunter2', JSON.stringify({API_TOKEN: Buffer.from('hunter2').toString('base64')})]) {
      expect(createHash('sha256').update(text).digest('hex')).not.toContain(hash(back))
    }
  })

  it('a rollout that exceeds its progressDeadlineSeconds (marked by the real Deployment controller) is rolled back; exit code 4 names both images', async () => {
    const error = await run(BROKEN, 'hunter2', {rollout_timeout_s: 3}).catch(e => e)
    expect(error).toBeInstanceOf(ExternalError)
    expect(error.exitCode).toBe(4)
    expect(error.message).toMatch(new RegExp(`^rollout of ${BROKEN} failed: ReplicaSet "sentiment-api-\\w+" has timed out progressing\\.; rolled back to ${GOOD}$`))
    const deployment = await live('deployment')
    expect(deployment.spec.template.spec.containers[0].image).toBe(GOOD)
    const status = await plane.kubectl(['-n', 'sentiops', 'rollout', 'status', 'deployment/sentiment-api', '--timeout=20s'])
    expect(status.all).toMatch(/successfully rolled out/)
    const pods = await plane.getJson(['-n', 'sentiops', 'get', 'pods', '-l', 'app.kubernetes.io/name=sentiment-api'])
    expect(pods.items.map((p: any) => p.spec.containers[0].image)).not.toContain(BROKEN)
  })

  it('a second deploy rolls a new image forward and reports what it replaced', async () => {
    const result = await run(NEXT, 'hunter2')
    expect(result.previousImage).toBe(GOOD)
    expect((await live('deployment')).spec.template.spec.containers[0].image).toBe(NEXT)
    const history = await plane.kubectl(['-n', 'sentiops', 'rollout', 'history', 'deployment/sentiment-api'])
    expect(history.exitCode, history.all).toBe(0)
  })

  it('with the HPA the replica count is not sentiops\': a count the autoscaler set survives a redeploy', async () => {
    // What the HPA does: an update of the scale subresource under its own field manager.
    const scaled = await plane.kubectl(['-n', 'sentiops', 'scale', 'deployment/sentiment-api', '--replicas=4'])
    expect(scaled.exitCode, scaled.all).toBe(0)
    await run(NEXT, 'hunter2')
    const deployment = await plane.getJson(['-n', 'sentiops', 'get', 'deployment', 'sentiment-api', '--show-managed-fields'])
    expect(deployment.spec.replicas).toBe(4)
    const ours = deployment.metadata.managedFields.find((m: any) => m.manager === 'sentiops' && m.operation === 'Apply')
    expect(ours.fieldsV1['f:spec']).not.toHaveProperty('f:replicas')
  })

  it('with kube-prometheus-stack\'s CRDs installed, the ServiceMonitor, PrometheusRule and dashboard are applied too', async () => {
    // Minimal stand-ins for the operator's CRDs (their schemas are checked offline in manifests.test.ts).
    const crd = (kind: string, plural: string) => ({
      apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: {name: `${plural}.monitoring.coreos.com`},
      spec: {group: 'monitoring.coreos.com', scope: 'Namespaced', names: {kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List`},
        versions: [{name: 'v1', served: true, storage: true, schema: {openAPIV3Schema: {type: 'object', 'x-kubernetes-preserve-unknown-fields': true}}}]},
    })
    const applied = await plane.kubectl(['apply', '-f', '-'], JSON.stringify({apiVersion: 'v1', kind: 'List', items: [crd('ServiceMonitor', 'servicemonitors'), crd('PrometheusRule', 'prometheusrules')]}))
    expect(applied.exitCode, applied.all).toBe(0)
    const established = await plane.kubectl(['wait', '--for=condition=Established', '--timeout=30s', 'crd/servicemonitors.monitoring.coreos.com', 'crd/prometheusrules.monitoring.coreos.com'])
    expect(established.exitCode, established.all).toBe(0)
    const result = await run(NEXT, 'hunter2')
    expect(result.skipped).toEqual([])
    expect((await live('servicemonitor')).spec.endpoints[0].port).toBe('http')
    expect((await live('prometheusrule')).spec.groups.length).toBeGreaterThan(0)
    expect((await live('configmap', 'sentiment-api-dashboard')).metadata.labels.grafana_dashboard).toBe('1')
  })

  it('a Deployment whose replicas sentiops applied before keeps its count when the HPA takes over', async () => {
    const ns = 'handover'
    const other = await mkdtemp(path.join(os.tmpdir(), 'sentiops-deploy-real-'))
    const loop = plane.readyLoop(ns, READY)
    try {
      await run(GOOD, 'hunter2', {namespace: ns, autoscale: false, replicas: 3, min_replicas: 2}, silentReporter, other)
      expect((await live('deployment', 'sentiment-api', ns)).spec.replicas).toBe(3)
      expect((await plane.kubectl(['-n', ns, 'get', 'hpa'])).all).toMatch(/No resources found/)
      const handed = await run(NEXT, 'hunter2', {namespace: ns}, silentReporter, other)
      expect(handed.plan.filter(s => s.detail?.fieldManager === 'sentiops-handover-to-hpa').map(s => s.target)).toEqual([`Deployment ${ns}/sentiment-api`])
      const deployment = await plane.getJson(['-n', ns, 'get', 'deployment', 'sentiment-api', '--show-managed-fields'])
      expect(deployment.spec.replicas).toBe(3)
      const owners = deployment.metadata.managedFields.filter((m: any) => m.fieldsV1?.['f:spec']?.['f:replicas']).map((m: any) => m.manager)
      expect(owners).not.toContain('sentiops')
      expect(owners.length).toBeGreaterThan(0)
    } finally {
      await loop.stop()
      await rm(other, {recursive: true, force: true})
    }
  })

  it('--dry-run --output-dir writes manifests the real API server accepts (server-side dry run); the masked Secret is refused, so it can never overwrite the real one', async () => {
    const out = path.join(dir, 'rendered')
    await deploy({cwd: dir, cloud: settings({monitoring: false}), params, image: NEXT, env: {API_TOKEN: 'hunter2'}, dryRun: true, outputDir: out})
    const files = (await readdir(out)).sort()
    expect(files).toHaveLength(7)
    const applied = await plane.kubectl(['apply', '--server-side', '--field-manager=sentiops', '--dry-run=server', ...files.flatMap(f => ['-f', path.join(out, f)])])
    const accepted = applied.stdout.split('\n').filter(l => l.endsWith('serverside-applied (server dry run)'))
    expect(accepted.map(l => l.split(' ')[0])).toEqual(['namespace/sentiops', 'configmap/sentiment-api', 'deployment.apps/sentiment-api', 'service/sentiment-api', 'horizontalpodautoscaler.autoscaling/sentiment-api', 'poddisruptionbudget.policy/sentiment-api'])
    expect(applied.exitCode).not.toBe(0)
    expect(applied.stderr).toMatch(/Secret.*illegal base64 data/)
    expect(Buffer.from((await live('secret')).data.API_TOKEN, 'base64').toString()).toBe('hunter2')
  })

  it('the Kubernetes contract fake refuses what the real API server refuses: same HTTP status, same field', async () => {
    const fake = await new FakeKubeApi().start()
    try {
      await fake.writeKubeconfig(path.join(dir, 'fake-kubeconfig'))
      const servers = {real: await Kube.connect({kubeconfig: plane.kubeconfig, context: ''}), fake: await Kube.connect({kubeconfig: path.join(dir, 'fake-kubeconfig'), context: ''})}
      const ns = {apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'contract'}}
      for (const kube of Object.values(servers)) await kube.apply(ns)
      const meta = (name: string) => ({name, namespace: 'contract'})
      const cases: Array<[string, string, KubeObject]> = [
        ['Secret data that is not base64', 'illegal base64 data', {apiVersion: 'v1', kind: 'Secret', metadata: meta('s'), data: {API_TOKEN: '***'}}],
        ['a Namespace name with an underscore', 'metadata.name', {apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'bad_ns'}}],
        ['a Service name with a dot', 'metadata.name', {apiVersion: 'v1', kind: 'Service', metadata: meta('api.v1'), spec: {ports: [{port: 80}]}}],
        ['a Deployment without selector', 'spec.selector: Required value', {apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta('d'), spec: {template: {metadata: {labels: {a: 'b'}}, spec: {containers: [{name: 'c', image: 'x'}]}}}}],
        ['a container without image', 'spec.template.spec.containers[0].image: Required value', {apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta('d'), spec: {selector: {matchLabels: {a: 'b'}}, template: {metadata: {labels: {a: 'b'}}, spec: {containers: [{name: 'c'}]}}}}],
        ['an HPA with minReplicas > maxReplicas', 'spec.maxReplicas', {apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: meta('h'), spec: {scaleTargetRef: {apiVersion: 'apps/v1', kind: 'Deployment', name: 'd'}, minReplicas: 5, maxReplicas: 2}}],
      ]
      for (const [what, text, object] of cases) {
        const answers: Record<string, {status: unknown; message: string}> = {}
        for (const [server, kube] of Object.entries(servers)) {
          const error = await kube.apply(object).then(() => undefined, (e: ExternalError) => e)
          expect(error, `${server}: ${what}`).toBeInstanceOf(ExternalError)
          answers[server] = {status: error!.data?.status, message: error!.message}
          expect(error!.message, `${server}: ${what}`).toContain(text)
        }
        expect(answers.fake!.status, what).toBe(answers.real!.status)
      }
      const good = {apiVersion: 'v1', kind: 'Secret', metadata: meta('s'), data: {API_TOKEN: Buffer.from('ok').toString('base64')}}
      for (const kube of Object.values(servers)) expect((await kube.apply(good)).metadata.name).toBe('s')
    } finally {
      await fake.stop()
    }
  })

  it('teardown deletes the Kubernetes objects in order: the LoadBalancer Service first, and waits until the cloud released it', async () => {
    // What the cloud load-balancer controller does: hold the Service until the load balancer is gone.
    const finalizer = 'service.kubernetes.io/load-balancer-cleanup'
    const patched = await plane.kubectl(['-n', 'sentiops', 'patch', 'service', 'sentiment-api', '--type=merge', '-p', JSON.stringify({metadata: {finalizers: [finalizer]}})])
    expect(patched.exitCode, patched.all).toBe(0)
    await ready.stop()
    const running = teardown({cwd: dir, cloud: settings(), sweep: false, pollMs: 200, waitTimeoutMs: 60_000, reporter: silentReporter}).catch((error: Error) => error)
    let service: any
    for (let i = 0; i < 300 && !service?.metadata?.deletionTimestamp; i++) {
      await new Promise(resolve => setTimeout(resolve, 100))
      service = plane.getJsonSync(['-n', 'sentiops', 'get', 'service', 'sentiment-api'])
    }
    expect(service?.metadata?.deletionTimestamp, 'the Service is being deleted').toBeDefined()
    // While the load balancer is held, teardown deletes nothing else.
    await new Promise(resolve => setTimeout(resolve, 1500))
    for (const kind of ['deployment', 'configmap', 'secret', 'hpa', 'pdb']) {
      const object = plane.getJsonSync(['-n', 'sentiops', 'get', kind, 'sentiment-api'])
      expect(object?.metadata?.deletionTimestamp, kind).toBeUndefined()
      expect(object, kind).toBeDefined()
    }
    expect((await plane.getJson(['get', 'namespace', 'sentiops'])).status.phase).toBe('Active')
    await plane.kubectl(['-n', 'sentiops', 'patch', 'service', 'sentiment-api', '--type=merge', '-p', '{"metadata":{"finalizers":null}}'])
    const result = await running
    if (result instanceof Error) throw result
    expect(result.failures).toEqual([])
    expect(result.remaining).toEqual([])
    expect(result.deleted[0]).toBe('Service sentiops/sentiment-api')
    const gone = await plane.kubectl(['get', 'namespace', 'sentiops'])
    expect(gone.all).toMatch(/NotFound/)
  })
})
