// Exit codes of sessionctl: one per kind of failure a script may want to branch on, documented in
// `sessionctl --help`. Kept in one table so the help text and the mapping can never disagree.

export const EXIT = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  unauthorized: 3,
  notFound: 4,
  conflict: 5,
  limit: 6,
  unavailable: 7,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit code for an HTTP error status of the API. */
export const exitCodeForStatus = (status: number): ExitCode => {
  if (status === 400 || status === 413 || status === 422) return EXIT.usage;
  if (status === 401 || status === 403) return EXIT.unauthorized;
  if (status === 404) return EXIT.notFound;
  if (status === 409) return EXIT.conflict;
  if (status === 429) return EXIT.limit;
  if (status === 502 || status === 503 || status === 504) return EXIT.unavailable;
  return EXIT.unexpected;
};

export const EXIT_CODES_HELP = `Exit codes:
  0  ok
  1  unexpected error (a bug, or an API answer outside the contract, e.g. 500)
  2  usage or validation error (bad flags, or the API answered 400/413)
  3  unauthorized (401/403, or no token could be found or minted)
  4  not found (404: unknown session, or another user's)
  5  conflict (409: e.g. activity on an ended session, Idempotency-Key reused with another body)
  6  limit exceeded (429: too many live sessions for this owner)
  7  unavailable (503, a timeout, or the API cannot be reached)`;
