#!/usr/bin/env node
// The bundled demo session program (the `demo` profile's local command). It behaves like a well-mannered
// session: it reports `connect` once under a connection id of its own, then `ping`s naming it to prove
// it is there, and `disconnect`s it when told to stop. It never sends `interaction`: pings move no
// deadline, so an untouched demo session reaches its idle timeout exactly as a forgotten open tab
// should. It never reports sooner than the last answer's `nextReportInSeconds` (README "HTTP API",
// activity), and never later than half the idle timeout, so its connection id stays fresh. When an
// answer first carries a `warning` (the deadline is near), it prints it once, with the call that
// snoozes it. Plain Node, no dependencies, never crashes on network errors (they are logged and
// retried at the next ping).
import { randomBytes } from 'node:crypto';

const sessionId = process.env.SESSION_ID ?? '';
const activityToken = process.env.SESSION_ACTIVITY_TOKEN ?? '';
const apiUrl = (process.env.SESSION_API_URL ?? '').replace(/\/+$/, '');
const pingSeconds = positiveNumber(process.env.DEMO_PING_SECONDS, 30);
const REQUEST_TIMEOUT_MS = Math.min(10_000, pingSeconds * 1000);
/** How long the goodbye `disconnect` may delay the exit after SIGTERM. */
const DISCONNECT_BUDGET_MS = 1000;
/** Bounds on the wait between reports, whatever an answer says. */
const MIN_WAIT_SECONDS = 1;
const MAX_WAIT_SECONDS = 3600;
/** Letters, digits and `-`: a valid connection id, unique to this process. */
const connectionId = `demo-${randomBytes(6).toString('hex')}`;

function positiveNumber(raw, fallback) {
  const value = Number(raw);
  return raw !== undefined && raw !== '' && Number.isFinite(value) && value > 0 ? value : fallback;
}

function log(message) {
  process.stdout.write(`${new Date().toISOString()} demo-session ${sessionId || '-'}: ${message}\n`);
}

/** POSTs one heartbeat naming this connection; returns the parsed answer on 2xx, else undefined. Never throws. */
async function report(kind, timeoutMs) {
  const url = `${apiUrl}/sessions/${encodeURIComponent(sessionId)}/activity`;
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-session-token': activityToken },
      body: JSON.stringify({ kind, connectionId }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    if (response.ok) {
      const answer = parsed(text) ?? {};
      const status = typeof answer.session?.status === 'string' ? ` (session ${answer.session.status})` : '';
      log(`${kind} -> ${response.status}${status}`);
      return answer;
    }
    log(`${kind} -> ${response.status} ${errorCodeOf(text)}`.trimEnd());
    return undefined;
  } catch (error) {
    const reason = error?.cause?.code ?? error?.name ?? 'error';
    log(`${kind} failed (${reason}); retrying at the next ping`);
    return undefined;
  }
}

function parsed(text) {
  try {
    const value = JSON.parse(text);
    return typeof value === 'object' && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Seconds until the next report: the configured ping interval, but no sooner than the answer's
 * nextReportInSeconds (reporting sooner changes nothing) and no later than half the idle timeout
 * (so the connection id is seen before it goes stale), within MIN/MAX_WAIT_SECONDS.
 */
function waitSecondsAfter(answer) {
  const told = positiveNumber(String(answer?.nextReportInSeconds ?? ''), 0);
  const idle = positiveNumber(String(answer?.session?.timeouts?.idleTimeoutSeconds ?? ''), Number.POSITIVE_INFINITY);
  const wanted = Math.max(told, Math.min(pingSeconds, Math.floor(idle / 2)));
  return Math.min(MAX_WAIT_SECONDS, Math.max(MIN_WAIT_SECONDS, wanted));
}

function errorCodeOf(text) {
  try {
    const code = JSON.parse(text)?.error?.code;
    return typeof code === 'string' ? code : '';
  } catch {
    return '';
  }
}

let connected = false;
let stopping = false;
let timer;
/** The deadline (`warning.at`) last warned about: each deadline's warning is printed once. */
let warnedFor;

/** Prints the answer's warning the first time it is seen for its deadline. */
function showWarning(answer) {
  const warning = answer?.session?.warning;
  if (typeof warning?.at !== 'string' || warning.at === warnedFor) return;
  warnedFor = warning.at;
  log(`warning: session ends at ${warning.at} (${warning.reason}, in ${warning.secondsLeft}s); to keep it: ${warning.extendRoute}`);
}

/** One report, then the next one scheduled: one request at a time, so a slow API never piles them up. */
async function tick() {
  if (stopping) return;
  // Until a connect has been acknowledged, keep trying to connect rather than ping.
  const answer = await report(connected ? 'ping' : 'connect', REQUEST_TIMEOUT_MS);
  if (answer !== undefined) connected = true;
  showWarning(answer);
  if (stopping) return;
  // After a failure, the configured interval: there is no answer to obey.
  const waitSeconds = answer === undefined ? Math.max(MIN_WAIT_SECONDS, pingSeconds) : waitSecondsAfter(answer);
  timer = setTimeout(() => void tick(), waitSeconds * 1000);
}

async function shutdown(signal) {
  if (stopping) {
    // A second signal while saying goodbye: leave at once.
    process.exit(0);
  }
  stopping = true;
  clearTimeout(timer);
  log(`${signal} received, stopping`);
  if (apiUrl && connected) await report('disconnect', DISCONNECT_BUDGET_MS);
  log('bye');
  process.exit(0);
}

process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

if (apiUrl && sessionId) {
  log(`started as connection ${connectionId}; reporting to ${apiUrl} about every ${pingSeconds}s`);
  void tick();
} else {
  log('started without SESSION_API_URL or SESSION_ID; idling until signalled');
  // Nothing to report to: a timer keeps the process alive until a signal arrives.
  timer = setInterval(() => {}, 1 << 30);
}
