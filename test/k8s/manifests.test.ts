import {PrometheusRule} from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule'
import {ServiceMonitor} from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor'
import {Deployment} from 'kubernetes-models/apps/v1/Deployment'
import {HorizontalPodAutoscaler} from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler'
import {PodDisruptionBudget} from 'kubernetes-models/policy/v1/PodDisruptionBudget'
import {ConfigMap} from 'kubernetes-models/v1/ConfigMap'
import {Namespace} from 'kubernetes-models/v1/Namespace'
import {Secret} from 'kubernetes-models/v1/Secret'
import {Service} from 'kubernetes-models/v1/Service'
import {describe, expect, it} from 'vitest'
import {validateCloudConfig} from '../../src/core/cloud/config.js'
import {renderManifests, type KubeObject} from '../../src/core/cloud/manifests.js'
import {renderTemplate} from '../../src/core/cloud/template.js'
import {validateParams} from '../../src/core/config/index.js'
import {ConfigError} from '../../src/core/errors.js'

const MODELS: Record<string, new (data: any) => {validate(): void}> = {
  Namespace, ConfigMap, Secret, Service, Deployment, HorizontalPodAutoscaler, PodDisruptionBudget, ServiceMonitor, PrometheusRule,
}
const IMAGE = '123456789012.dkr.ecr.us-east-1.amazonaws.com/sentiops:3f2a9c1b7d0e'

async function render(cloud: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = {}) {
  return renderManifests({cloud: validateCloudConfig(cloud), params: validateParams({}), image: IMAGE, env})
}

function find(objects: KubeObject[], kind: string, name = 'sentiment-api'): any {
  const found = objects.find(o => o.kind === kind && o.metadata.name === name)
  expect(found, `${kind} ${name}`).toBeDefined()
  return found
}

