/**
 * The viewer server as a deployable program: a lab machine (or a container) that serves cases to the
 * browser viewer without an officer running `vestige serve`. It is configured by environment, prints
 * one JSON line when it listens (what a supervisor or a test waits for) and stops cleanly on SIGTERM or
 * SIGINT. The server itself is the library `@vestige/server`; this app only reads its settings.
 */
import * as path from 'node:path';
import { VestigeError } from '@vestige/evidence';
import { readUsersFile, startServer, type ServerOptions } from '@vestige/server';

/** The settings, by environment variable. */
export const SETTINGS = {
  VESTIGE_CASES: `case folders to serve, separated by "${path.delimiter}" (required)`,
  VESTIGE_HOST: 'address to listen on (default 127.0.0.1: only this machine)',
  VESTIGE_PORT: 'port (default 8750; 0 picks a free one)',
  VESTIGE_READ_ONLY: '"1": court presentation, every write refused',
  VESTIGE_OPERATOR: 'who makes changes (custody log); required unless read-only',
  VESTIGE_USERS: 'JSON file of users who sign in with a password (see `vestige serve --help`)',
} as const;

type Env = Record<string, string | undefined>;

/** Reads the settings; a missing or malformed one is a usage error naming the variable. */
export function optionsFromEnv(env: Env): ServerOptions {
  const cases = (env.VESTIGE_CASES ?? '').split(path.delimiter).filter((c) => c.trim() !== '');
  if (cases.length === 0) throw usage('VESTIGE_CASES is not set: name the case folder(s) to serve');
  const port = env.VESTIGE_PORT === undefined || env.VESTIGE_PORT === '' ? 8750 : Number(env.VESTIGE_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw usage(`VESTIGE_PORT=${env.VESTIGE_PORT} is not a port number (0–65535)`);
  const readOnly = env.VESTIGE_READ_ONLY === '1';
  const operator = env.VESTIGE_OPERATOR?.trim() || undefined;
  const users = env.VESTIGE_USERS ? readUsersFile(env.VESTIGE_USERS) : undefined;
  if (!readOnly && !operator && !users)
    throw usage('VESTIGE_OPERATOR is required unless VESTIGE_READ_ONLY=1: changes are logged under a name');
  return {
    cases,
    port,
    readOnly,
    ...(env.VESTIGE_HOST ? { host: env.VESTIGE_HOST } : {}),
    ...(operator ? { operator } : {}),
    ...(users ? { users } : {}),
  };
}

function usage(message: string): VestigeError {
  const hint = Object.entries(SETTINGS)
    .map(([k, v]) => `${k}: ${v}`)
    .join('; ');
  return new VestigeError('E_USAGE', message, { hint });
}

/**
 * Starts the server, prints `{ url, token, readOnly }` once listening, and resolves with the exit code when stopped.
 */
export async function main(env: Env): Promise<number> {
  let options: ServerOptions;
  try {
    options = optionsFromEnv(env);
  } catch (err) {
    const e = err as VestigeError;
    process.stderr.write(`vestige-server: ${e.message}\n${e.hint ? `  ${e.hint}\n` : ''}`);
    return 64;
  }
  const server = await startServer({ ...options, log: (line) => process.stderr.write(`${line}\n`) });
  process.stdout.write(
    `${JSON.stringify({ url: server.url, token: server.token ?? null, readOnly: options.readOnly === true })}\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await server.close();
  return 0;
}
