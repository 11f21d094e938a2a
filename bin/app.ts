// CDK entry point (cdk.json runs `npx tsx bin/app.ts`). A bad `sessionExpiry` config ends synth with
// the message naming the key, not a stack trace.
import { App } from 'aws-cdk-lib';
import { ConfigError } from '../contract/app-config';
import { buildApp, configFromContext } from '../lib/session-expiry-app';

const app = new App();
try {
  buildApp(app, configFromContext(app));
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
