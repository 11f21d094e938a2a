// Errors only the HTTP layer can raise (the domain knows nothing of bodies or routes). They are
// mapped to responses in the one error mapping, next to the domain errors.

export const MAX_BODY_BYTES = 16 * 1024;

export class PayloadTooLargeError extends Error {
  readonly code = 'payload_too_large';
  constructor() {
    super(`body must be at most ${MAX_BODY_BYTES} bytes`);
    this.name = 'PayloadTooLargeError';
  }
}

/** A known path with a method it does not serve. */
export class MethodNotAllowedError extends Error {
  readonly code = 'method_not_allowed';
  constructor(readonly allowed: readonly string[]) {
    super('method not allowed');
    this.name = 'MethodNotAllowedError';
  }
}