describe('k8s/ manifests', () => {
  it('every rendered object validates against the Kubernetes schemas (kubernetes-models 4)', async () => {
    const {objects} = await render({deploy: {secret_env: ['MLFLOW_TRACKING_TOKEN']}}, {MLFLOW_TRACKING_TOKEN: 'tok'})
    expect(objects.map(o => o.kind)).toEqual(['Namespace', 'ConfigMap', 'Secret', 'Deployment', 'Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'ServiceMonitor', 'PrometheusRule', 'ConfigMap'])
    for (const object of objects) {
      const Model = MODELS[object.kind]!
      expect(() => new Model(object).validate(), `${object.kind} ${object.metadata.name}`).not.toThrow()
    }
  })

  it('the schema check is real: a wrong type is rejected', async () => {
    const {objects} = await render()
    const deployment = structuredClone(find(objects, 'Deployment'))
    deployment.spec.replicas = 'two'
    expect(() => new Deployment(deployment).validate()).toThrow(/replicas/)
  })

  it('the Deployment: probes, non-root read-only container, rolling update without downtime, scrape annotations, labels', async () => {
    const {objects} = await render()
    const d = find(objects, 'Deployment')
    const pod = d.spec.template.spec
    const container = pod.containers[0]
    expect(container.image).toBe(IMAGE)
    expect(container.livenessProbe.httpGet).toEqual({path: '/v2/health/live', port: 'http'})
    expect(container.readinessProbe.httpGet).toEqual({path: '/v2/health/ready', port: 'http'})
    expect(container.startupProbe.httpGet.path).toBe('/v2/health/live')
    expect(container.ports[0]).toEqual({name: 'http', containerPort: 8080, protocol: 'TCP'})
    expect(container.resources).toEqual({requests: {cpu: '250m', memory: '256Mi'}, limits: {cpu: '1', memory: '512Mi'}})
    expect(pod.securityContext).toMatchObject({runAsNonRoot: true, runAsUser: 1000})
    expect(container.securityContext).toMatchObject({readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: {drop: ['ALL']}})
    expect(d.spec.strategy).toEqual({type: 'RollingUpdate', rollingUpdate: {maxUnavailable: 0, maxSurge: 1}})
    expect(d.spec.template.metadata.annotations).toMatchObject({'prometheus.io/scrape': 'true', 'prometheus.io/port': '8080', 'prometheus.io/path': '/metrics'})
    // The grace period covers serve.grace_period_ms (10 s by default).
    expect(pod.terminationGracePeriodSeconds).toBe(15)
    expect(d.metadata.labels).toEqual({
      'app.kubernetes.io/name': 'sentiment-api',
      'app.kubernetes.io/instance': 'sentiment-api',
      'app.kubernetes.io/version': '3f2a9c1b7d0e',
      'app.kubernetes.io/component': 'server',
      'app.kubernetes.io/part-of': 'sentiops',
      'app.kubernetes.io/managed-by': 'sentiops',
    })
    expect(d.spec.selector.matchLabels).toEqual({'app.kubernetes.io/name': 'sentiment-api', 'app.kubernetes.io/instance': 'sentiment-api'})
    expect(find(objects, 'Service').spec).toMatchObject({type: 'LoadBalancer', selector: d.spec.selector.matchLabels, ports: [{name: 'http', port: 80, targetPort: 'http', protocol: 'TCP'}]})
    expect(find(objects, 'HorizontalPodAutoscaler').spec).toMatchObject({minReplicas: 2, maxReplicas: 6, scaleTargetRef: {kind: 'Deployment', name: 'sentiment-api'}})
    expect(find(objects, 'PodDisruptionBudget').spec).toEqual({minAvailable: 1, selector: {matchLabels: d.spec.selector.matchLabels}})
  })

  it('the Secret carries the named environment variables, masked everywhere it is shown; a missing one is an error', async () => {
    const {objects, masked} = await render({deploy: {secret_env: ['API_TOKEN']}}, {API_TOKEN: 'hunter2'})
    expect(find(objects, 'Secret').data).toEqual({API_TOKEN: Buffer.from('hunter2').toString('base64')})
    expect(find(masked, 'Secret').data).toEqual({API_TOKEN: '***'})
    expect(JSON.stringify(masked)).not.toContain(Buffer.from('hunter2').toString('base64'))
    await expect(render({deploy: {secret_env: ['API_TOKEN']}}, {})).rejects.toThrow(/cloud\.deploy\.secret_env lists API_TOKEN, but the environment has no API_TOKEN/)
  })

  it('the config hash reveals nothing of the Secret: it does not depend on the values (a changed Secret rolls pods through its resourceVersion, see deploy-apiserver.test.ts)', async () => {
    const hashOf = async (value: string) => find((await render({deploy: {secret_env: ['API_TOKEN']}}, {API_TOKEN: value})).objects, 'Deployment').spec.template.metadata.annotations['sentiops.io/config-hash']
    expect(await hashOf('hunter2')).toBe(await hashOf('correct horse battery staple'))
    // The ConfigMap's content does count (it is public anyway).
    const logLevel = find((await render({deploy: {env: {LOG_LEVEL: 'debug'}}})).objects, 'Deployment').spec.template.metadata.annotations['sentiops.io/config-hash']
    expect(logLevel).not.toBe(find((await render()).objects, 'Deployment').spec.template.metadata.annotations['sentiops.io/config-hash'])
  })

  it('a tracking URI with credentials, given through secret_env, lives only in the Secret: a planted password is in no ConfigMap, masked output or annotation', async () => {
    const uri = 'https://alice:pl4nted-pw@mlflow.example.com/'
    const {objects, masked} = await render({image: {model_source: 'registry'}, deploy: {mlflow_tracking_uri: 'https://mlflow.example.com', secret_env: ['MLFLOW_TRACKING_URI']}}, {MLFLOW_TRACKING_URI: uri})
    expect(Buffer.from(find(objects, 'Secret').data.MLFLOW_TRACKING_URI, 'base64').toString()).toBe(uri)
    expect(find(objects, 'ConfigMap').data).toEqual({LOG_LEVEL: 'info'})
    const shown = JSON.stringify([masked, objects.filter(o => o.kind !== 'Secret')])
    for (const planted of ['pl4nted-pw', Buffer.from(uri).toString('base64'), Buffer.from('alice:pl4nted-pw').toString('base64')]) expect(shown).not.toContain(planted)
    // Without credentials and without secret_env, the plain URI is a setting like any other.
    const plain = await render({image: {model_source: 'registry'}, deploy: {mlflow_tracking_uri: 'https://mlflow.example.com'}})
    expect(find(plain.objects, 'ConfigMap').data).toEqual({LOG_LEVEL: 'info', MLFLOW_TRACKING_URI: 'https://mlflow.example.com'})
  })

  it('with the HPA the Deployment leaves replicas to it (no replicas field for server-side apply to own); autoscale off: a fixed count and no HPA', async () => {
    const {objects} = await render()
    expect(find(objects, 'Deployment').spec).not.toHaveProperty('replicas')
    expect(find(objects, 'HorizontalPodAutoscaler').spec.scaleTargetRef).toEqual({apiVersion: 'apps/v1', kind: 'Deployment', name: 'sentiment-api'})
    const fixed = await render({deploy: {autoscale: false, replicas: 3}})
    expect(find(fixed.objects, 'Deployment').spec.replicas).toBe(3)
    expect(fixed.objects.map(o => o.kind)).not.toContain('HorizontalPodAutoscaler')
    expect(() => new Deployment(find(fixed.objects, 'Deployment')).validate()).not.toThrow()
  })

  it('without secrets there is no Secret; without monitoring no CRD objects', async () => {
    const {objects} = await render({deploy: {monitoring: false}})
    expect(objects.map(o => o.kind)).toEqual(['Namespace', 'ConfigMap', 'Deployment', 'Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget'])
  })

  it('monitoring: the ServiceMonitor scrapes the http port; the PrometheusRule carries alert-rules.yml; the dashboard ConfigMap is provisioned', async () => {
    const {objects} = await render({deploy: {prometheus_release: 'monitoring'}})
    const monitor = find(objects, 'ServiceMonitor')
    expect(monitor.metadata.labels.release).toBe('monitoring')
    expect(monitor.spec.endpoints).toEqual([{port: 'http', path: '/metrics', interval: '15s', scrapeTimeout: '5s'}])
    const rules = find(objects, 'PrometheusRule')
    expect(rules.spec.groups.flatMap((g: {rules: Array<{alert?: string}>}) => g.rules.map(r => r.alert)).filter(Boolean)).toEqual([
      'SentiopsHighErrorRate', 'SentiopsHighPredictLatencyP99', 'SentiopsNoPredictions', 'SentiopsModelLoadFailures', 'SentiopsInputDrift', 'SentiopsPredictionMixShift',
    ])
    const dashboard = find(objects, 'ConfigMap', 'sentiment-api-dashboard')
    expect(dashboard.metadata.labels.grafana_dashboard).toBe('1')
    expect(JSON.parse(dashboard.data['sentiops-dashboard.json']).uid).toBe('sentiops-server')
  })
})

describe('manifest templates', () => {
  it('an unquoted whole placeholder keeps its type; quoted or inside text it becomes text', () => {
    const [doc] = renderTemplate('a: ${n}\nb: "${n}"\nc: port-${n}\nd: ${list}\n', {n: 8080, list: ['x', 'y']})
    expect(doc).toEqual({a: 8080, b: '8080', c: 'port-8080', d: ['x', 'y']})
  })

  it('an unknown placeholder fails with file:line', () => {
    expect(() => renderTemplate('a: 1\nb: ${nope}\n', {}, 'k8s/x.yaml')).toThrow(ConfigError)
    expect(() => renderTemplate('a: 1\nb: ${nope}\n', {}, 'k8s/x.yaml')).toThrow('k8s/x.yaml:2: unknown placeholder ${nope}')
  })

  it('values put in are data: placeholder-looking text inside them is left alone', () => {
    const [doc] = renderTemplate('a: ${json}\n', {json: '{"uid": "${datasource}"}'})
    expect(doc).toEqual({a: '{"uid": "${datasource}"}'})
  })
})
