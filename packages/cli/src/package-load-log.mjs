// Test aid (usage-exit.test.ts): `node --import ./package-load-log.mjs …` appends to the file named by
// VESTIGE_PACKAGE_LOAD_LOG the URL of every installed package module the process resolves, so a test can
// hold that a usage error loads none of them (start-up stays within 3× `node -e 0`, pnpm bench cli).
import { register } from 'node:module';

const hooks = `
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  if (resolved.url.includes('/node_modules/')) appendFileSync(${JSON.stringify(process.env.VESTIGE_PACKAGE_LOAD_LOG ?? '/dev/null')}, resolved.url + '\\n');
  return resolved;
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
