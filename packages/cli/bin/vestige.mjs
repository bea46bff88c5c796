#!/usr/bin/env node
// The CLI runs its TypeScript sources through tsx so that the monorepo needs no build step.
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv.slice(2));
