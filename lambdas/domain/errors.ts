// Named errors of the domain and use cases. The API maps each to one HTTP status in one place;
// anything not named here is an unexpected error (500, no details).

export abstract class DomainError extends Error {
  abstract readonly code: string;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends DomainError {
  readonly code = 'validation_failed';
  /** The offending field, e.g. `idleTimeoutSeconds` or `body`. */
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export class UnauthorizedError extends DomainError {
  readonly code = 'unauthorized';
}

export class NotFoundError extends DomainError {
  readonly code = 'not_found';
  constructor(message = 'session not found') {
    super(message);
  }
}

export class ConflictError extends DomainError {
  readonly code = 'conflict';
}

export class LimitExceededError extends DomainError {
  readonly code = 'limit_exceeded';
}

/** A dependency (ECS, Scheduler, DynamoDB) is throttling or failing; the caller may retry later. */
export class UnavailableError extends DomainError {
  readonly code = 'unavailable';
  constructor(
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
  }
}

export class IllegalTransitionError extends DomainError {
  readonly code = 'conflict';
  constructor(
    readonly from: string,
    readonly to: string,
    readonly actor: string,
  ) {
    super(`a session cannot go from ${from} to ${to} by ${actor}`);
  }
}
