#!/usr/bin/env node
// The server's sources are TypeScript; this program runs them through tsx (the `vestige` command has its own
// compiled bundle and starts the same server in-process with `vestige serve`).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.env);
