import type {ErrorObject} from 'ajv'

/** Ajv standalone validator of params.yaml (fills defaults in place); see scripts/gen-params-validator.mjs. */
declare const validate: ((data: unknown) => boolean) & {errors?: ErrorObject[] | null}
export default validate
export {validate}
