/**
 * JSON schemas of the HTTP edge. Request schemas reject wrong types and enforce the limits (400); response
 * schemas make Fastify serialize with fast-json-stringify and never leak a field by accident.
 */

export interface Limits {
  /** Characters per text (serve.max_text_length). */
  maxTextLength: number
  /** Texts per request (serve.max_batch). */
  maxBatch: number
}

export interface PredictBody {
  text?: string
  texts?: string[]
}

export interface ExplainBody {
  text: string
  top_k?: number
}

export const MAX_TOP_K = 100

export function predictBodySchema(limits: Limits) {
  return {
    type: 'object',
    properties: {
      text: {type: 'string', maxLength: limits.maxTextLength},
      texts: {type: 'array', minItems: 1, maxItems: limits.maxBatch, items: {type: 'string', maxLength: limits.maxTextLength}},
    },
  } as const
}

export function explainBodySchema(limits: Limits) {
  return {
    type: 'object',
    required: ['text'],
    properties: {
      text: {type: 'string', maxLength: limits.maxTextLength},
      top_k: {type: 'integer', minimum: 1, maximum: MAX_TOP_K},
    },
  } as const
}

const predictionProperties = {
  label: {type: 'string'},
  score: {type: 'number'},
  probabilities: {type: 'object', additionalProperties: {type: 'number'}},
} as const

const predictionSchema = {type: 'object', required: ['label', 'score', 'probabilities'], properties: predictionProperties} as const

export const modelIdentitySchema = {
  type: 'object',
  required: ['name', 'version'],
  properties: {name: {type: 'string'}, version: {type: 'string'}, alias: {type: 'string'}},
} as const

/** One text → the prediction's fields at the top level; `texts` → `predictions`. Both name the model. */
export const predictResponseSchema = {
  type: 'object',
  properties: {
    ...predictionProperties,
    predictions: {type: 'array', items: predictionSchema},
    model: modelIdentitySchema,
  },
} as const

const contributionList = {
  type: 'array',
  items: {type: 'object', required: ['token', 'contribution'], properties: {token: {type: 'string'}, contribution: {type: 'number'}}},
} as const

export const explainResponseSchema = {
  type: 'object',
  properties: {
    ...predictionProperties,
    target: {type: 'string'},
    method: {type: 'string'},
    processed: {type: 'string'},
    bias: {type: 'number'},
    positive: contributionList,
    negative: contributionList,
    model: modelIdentitySchema,
  },
} as const

/** MLflow's scoring server answers `{"predictions": [...]}`; a DataFrame result becomes a list of records. */
export const invocationsResponseSchema = {
  type: 'object',
  properties: {predictions: {type: 'array', items: predictionSchema}},
} as const

const tensorSpec = {
  type: 'object',
  properties: {name: {type: 'string'}, datatype: {type: 'string'}, shape: {type: 'array', items: {type: 'integer'}}},
} as const

/** KServe Open Inference Protocol (V2) model metadata. */
export const v2ModelMetadataSchema = {
  type: 'object',
  properties: {
    name: {type: 'string'},
    versions: {type: 'array', items: {type: 'string'}},
    platform: {type: 'string'},
    inputs: {type: 'array', items: tensorSpec},
    outputs: {type: 'array', items: tensorSpec},
    parameters: {type: 'object', additionalProperties: true},
  },
} as const

export const errorResponseSchema = {
  type: 'object',
  required: ['error', 'message'],
  properties: {error: {type: 'string'}, message: {type: 'string'}},
} as const
