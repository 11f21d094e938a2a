// The start queue on one machine (README "Starting at the rate ECS allows"): what SQS and the
// starter's event source mapping do on AWS, in process. A queued start waits out its delay, then
// takes its turn (first in, first out) and is handed to the starter handler as a one-record SQS
// event, at most `concurrency` at a time and paced to the configured task start rate, so the task
// runner sees starts at the rate ECS allows rather than a burst it must refuse. A delivery that
// throws or reports its record in `batchItemFailures` comes back after `visibilityTimeoutMs`, up to
// `maxReceives` times; then it is logged as a dead letter (the sweep ends its session as stuck).
import { randomUUID } from 'node:crypto';
import { type SQSBatchResponse, type SQSEvent } from 'aws-lambda';
import { type Clock, systemClock } from '../../lambdas/ports/clock';
import { type Log } from '../../lambdas/ports/observability';
import { type QueueStanding, type StartQueue, type StartRequest } from '../../lambdas/ports/start-queue';
import { type TaskStartRate } from './task-start-rate';

export interface InProcessStartQueueOptions {
  /** The starter handler, as the SQS event source mapping invokes it. */
  deliver: (event: SQSEvent) => Promise<SQSBatchResponse>;
  log: Log;
  /** Starts are handed over no faster than this (the task launch rate the configuration names). */
  rate: TaskStartRate;
  /** Deliveries in flight at once (the starter's maximum concurrency). */
  concurrency?: number;
  visibilityTimeoutMs?: number;
  maxReceives?: number;
  clock?: Clock;
}

interface Message {
  id: string;
  request: StartRequest;
  receives: number;
}

export class InProcessStartQueue implements StartQueue {
  private readonly ready: Message[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private inFlight = 0;
  private tokens: number;
  private refilledAt: number;
  private paceTimer?: NodeJS.Timeout;
  private closed = false;
  private readonly clock: Clock;
  private readonly idle = new Set<() => void>();

  constructor(private readonly options: InProcessStartQueueOptions) {
    this.clock = options.clock ?? systemClock;
    this.tokens = options.rate.burst;
    this.refilledAt = this.clock.now();
  }

  enqueue(request: StartRequest, delaySeconds = 0): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the start queue is closed'));
    this.later({ id: randomUUID(), request: { ...request }, receives: 0 }, delaySeconds * 1000);
    return Promise.resolve();
  }

  /**
   * Starts ahead of this session's in line (0: next) and the seconds until its turn at the
   * configured rate; undefined when it is not waiting in line (delayed for a retry, or started).
   */
  standingOf(sessionId: string): QueueStanding | undefined {
    const index = this.ready.findIndex((m) => m.request.sessionId === sessionId);
    if (index < 0) return undefined;
    this.refill();
    const startEstimateSeconds = Math.max(0, Math.ceil((index + 1 - this.tokens) / this.options.rate.ratePerSecond));
    return { queuePosition: index, startEstimateSeconds };
  }

  /** Messages waiting, delayed or being delivered. */
  get depth(): number {
    return this.ready.length + this.timers.size + this.inFlight;
  }

  /** Drops what is queued (a stopped stack; the sweep ends those sessions) and waits for deliveries in flight. */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    clearTimeout(this.paceTimer);
    if (this.ready.length > 0) this.options.log.warn('start queue: dropping queued starts', { queued: this.ready.length });
    this.ready.length = 0;
    if (this.inFlight > 0) await new Promise<void>((resolve) => this.idle.add(resolve));
  }

  private later(message: Message, delayMs: number): void {
    if (delayMs <= 0) {
      this.ready.push(message);
      this.pump();
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.ready.push(message);
      this.pump();
    }, delayMs);
    this.timers.add(timer);
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.options.rate.burst, this.tokens + ((now - this.refilledAt) / 1000) * this.options.rate.ratePerSecond);
    this.refilledAt = now;
  }

  private pump(): void {
    if (this.closed) return;
    const concurrency = this.options.concurrency ?? 10;
    this.refill();
    while (this.ready.length > 0 && this.inFlight < concurrency && this.tokens >= 1) {
      const message = this.ready.shift();
      if (message === undefined) break;
      this.tokens -= 1;
      this.inFlight++;
      void this.receive(message).finally(() => {
        this.inFlight--;
        if (this.inFlight === 0) for (const wake of this.idle) wake();
        this.pump();
      });
    }
    if (this.ready.length > 0 && this.tokens < 1 && this.paceTimer === undefined) {
      const waitMs = Math.ceil(((1 - this.tokens) / this.options.rate.ratePerSecond) * 1000);
      this.paceTimer = setTimeout(() => {
        this.paceTimer = undefined;
        this.pump();
      }, waitMs);
    }
  }

  private async receive(message: Message): Promise<void> {
    message.receives++;
    let failed: boolean;
    try {
      const response = await this.options.deliver(sqsEventOf(message));
      failed = response.batchItemFailures.some((f) => f.itemIdentifier === message.id);
    } catch (error) {
      this.options.log.warn('start queue: delivery failed', { sessionId: message.request.sessionId, error: String(error) });
      failed = true;
    }
    if (!failed || this.closed) return;
    if (message.receives >= (this.options.maxReceives ?? 3)) {
      this.options.log.error('start queue: dead letter (the sweep ends the session as a stuck start)', { sessionId: message.request.sessionId });
      return;
    }
    this.later(message, this.options.visibilityTimeoutMs ?? 1000);
  }
}

/** The event the SQS event source mapping would hand the starter for this one message. */
const sqsEventOf = (message: Message): SQSEvent => ({
  Records: [
    {
      messageId: message.id,
      receiptHandle: message.id,
      body: JSON.stringify(message.request),
      attributes: {
        ApproximateReceiveCount: String(message.receives),
        SentTimestamp: String(Date.now()),
        SenderId: 'local',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:local:000000000000:session-expiry-starts',
      awsRegion: 'local',
    },
  ],
});
