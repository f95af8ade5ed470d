/**
 * The one error hierarchy of Clientele. Deciders, handlers and adapters throw these; the API maps
 * them to RFC 9457 problem+json in one filter (apps/api/problem-details.filter.ts) and the CLI
 * prints their message. Each kind has exactly one HTTP status.
 */
export type ErrorKind =
  | 'invalid'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'precondition_failed'
  | 'rule_violated'
  | 'rate_limited'
  | 'unavailable';

export interface FieldError {
  field: string;
  message: string;
}

export abstract class ClienteleError extends Error {
  abstract readonly kind: ErrorKind;
  /** A stable, machine-readable code (`email_already_registered`, `session_full`). */
  readonly code: string;
  /** Extra members of the problem document (for example `existingClientId`). */
  readonly extensions: Readonly<Record<string, unknown>>;

  protected constructor(code: string, message: string, extensions: Record<string, unknown> = {}) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.extensions = extensions;
  }
}

export class InvalidInput extends ClienteleError {
  readonly kind = 'invalid';
  constructor(
    message: string,
    readonly errors: FieldError[] = [],
  ) {
    super('invalid_input', message);
  }
}

export class Unauthenticated extends ClienteleError {
  readonly kind = 'unauthenticated';
  constructor(message = 'A valid bearer token is required.') {
    super('unauthenticated', message);
  }
}

export class PermissionDenied extends ClienteleError {
  readonly kind = 'forbidden';
  constructor(readonly permission: string) {
    super('permission_denied', `This action needs the permission "${permission}".`, {
      permission,
    });
  }
}

export class NotFound extends ClienteleError {
  readonly kind = 'not_found';
  constructor(what: string, id: string) {
    super(`${what}_not_found`, `No ${what.replace(/_/g, ' ')} with id ${id}.`);
  }
}

export class Conflict extends ClienteleError {
  readonly kind = 'conflict';
  constructor(code: string, message: string, extensions: Record<string, unknown> = {}) {
    super(code, message, extensions);
  }
}

export class PreconditionFailed extends ClienteleError {
  readonly kind = 'precondition_failed';
  constructor(message: string, extensions: Record<string, unknown> = {}) {
    super('precondition_failed', message, extensions);
  }
}

/** A business rule said no. Subclasses are named as the rule, in the domain that owns it. */
export abstract class RuleViolation extends ClienteleError {
  readonly kind = 'rule_violated';
}

/** Too many failed attempts from one address: wait `retryAfterSeconds` before the next. */
export class TooManyRequests extends ClienteleError {
  readonly kind = 'rate_limited';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super('too_many_requests', message);
  }
}

export class Unavailable extends ClienteleError {
  readonly kind = 'unavailable';
  constructor(
    message: string,
    readonly retryAfterSeconds = 1,
  ) {
    super('unavailable', message);
  }
}
