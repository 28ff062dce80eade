import type {ErrorObject} from 'ajv'

/** An Ajv standalone validator (allErrors, verbose); see scripts/gen-dvcyaml-validator.mjs. */
type Validate = ((data: unknown) => boolean) & {errors?: ErrorObject[] | null}
/** The whole dvc.yaml. */
export declare const top: Validate
/** One stage of each shape (`#/definitions/...` of the schema). */
export declare const Stage: Validate
export declare const ForeachDo: Validate
export declare const Matrix: Validate
