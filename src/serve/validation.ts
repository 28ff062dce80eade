import {Ajv, type Options} from 'ajv'
import type {FastifySchemaCompiler} from 'fastify'

/**
 * How request bodies are validated: no type coercion, no silent removal of unknown fields, first error only.
 * Shared by the Fastify routes and the fast path, so both give the same messages.
 */
const AJV_OPTIONS: Options = {coerceTypes: false, useDefaults: true, removeAdditional: false, allErrors: false}

let shared: Ajv | undefined

/** The one Ajv instance of the server, made on first use. */
export function serveAjv(): Ajv {
  return (shared ??= new Ajv(AJV_OPTIONS))
}

/**
 * Fastify's validator compiler on the server's Ajv instance with AJV_OPTIONS: the routes and the fast path's
 * fallback validator (fast-predict.ts) are configured by the same constant, so they cannot drift apart.
 */
export function leanValidatorCompiler(): FastifySchemaCompiler<unknown> {
  return ({schema}) => serveAjv().compile(schema as object)
}
