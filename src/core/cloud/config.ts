import {readFile} from 'node:fs/promises'
import path from 'node:path'
import {Ajv, type ErrorObject} from 'ajv'
import YAML from 'yaml'
import {envAssignments, getAt, parseAssignment, parseParamsYaml, setAt, validateParams, type Params} from '../config/index.js'
import {refuseUrlCredentials} from '../config/credentials.js'
import {ConfigError} from '../errors.js'

/**
 * The `cloud:` section of params.yaml: everything build, push, cluster, deploy and teardown need. Typed
 * defaults and validation live here (the lead's params schema does not know the section yet, so this loader
 * reads params.yaml itself, takes `cloud` out and validates the rest with the shared params validator).
 */

export type Builder = 'docker' | 'buildah'
export type ModelSource = 'baked' | 'registry'

export interface ImageConfig {
  /** ECR repository name, also the local image name. */
  repository: string
  /** Production base image (an official Node LTS slim image); `--base-image` overrides it. */
  base_image: string
  builder: Builder
  /** baked: the bundle is copied into the image (immutable). registry: fetched at start from a models:/ URI. */
  model_source: ModelSource
  /** Numeric user and group the server runs as (must exist in the base image; 1000 is `node` in node images). */
  uid: number
  platform: string
}

export interface EcrConfig {
  scan_on_push: boolean
  immutable_tags: boolean
  /** Lifecycle policy: keep the newest N images, expire the rest. */
  keep_images: number
  /** Push to this host instead of the one ECR returns (a VPC endpoint alias or a local mirror); '' = ECR's. */
  registry_host: string
}

export interface ClusterConfig {
  name: string
  kubernetes_version: string
  instance_types: string[]
  min_size: number
  max_size: number
  desired_size: number
  volume_size_gib: number
  /** Kubeconfig file to write and use; '' = $KUBECONFIG or ~/.kube/config. */
  kubeconfig: string
}

export interface DeployConfig {
  namespace: string
  /** Name of the Deployment, Service, HPA, ... and the app.kubernetes.io/name label. */
  name: string
  /** Render a HorizontalPodAutoscaler; it then owns the Deployment's replica count (`replicas` is not applied). */
  autoscale: boolean
  /** Fixed replica count, used only when autoscale is false. */
  replicas: number
  cpu_request: string
  cpu_limit: string
  memory_request: string
  memory_limit: string
  min_replicas: number
  max_replicas: number
  target_cpu_percent: number
  min_available: number
  rollout_timeout_s: number
  /** Names of environment variables whose values go into the Kubernetes Secret (values are never printed). */
  secret_env: string[]
  /** Plain settings for the ConfigMap (e.g. LOG_LEVEL). */
  env: Record<string, string>
  /** MLflow tracking server for model_source = registry, without credentials (those go in secret_env). */
  mlflow_tracking_uri: string
  /** Kubeconfig context; '' = the current context. */
  kube_context: string
  /** Apply the ServiceMonitor, PrometheusRule and Grafana dashboard ConfigMap (needs kube-prometheus-stack CRDs). */
  monitoring: boolean
  /** `release` label kube-prometheus-stack selects ServiceMonitors and rules by (its Helm release name). */
  prometheus_release: string
}

export interface ArtifactsConfig {
  /** S3 bucket holding the project's artifacts; '' = none. */
  bucket: string
  /** Key prefix owned by this project; teardown deletes everything under it. */
  prefix: string
}

export interface CloudConfig {
  /** Marks everything the tool creates (tag/label `sentiops.io/project`). */
  project: string
  region: string
  /** Endpoint for every AWS API call ('' = AWS's own); set to an emulator in tests. */
  endpoint_url: string
  /** The ledger of created cloud objects (a local copy when `ledger_uri` is set). */
  state_file: string
  /** The shared ledger `s3://BUCKET/KEY` that CD and laptops all use; SENTIOPS_LEDGER_URI wins. '' = local only. */
  ledger_uri: string
  image: ImageConfig
  ecr: EcrConfig
  cluster: ClusterConfig
  deploy: DeployConfig
  artifacts: ArtifactsConfig
}

