import type {FastifyInstance} from 'fastify'
import type {RouteContext} from '../app.js'
import {csvToSplit, textsFromInvocation} from '../invocations.js'
import {invocationsResponseSchema} from '../schemas.js'
import {classify, servingModel} from './model-access.js'

/** MLflow's scoring endpoint: JSON in the four shapes its server accepts, or CSV with a header row. */
export function registerInvocationRoutes(scope: FastifyInstance, ctx: RouteContext): void {
  const {holder, metrics, limits} = ctx
  scope.addContentTypeParser('text/csv', {parseAs: 'string'}, async (_request: unknown, body: string | Buffer) => csvToSplit(String(body)))

  scope.post(
    '/invocations',
    {schema: {response: {200: invocationsResponseSchema}}, config: {accepts: 'application/json or text/csv'}},
    async request => {
      const texts = textsFromInvocation(request.body, limits)
      const model = servingModel(holder)
      return {predictions: classify(metrics, model, texts)}
    },
  )
}
