// What the JWT verifier uses of jose: in the functions jose is loaded on first use, from a file of
// its own beside the bundle built from this module (FIRST_USE_PACKAGES in
// lib/constructs/session-function.ts, README "Performance"), so it exports exactly this. Its type
// is what the verifier sees: using more of jose fails typecheck, not a deploy.
export { createRemoteJWKSet, errors, jwtVerify } from 'jose';
