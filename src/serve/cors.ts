import type {FastifyInstance} from 'fastify'
import {ConfigError} from '../core/errors.js'

/**
 * Cross-origin access, off unless serve.cors_origin names the allowed origins: `*` or a comma-separated list
 * of exact origins (`https://app.example.com`). Only the JSON API is meant for other origins, without
 * credentials, so the allowed methods and headers are fixed.
 */
export function parseCorsOrigins(setting: string): '*' | ReadonlySet<string> | undefined {
  const trimmed = setting.trim()
  if (trimmed === '') return undefined
  if (trimmed === '*') return '*'
  const origins = trimmed.split(',').map(s => s.trim()).filter(Boolean)
  for (const origin of origins) {
    let parsed: URL
    try {
      parsed = new URL(origin)
    } catch {
      throw new ConfigError(`serve.cors_origin: ${JSON.stringify(origin)} is not an origin; use "*" or e.g. "https://app.example.com"`)
    }
    if (parsed.origin !== origin) {
      throw new ConfigError(`serve.cors_origin: ${JSON.stringify(origin)} is not an origin (scheme://host[:port], no path); did you mean ${parsed.origin}?`)
    }
  }
  return new Set(origins)
}

const ALLOW_METHODS = 'GET, POST, OPTIONS'
const ALLOW_HEADERS = 'content-type, accept'
const MAX_AGE_SECONDS = '600'

export function installCors(app: FastifyInstance, allowed: '*' | ReadonlySet<string>): void {
  const allowOrigin = (origin: string | undefined): string | undefined => {
    if (allowed === '*') return '*'
    return origin !== undefined && allowed.has(origin) ? origin : undefined
  }

  app.addHook('onRequest', async (request, reply) => {
    const origin = allowOrigin(request.headers.origin)
    if (allowed !== '*') reply.header('vary', 'Origin')
    if (origin !== undefined) reply.header('access-control-allow-origin', origin)
  })

  // Preflight for any path: answered here, so unknown paths still get 404 on the real request.
  app.options('*', async (request, reply) => {
    if (allowOrigin(request.headers.origin) !== undefined) {
      reply.header('access-control-allow-methods', ALLOW_METHODS)
      reply.header('access-control-allow-headers', ALLOW_HEADERS)
      reply.header('access-control-max-age', MAX_AGE_SECONDS)
    }
    return reply.code(204).send()
  })
}
