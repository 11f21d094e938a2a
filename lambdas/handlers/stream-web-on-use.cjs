// Stands in for `node:stream/web` in the function bundles (lib/constructs/session-function.ts,
// BUNDLE_ALIASES): middy's core imports ReadableStream from it for streamed responses, which no
// handler of ours returns, and loading Node's web streams at init cost about a tenth of the SDK
// clients' own load + init (README "Performance"). Every name the module exports is also a global
// of Node (18 and later: the same objects), so each getter hands out Node's own class, loaded the
// first time it is asked for. All of them, so that a dependency importing another name later gets
// the real one rather than undefined (test/lambdas/handlers/stream-web-on-use.test.ts).
'use strict';

const NAMES = [
  'ReadableStream',
  'ReadableStreamDefaultReader',
  'ReadableStreamBYOBReader',
  'ReadableStreamBYOBRequest',
  'ReadableByteStreamController',
  'ReadableStreamDefaultController',
  'TransformStream',
  'TransformStreamDefaultController',
  'WritableStream',
  'WritableStreamDefaultWriter',
  'WritableStreamDefaultController',
  'ByteLengthQueuingStrategy',
  'CountQueuingStrategy',
  'TextEncoderStream',
  'TextDecoderStream',
  'CompressionStream',
  'DecompressionStream',
];

for (const name of NAMES) {
  Object.defineProperty(module.exports, name, { enumerable: true, get: () => globalThis[name] });
}
