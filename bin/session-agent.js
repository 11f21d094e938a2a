#!/usr/bin/env node
// The package `bin` shim for session-agent: registers tsx so the TypeScript entry runs as is (in this
// repository). Inside a task, run the single-file bundle instead (README "The session agent").
import { register } from 'tsx/esm/api';

register();
await import('./session-agent.ts');
