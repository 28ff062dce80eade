import type {FastifyInstance} from 'fastify'
import {SENTIOPS_VERSION} from '../../core/version.js'
import type {RouteContext} from '../app.js'
import {HttpError} from '../http-errors.js'
import type {ModelHolder} from '../model-holder.js'
import {v2ModelMetadataSchema} from '../schemas.js'
import {servingModel} from './model-access.js'

const okSchema = {type: 'object', properties: {status: {type: 'string'}}} as const

/**
 * Health and metadata: MLflow's `/ping`, `/health` (ready = a model is loaded and the server is not draining)
 * and `/version`; KServe Open Inference Protocol V2 `/v2`, `/v2/health/live|ready`, `/v2/models/{name}[/ready]`.
 */
export function registerProbeRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const {holder} = ctx

  const ready = async () => {
    assertReady(holder)
    return {status: 'ok'}
  }
  app.get('/ping', {schema: {response: {200: okSchema}}}, ready)
  app.get('/health', {schema: {response: {200: okSchema}}}, ready)
  app.get('/version', async (_request, reply) => reply.type('text/plain; charset=utf-8').send(SENTIOPS_VERSION))

  app.get('/v2', async () => ({name: 'sentiops', version: SENTIOPS_VERSION, extensions: []}))
  app.get('/v2/health/live', async () => ({live: true}))
  app.get('/v2/health/ready', async () => {
    assertReady(holder)
    return {ready: true}
  })

  app.get<{Params: {name: string}}>('/v2/models/:name', {schema: {response: {200: v2ModelMetadataSchema}}}, async request => {
    const model = servingModel(holder)
    assertModelName(model.name, request.params.name)
    return {
      name: model.name,
      versions: [model.version],
      platform: `sentiops-${model.bundle.meta.algorithm}`,
      inputs: [{name: 'text', datatype: 'BYTES', shape: [-1]}],
      outputs: [
        {name: 'label', datatype: 'BYTES', shape: [-1]},
        {name: 'score', datatype: 'FP64', shape: [-1]},
        {name: 'probabilities', datatype: 'FP64', shape: [-1, model.bundle.meta.classNames.length]},
      ],
      parameters: {class_names: model.bundle.meta.classNames, alias: model.alias, stage: model.stage, uri: model.uri},
    }
  })

  app.get<{Params: {name: string}}>('/v2/models/:name/ready', async request => {
    const model = servingModel(holder)
    assertModelName(model.name, request.params.name)
    assertReady(holder)
    return {name: model.name, ready: true}
  })
}

function assertReady(holder: ModelHolder): void {
  if (holder.ready) return
  throw new HttpError(503, holder.closing ? 'the server is shutting down' : 'no model is loaded yet', {'retry-after': '1'})
}

function assertModelName(serving: string, asked: string): void {
  if (asked !== serving) throw new HttpError(404, `model ${JSON.stringify(asked)} is not served here; this server serves ${JSON.stringify(serving)}`)
}