const name = (d: string) => ({type: 'string', pattern: '^[a-z0-9]([a-z0-9-]*[a-z0-9])?$', maxLength: 63, default: d})
const str = (d: string) => ({type: 'string', default: d})
const int = (d: number, minimum: number, maximum?: number) => ({type: 'integer', default: d, minimum, ...(maximum === undefined ? {} : {maximum})})
const bool = (d: boolean) => ({type: 'boolean', default: d})
const quantity = (d: string) => ({type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?(m|Ki|Mi|Gi|Ti|k|M|G)?$', default: d})
const section = (properties: Record<string, unknown>) => ({type: 'object', additionalProperties: false, default: {}, properties})

export const cloudSchema = section({
  project: name('sentiops'),
  region: {type: 'string', pattern: '^[a-z]{2}(-[a-z]+)+-\\d$', default: 'us-east-1'},
  endpoint_url: {type: 'string', pattern: '^(https?://.+)?$', default: ''},
  state_file: str('.sentiops/state.json'),
  ledger_uri: {type: 'string', pattern: '^(s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/.*[^/])?$', default: ''},
  image: section({
    repository: {type: 'string', pattern: '^[a-z0-9]+([._/-][a-z0-9]+)*$', maxLength: 256, default: 'sentiops'},
    base_image: {type: 'string', minLength: 1, default: 'node:20-bookworm-slim'},
    builder: {type: 'string', enum: ['docker', 'buildah'], default: 'docker'},
    model_source: {type: 'string', enum: ['baked', 'registry'], default: 'baked'},
    uid: int(1000, 1, 2_147_483_647),
    platform: str('linux/amd64'),
  }),
  ecr: section({
    scan_on_push: bool(true),
    immutable_tags: bool(true),
    keep_images: int(10, 1, 1000),
    registry_host: {type: 'string', pattern: '^([A-Za-z0-9.-]+(:\\d+)?)?$', default: ''},
  }),
  cluster: section({
    name: {type: 'string', pattern: '^[a-zA-Z][-a-zA-Z0-9]*$', maxLength: 100, default: 'sentiops'},
    kubernetes_version: {type: 'string', pattern: '^1\\.\\d+$', default: '1.32'},
    instance_types: {type: 'array', items: {type: 'string', pattern: '^[a-z0-9]+\\.[a-z0-9]+$'}, minItems: 1, default: ['t3.medium']},
    min_size: int(1, 0),
    max_size: int(3, 1),
    desired_size: int(2, 0),
    volume_size_gib: int(20, 8, 16_384),
    kubeconfig: str(''),
  }),
  deploy: section({
    namespace: name('sentiops'),
    name: name('sentiment-api'),
    autoscale: bool(true),
    replicas: int(2, 1, 1000),
    cpu_request: quantity('250m'),
    cpu_limit: quantity('1'),
    memory_request: quantity('256Mi'),
    memory_limit: quantity('512Mi'),
    min_replicas: int(2, 1, 1000),
    max_replicas: int(6, 1, 1000),
    target_cpu_percent: int(70, 1, 100),
    min_available: int(1, 0),
    rollout_timeout_s: int(300, 1, 3600),
    secret_env: {type: 'array', items: {type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$'}, uniqueItems: true, default: []},
    env: {type: 'object', propertyNames: {pattern: '^[A-Za-z_][A-Za-z0-9_]*$'}, additionalProperties: {type: 'string'}, default: {LOG_LEVEL: 'info'}},
    mlflow_tracking_uri: str(''),
    kube_context: str(''),
    monitoring: bool(true),
    prometheus_release: {type: 'string', pattern: '^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$', default: 'kube-prometheus-stack'},
  }),
  artifacts: section({
    bucket: {type: 'string', pattern: '^([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])?$', default: ''},
    prefix: {type: 'string', pattern: '^([^/].*/)?$', default: 'sentiops/'},
  }),
})

export interface ShipSettings {
  params: Params
  cloud: CloudConfig
  /** Absolute path of the params file read, or undefined when defaults were used. */
  file?: string
}

export interface LoadShipSettingsOptions {
  /** params.yaml path; a missing default file means all defaults, a missing explicit one is an error. */
  file?: string
  cwd?: string
  /** `key.path=value` overrides (from --set / SENTIOPS_SET), applied last; `cloud.*` keys go to the cloud section. */
  overrides?: readonly string[]
  /** For SENTIOPS__SECTION__KEY overrides; defaults to process.env. */
  env?: NodeJS.ProcessEnv
}

/** Reads params.yaml once and returns the validated stage params and the validated `cloud:` section. */
export async function loadShipSettings(options: LoadShipSettingsOptions = {}): Promise<ShipSettings> {
  const cwd = options.cwd ?? process.cwd()
  const explicit = options.file !== undefined
  const file = path.resolve(cwd, options.file ?? 'params.yaml')
  let raw: unknown = {}
  let used: string | undefined = file
  try {
    raw = parseParamsYaml(await readFile(file, 'utf8'), file) ?? {}
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    if (explicit) throw new ConfigError(`params file not found: ${file}`)
    used = undefined
  }
  if (!isPlainObject(raw)) throw new ConfigError(`${display(file, cwd)}: the top level must be a mapping of sections`)
  const assignments = [...envAssignments(options.env ?? process.env).map(a => parseAssignment(a)), ...(options.overrides ?? []).map(a => parseAssignment(a))]
  for (const [key, value] of assignments) setAt(raw, key, value)
  const {cloud = {}, ...rest} = raw
  const source = used ? display(used, cwd) : 'params'
  return {params: validateParams(rest, source), cloud: validateCloudConfig(cloud ?? {}, source), file: used}
}

/** `key=value` overrides from SENTIOPS_SET (one per line), as BaseCommand.loadParams reads them. */
export function setOverridesFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.SENTIOPS_SET ?? '').split('\n').map(s => s.trim()).filter(Boolean)
}

let validator: ReturnType<Ajv['compile']> | undefined

/** Fills defaults into a raw `cloud:` mapping and checks it; errors name the key path (`cloud.deploy.replicas`). */
export function validateCloudConfig(raw: unknown, source = 'params'): CloudConfig {
  if (!isPlainObject(raw)) throw new ConfigError(`${source}: cloud must be a mapping, got ${JSON.stringify(raw)}`)
  // A tracking URI with credentials goes in the Secret through secret_env, never in params.
  refuseUrlCredentials(raw, 'cloud', source)
  const data = structuredClone(raw)
  validator ??= new Ajv({useDefaults: true, allErrors: true, strict: false}).compile(cloudSchema)
  if (!validator(data)) {
    const errors = validator.errors ?? []
    throw new ConfigError(`${source}: ${formatError(errors[0]!, data)}`, {data: {errors: errors.map(e => formatError(e, data))}})
  }
  const config = data as unknown as CloudConfig
  crossCheck(config, source)
  return config
}

function crossCheck(c: CloudConfig, source: string): void {
  const {cluster, deploy} = c
  if (cluster.min_size > cluster.desired_size || cluster.desired_size > cluster.max_size) {
    throw new ConfigError(`${source}: cloud.cluster sizes must satisfy min_size ≤ desired_size ≤ max_size (got ${cluster.min_size} ≤ ${cluster.desired_size} ≤ ${cluster.max_size})`)
  }
  if (deploy.min_replicas > deploy.max_replicas) {
    throw new ConfigError(`${source}: cloud.deploy.min_replicas = ${deploy.min_replicas} is greater than cloud.deploy.max_replicas = ${deploy.max_replicas}`)
  }
  const floor = deploy.autoscale ? 'min_replicas' : 'replicas'
  if (deploy.min_available >= deploy[floor]) {
    throw new ConfigError(`${source}: cloud.deploy.min_available = ${deploy.min_available} must be below cloud.deploy.${floor} = ${deploy[floor]}, or a node drain could never evict a pod`)
  }
  if (c.image.model_source === 'registry' && !deploy.mlflow_tracking_uri && !deploy.secret_env.includes('MLFLOW_TRACKING_URI')) {
    throw new ConfigError(`${source}: cloud.image.model_source = registry needs cloud.deploy.mlflow_tracking_uri (or MLFLOW_TRACKING_URI in cloud.deploy.secret_env) so pods can fetch the model`)
  }
}

function formatError(e: ErrorObject, root: unknown): string {
  const keyPath = ['cloud', ...e.instancePath.split('/').filter(Boolean)].join('.')
  const shown = JSON.stringify(getAt({cloud: root}, keyPath))
  switch (e.keyword) {
    case 'additionalProperties':
      return `unknown key ${keyPath}.${(e.params as {additionalProperty: string}).additionalProperty}`
    case 'enum':
      return `${keyPath} = ${shown} is not allowed; allowed values: ${(e.params as {allowedValues: unknown[]}).allowedValues.join(', ')}`
    case 'type':
      return `${keyPath} = ${shown} must be ${(e.params as {type: string}).type === 'integer' ? 'a whole number' : `a ${(e.params as {type: string}).type}`}`
    case 'pattern':
      return `${keyPath} = ${shown} is not a valid value (must match ${(e.params as {pattern: string}).pattern})`
    default:
      return `${keyPath} = ${shown} ${e.message ?? 'is not valid'}`
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function display(file: string, cwd: string): string {
  const rel = path.relative(cwd, file)
  return rel && !rel.startsWith('..') ? rel : file
}
