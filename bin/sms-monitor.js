#!/usr/bin/env node
// The sms-monitor CLI. Runs the TypeScript sources directly through tsx (a runtime dependency).
import { register } from 'tsx/esm/api';

register();
await import('../client/src/cli.ts');
