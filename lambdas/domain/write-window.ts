// The write-batching window of activity reports (README "How a session's deadline works"): reports
// of the same kind closer together than this are acknowledged without a write.

/**
 * The deadline a batched report would set differs from the stored one by at most this much, a
 * small price for far fewer writes. max(5 % of the idle timeout, 1 s), in whole seconds (rounded
 * up), so that right after a write the window is exactly the whole nextReportInSeconds a client is
 * told (next-report.ts).
 */
export const heartbeatWriteThresholdMs = (idleTimeoutSeconds: number): number =>
  Math.max(Math.ceil(idleTimeoutSeconds * 0.05), 1) * 1000;
