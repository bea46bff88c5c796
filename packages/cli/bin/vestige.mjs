#!/usr/bin/env node
// The CLI runs its TypeScript sources through tsx so that the monorepo needs no build step.
// Ingest keeps many fsyncs in flight at once so the file system can merge them; libuv's default pool of
// 4 threads would serialise them. Must be set before the first asynchronous file operation.
process.env.UV_THREADPOOL_SIZE ??= '16';
const { register } = await import('tsx/esm/api');
register();
// `vestige log | head` closes the pipe early: that is a normal end, not an error.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv.slice(2));
