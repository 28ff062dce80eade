import formbody from '@fastify/formbody'
import type {FastifyInstance, FastifyReply, FastifyRequest} from 'fastify'
import type {Explanation} from '../../core/bundle/types.js'
import type {RouteContext} from '../app.js'
import type {ServingModel} from '../model-holder.js'
import {PAGE_SECURITY_HEADERS} from '../page.js'
import {answerPredict} from '../predict-answer.js'
import {
  type ExplainBody,
  type PredictBody,
  explainBodySchema,
  explainResponseSchema,
  predictBodySchema,
  predictResponseSchema,
} from '../schemas.js'
import {identityOf, servingModel} from './model-access.js'

/** Words listed per side on the page. */
const PAGE_TOP_K = 5
const DEFAULT_TOP_K = 10

/**
 * POST /predict (JSON `{text}` / `{texts}`, or the page's form post, answered with the rendered page) and
 * POST /explain. Both call the bundle directly: the same `bundle.predict` as `sentiops predict`.
 */
export function registerPredictRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const {holder, metrics, limits, page} = ctx

  /** The page with the result for `text` (explained by `model`) or with an error message. */
  const sendPage = (reply: FastifyReply, status: number, text: string, result: {model: ServingModel} | {error: string}) => {
    const model = 'model' in result ? result.model : holder.model
    let explanation: Explanation | undefined
    if ('model' in result) {
      explanation = result.model.bundle.explain(text, PAGE_TOP_K)
      metrics.observeTextLength(text.length)
      metrics.countPrediction(result.model, explanation.label)
    }
    const html = page.render({
      text,
      error: 'error' in result ? result.error : undefined,
      explanation,
      maxTextLength: limits.maxTextLength,
      modelName: model?.name ?? 'none loaded',
      modelVersion: model?.version ?? '-',
    })
    return reply.code(status).headers(PAGE_SECURITY_HEADERS).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(html)
  }

  app.register(async scope => {
    await scope.register(formbody)
    scope.post<{Body: PredictBody}>(
      '/predict',
      {
        schema: {body: predictBodySchema(limits), response: {200: predictResponseSchema}},
        attachValidation: true,
        config: {accepts: 'application/json or application/x-www-form-urlencoded'},
      },
      async (request, reply) => {
        if (wantsPage(request)) {
          const text = typeof request.body?.text === 'string' ? request.body.text : ''
          if (request.validationError) return sendPage(reply, 400, text, {error: request.validationError.message})
          if (request.body?.text === undefined) return sendPage(reply, 400, text, {error: 'the form has no "text" field'})
          const model = holder.model
          if (model === undefined) return sendPage(reply, 503, text, {error: 'no model is loaded yet; retry shortly'})
          return sendPage(reply, 200, text, {model})
        }
        if (request.validationError) throw request.validationError
        return answerPredict(holder, metrics, request.body)
      },
    )
  })

  app.post<{Body: ExplainBody}>(
    '/explain',
    {schema: {body: explainBodySchema(limits), response: {200: explainResponseSchema}}},
    async request => {
      const model = servingModel(holder)
      const {text, top_k: topK = DEFAULT_TOP_K} = request.body
      const explanation = model.bundle.explain(text, topK)
      metrics.observeTextLength(text.length)
      metrics.countPrediction(model, explanation.label)
      return {...explanation, model: identityOf(model)}
    },
  )
}

/** The page's form post (no JavaScript) is answered with the page; a form post asking for JSON gets JSON. */
function wantsPage(request: FastifyRequest): boolean {
  const type = request.headers['content-type']?.toLowerCase()
  if (type?.startsWith('application/x-www-form-urlencoded') !== true) return false
  const accept = request.headers.accept ?? ''
  return !(accept.includes('application/json') && !accept.includes('text/html'))
}
