import {UserError, type ErrorOptions} from '../errors.js'

/** A run, experiment, model, version or alias that does not exist (MLflow's RESOURCE_DOES_NOT_EXIST). */
export class NotFoundError extends UserError {
  override name = 'NotFoundError'
  override readonly code = 'NOT_FOUND'
}

/** A name that is already taken (MLflow's RESOURCE_ALREADY_EXISTS). */
export class AlreadyExistsError extends UserError {
  override name = 'AlreadyExistsError'
  override readonly code = 'ALREADY_EXISTS'
}

export function isNotFound(error: unknown): error is NotFoundError {
  return error instanceof NotFoundError
}

export function isAlreadyExists(error: unknown): error is AlreadyExistsError {
  return error instanceof AlreadyExistsError
}

export type {ErrorOptions}
