// The bundles' stand-in for node:stream/web (lib/constructs/session-function.ts, BUNDLE_ALIASES):
// whatever a dependency takes from it is Node's own object, so a streamed response would be
// recognised as before, and no name the real module exports is missing from it.
import { createRequire } from 'node:module';
import * as streamWeb from 'node:stream/web';
import { describe, expect, it } from 'vitest';

const standIn = createRequire(import.meta.url)('../../../lambdas/handlers/stream-web-on-use.cjs') as Record<string, unknown>;

describe('the node:stream/web stand-in', () => {
  it("hands out Node's ReadableStream class", () => {
    expect(standIn['ReadableStream']).toBe(streamWeb.ReadableStream);
    expect(new streamWeb.ReadableStream()).toBeInstanceOf(standIn['ReadableStream'] as typeof streamWeb.ReadableStream);
  });

  it('provides every name node:stream/web exports, as the same object', () => {
    const names = Object.keys(streamWeb).filter((name) => name !== 'default');
    expect(names.length).toBeGreaterThan(10);
    for (const name of names) expect({ name, value: standIn[name] }).toEqual({ name, value: (streamWeb as Record<string, unknown>)[name] });
  });
});
