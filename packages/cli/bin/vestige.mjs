#!/usr/bin/env node
// Ingest keeps many fsyncs in flight at once so the file system can merge them; libuv's default pool of
// 4 threads would serialise them. Must be set before the first asynchronous file operation.
process.env.UV_THREADPOOL_SIZE ??= '16';
// `vestige log | head` closes the pipe early: that is a normal end, not an error.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});
// The command runs compiled (build.mjs: built at install, rebuilt here when a source changed), so it
// starts without a TypeScript loader. VESTIGE_FROM_SOURCE=1 runs the sources through tsx instead.
if (process.env.VESTIGE_FROM_SOURCE === '1') {
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import('../src/main.ts');
  process.exitCode = await main(process.argv.slice(2));
} else {
  const { ensureCliBuilt, compiledPath } = await import('../build.mjs');
  const { fileURLToPath, pathToFileURL } = await import('node:url');
  const { relative } = await import('node:path');
  const srcDir = fileURLToPath(new URL('../src/', import.meta.url));
  // Said only on a terminal: scripts and tests read stderr.
  const manifest = await ensureCliBuilt({
    log: (line) => process.stderr.isTTY && process.stderr.write(`vestige: sources changed; ${line}\n`),
  });
  globalThis[Symbol.for('vestige.compiledModule')] = (sourceUrl) =>
    pathToFileURL(compiledPath(relative(srcDir, fileURLToPath(sourceUrl)))).href;
  const { main, manifestCatalog } = await import(pathToFileURL(compiledPath('main.ts')).href);
  process.exitCode = await main(process.argv.slice(2), manifestCatalog(manifest.commands));
}
