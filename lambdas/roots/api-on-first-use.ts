// What the api loads on first use, behind one import() (README "Performance"): its rarer routes
// (handlers/api-routes-on-first-use.ts), for the first request to one of them, and the profiles'
// parser, for the first create's read of the profiles. One module, so one boundary: each import() of
// our own adds chunks at load for the modules it shares with the rest (this one adds a single chunk;
// a separate one for the parser took two more, test/lib/constructs/function-bundles.test.ts).
export { ROUTES_ON_FIRST_USE } from '../handlers/api-routes-on-first-use';
export { parseDeployedProfiles } from '../profile-config';
