// Stands in for `node:stream/web` in the function bundles (lib/constructs/session-function.ts,
// BUNDLE_ALIASES): middy's core imports ReadableStream from it for streamed responses, which no
// handler of ours returns, and loading Node's web streams at init cost about a tenth of the SDK
// clients' own load + init (README "Performance"). The getter hands out Node's own class (the
// global is the same object as the module's export), loaded the first time it is asked for.
'use strict';

module.exports = {
  get ReadableStream() {
    return globalThis.ReadableStream;
  },
};
