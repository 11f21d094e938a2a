// What the SQS adapter uses of its client package: in the functions the package is loaded on first
// use, from a file of its own beside the bundle built from this module (FIRST_USE_PACKAGES in
// lib/constructs/session-function.ts, README "Performance"), so it exports exactly this. Its type
// is what the adapter and its root see: using more of the package fails typecheck, not a deploy.
export { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
