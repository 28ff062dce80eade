import type {FastifyInstance} from 'fastify'
import type {RouteContext} from '../app.js'
import {HttpError} from '../http-errors.js'
import {PAGE_SECURITY_HEADERS} from '../page.js'

/** GET / (the review form) and its two static assets, with strict security headers and no external origin. */
export function registerPageRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const {holder, limits, page} = ctx

  app.get('/', async (_request, reply) => {
    const model = holder.model
    const html = page.render({
      text: '',
      maxTextLength: limits.maxTextLength,
      modelName: model?.name ?? 'none loaded',
      modelVersion: model?.version ?? '-',
    })
    return reply.headers(PAGE_SECURITY_HEADERS).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(html)
  })

  app.get<{Params: {name: string}}>('/assets/:name', async (request, reply) => {
    const asset = page.assets.get(request.params.name)
    if (asset === undefined) throw new HttpError(404, `no asset named ${JSON.stringify(request.params.name.slice(0, 100))}`)
    reply.headers(PAGE_SECURITY_HEADERS).header('etag', asset.etag).header('cache-control', 'public, max-age=300')
    if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send()
    return reply.type(asset.contentType).send(asset.body)
  })
}
