export * from './params.js'
export {loadParams, validateParams, parseAssignment, parseParamsYaml, readParamsText, envAssignments, getAt, setAt, DEFAULT_PARAMS_FILE} from './load.js'
export type {LoadParamsOptions, LoadedParams} from './load.js'
export {paramsSchema} from './schema.js'
