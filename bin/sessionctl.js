#!/usr/bin/env node
// The package `bin` shim for sessionctl: registers tsx so the TypeScript entry runs as is, which makes
// `npx sessionctl` and `npm run sessionctl --` work without a build step.
import { register } from 'tsx/esm/api';

register();
await import('./sessionctl.ts');
