// The bundles' stand-in for node:stream/web (lib/constructs/session-function.ts, BUNDLE_ALIASES):
// what middy's core gets from it is Node's own ReadableStream, so a streamed response would be
// recognised as before.
import { createRequire } from 'node:module';
import { ReadableStream } from 'node:stream/web';
import { describe, expect, it } from 'vitest';

const standIn = createRequire(import.meta.url)('../../../lambdas/handlers/stream-web-on-use.cjs') as { ReadableStream: unknown };

describe('the node:stream/web stand-in', () => {
  it("hands out Node's ReadableStream class", () => {
    expect(standIn.ReadableStream).toBe(ReadableStream);
    expect(new ReadableStream()).toBeInstanceOf(standIn.ReadableStream as typeof ReadableStream);
  });
});
