#!/usr/bin/env node
// The bundled demo session program (the `demo` profile's local command). It behaves like a well-mannered
// session: it reports `connect` once, then `ping`s to prove it is there, and `disconnect`s when told to
// stop. It never sends `interaction`: pings move no deadline, so an untouched demo session reaches its
// idle timeout exactly as a forgotten open tab should. Plain Node, no dependencies, never crashes on
// network errors (they are logged and retried at the next ping).

const sessionId = process.env.SESSION_ID ?? '';
const activityToken = process.env.SESSION_ACTIVITY_TOKEN ?? '';
const apiUrl = (process.env.SESSION_API_URL ?? '').replace(/\/+$/, '');
const pingSeconds = positiveNumber(process.env.DEMO_PING_SECONDS, 30);
const REQUEST_TIMEOUT_MS = Math.min(10_000, pingSeconds * 1000);
/** How long the goodbye `disconnect` may delay the exit after SIGTERM. */
const DISCONNECT_BUDGET_MS = 1000;

function positiveNumber(raw, fallback) {
  const value = Number(raw);
  return raw !== undefined && raw !== '' && Number.isFinite(value) && value > 0 ? value : fallback;
}

function log(message) {
  process.stdout.write(`${new Date().toISOString()} demo-session ${sessionId || '-'}: ${message}\n`);
}

/** POSTs one heartbeat; returns true on a 2xx answer. Never throws. */
async function report(kind, timeoutMs) {
  const url = `${apiUrl}/sessions/${encodeURIComponent(sessionId)}/activity`;
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-session-token': activityToken },
      body: JSON.stringify({ kind }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    if (response.ok) {
      log(`${kind} -> ${response.status}${statusOf(text)}`);
      return true;
    }
    log(`${kind} -> ${response.status} ${errorCodeOf(text)}`.trimEnd());
    return false;
  } catch (error) {
    const reason = error?.cause?.code ?? error?.name ?? 'error';
    log(`${kind} failed (${reason}); retrying at the next ping`);
    return false;
  }
}

function statusOf(text) {
  try {
    const status = JSON.parse(text)?.session?.status;
    return typeof status === 'string' ? ` (session ${status})` : '';
  } catch {
    return '';
  }
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
let inFlight = false;
let stopping = false;
let timer;

async function tick() {
  // One request at a time: a slow API must not pile up heartbeats.
  if (inFlight || stopping) return;
  inFlight = true;
  try {
    // Until a connect has been acknowledged, keep trying to connect rather than ping.
    if (connected) await report('ping', REQUEST_TIMEOUT_MS);
    else connected = await report('connect', REQUEST_TIMEOUT_MS);
  } finally {
    inFlight = false;
  }
}

async function shutdown(signal) {
  if (stopping) {
    // A second signal while saying goodbye: leave at once.
    process.exit(0);
  }
  stopping = true;
  clearInterval(timer);
  log(`${signal} received, stopping`);
  if (apiUrl && connected) await report('disconnect', DISCONNECT_BUDGET_MS);
  log('bye');
  process.exit(0);
}

process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

if (apiUrl && sessionId) {
  log(`started; reporting to ${apiUrl} every ${pingSeconds}s`);
  timer = setInterval(() => void tick(), pingSeconds * 1000);
  void tick();
} else {
  log('started without SESSION_API_URL or SESSION_ID; idling until signalled');
  // Nothing to report to: a timer keeps the process alive until a signal arrives.
  timer = setInterval(() => {}, 1 << 30);
}
