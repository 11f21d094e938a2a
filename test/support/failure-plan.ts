// How a fake fails on demand: per operation, the next N calls, or the calls matching a rule. Every
// fake in this directory has one, so a test stages a throttle or a fault exactly where it wants it.

/** Programmable failures of one fake, per operation: the next N calls, or calls matching a rule. */
export class FailurePlan<Op extends string> {
  private readonly queued = new Map<Op, Error[]>();
  private readonly rules = new Map<Op, (args: readonly unknown[]) => Error | undefined>();

  /** The next `times` calls of `op` throw `error`. */
  failNext(op: Op, error: Error, times = 1): void {
    this.queued.set(op, [...(this.queued.get(op) ?? []), ...Array<Error>(times).fill(error)]);
  }

  /** Every call of `op` for which `rule` returns an error throws it (until cleared). */
  failWhen(op: Op, rule: (args: readonly unknown[]) => Error | undefined): void {
    this.rules.set(op, rule);
  }

  clear(): void {
    this.queued.clear();
    this.rules.clear();
  }

  /** Throws the planned error for this call, if any. */
  check(op: Op, ...args: readonly unknown[]): void {
    const queue = this.queued.get(op);
    const next = queue?.shift();
    if (next !== undefined) throw next;
    const error = this.rules.get(op)?.(args);
    if (error !== undefined) throw error;
  }
}
