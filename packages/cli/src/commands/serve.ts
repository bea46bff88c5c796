import * as fs from 'node:fs';
import { VestigeError } from '@vestige/evidence/errors';
import { ExitCode, type CliCommand, type ParsedValues } from '../command.ts';
import { shown } from '../terminal-text.ts';

export const DEFAULT_PORT = 8750;

export const command: CliCommand = {
  name: 'serve',
  summary: 'Serve a case to the browser scene viewer (local, signed in, read-only for court)',
  usage: `vestige serve --case DIR [--case DIR2 …] [--port N] [--host ADDR] [--read-only] [--operator NAME] [--users FILE]
vestige serve hash-password          (reads a password on stdin, prints its scrypt hash for --users)

Starts the viewer server and prints the URL of each scene, with a sign-in token in it: open it in a
browser on this machine. Stop with Ctrl-C.

--case DIR      the case to serve (repeat for several; each sign-in sees only the cases it may open)
--port N        port (default ${DEFAULT_PORT}; 0 picks a free one)
--host ADDR     address to listen on (default 127.0.0.1: only this machine). Anything else exposes the
                case to the network: do it only on a closed police network.
--read-only     court presentation: the case is opened read-only; measurements, markers and views can
                be shown but not changed
--operator NAME who is making changes (custody log); required unless --read-only (or VESTIGE_OPERATOR)
--users FILE    JSON [{ "name", "passwordHash", "operator", "cases": "*" | [ids], "readOnly" }]: sign in
                with a user name and password instead of the printed token
--json          print { url, token, scenes: [{ caseId, sceneId, url }] } once listening`,
  options: {
    case: { type: 'string', short: 'c', multiple: true },
    port: { type: 'string', short: 'p' },
    host: { type: 'string' },
    'read-only': { type: 'boolean' },
    operator: { type: 'string', short: 'o' },
    users: { type: 'string' },
  },
  allowPositionals: true,
  async run({ values, positionals }, out) {
    if (positionals[0] === 'hash-password') {
      const input = fs.readFileSync(0, 'utf8').replace(/\r?\n$/, '');
      if (input === '')
        throw new VestigeError('E_USAGE', 'no password on stdin', {
          hint: 'echo -n "…" | vestige serve hash-password',
        });
      const { hashPassword } = await import('@vestige/server');
      out.stdout(await hashPassword(input));
      return ExitCode.ok;
    }
    if (positionals.length > 0)
      throw new VestigeError('E_USAGE', `unexpected argument ${positionals[0]}`, { hint: 'See `vestige help serve`.' });
    const cases = (values.case as string[] | undefined) ?? [];
    if (cases.length === 0)
      throw new VestigeError('E_USAGE', '--case is required: the case folder to serve', {
        hint: 'vestige serve --case DIR',
      });
    const port = parsePort(values.port);
    const readOnly = values['read-only'] === true;
    const operator = ((values.operator as string | undefined) ?? process.env.VESTIGE_OPERATOR)?.trim() || undefined;
    const { DEFAULT_VIEWER_DIR, prepareViewer, readUsersFile, startServer } = await import('@vestige/server');
    const users = typeof values.users === 'string' ? readUsersFile(values.users) : undefined;
    // `pnpm install` builds the viewer; rebuilt here only if its sources changed since.
    if ((await prepareViewer((line) => out.stderr(line))) === 'no sources' && !fs.existsSync(DEFAULT_VIEWER_DIR)) {
      out.stderr(`warning: the viewer is not built (${DEFAULT_VIEWER_DIR}). The API is served anyway.`);
    }
    const server = await startServer({
      cases,
      port,
      ...(typeof values.host === 'string' ? { host: values.host } : {}),
      readOnly,
      ...(operator ? { operator } : {}),
      ...(users ? { users } : {}),
      log: (line) => out.stderr(line),
    });
    const scenes = (
      await Promise.all(
        server.cases.map(async (c) =>
          (
            await listScenes(c.dir)
          ).map((sceneId) => ({ caseId: c.id, caseName: c.name, sceneId, url: server.sceneUrl(c.id, sceneId) })),
        ),
      )
    ).flat();
    if (out.json) out.stdout(JSON.stringify({ url: server.url, token: server.token ?? null, readOnly, scenes }));
    else {
      out.stdout(`Vestige viewer on ${server.url}${readOnly ? ' (read-only: court presentation)' : ''}`);
      if (server.token) out.stdout(`Sign-in token (valid until this server stops): ${server.token}`);
      for (const c of server.cases) {
        out.stdout(`case ${shown(c.name)}${c.reference ? ` (${shown(c.reference)})` : ''}: ${server.sceneUrl(c.id)}`);
      }
      for (const s of scenes) out.stdout(`  scene ${s.sceneId}: ${s.url}`);
      if (
        typeof values.host === 'string' &&
        values.host !== '127.0.0.1' &&
        values.host !== 'localhost' &&
        values.host !== '::1'
      ) {
        out.stderr(
          `warning: listening on ${values.host}: other machines on this network can reach the server (they still need to sign in).`,
        );
      }
      out.stdout('Press Ctrl-C to stop.');
    }
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await server.close();
    return ExitCode.ok;
  },
};

function parsePort(value: ParsedValues[string]): number {
  if (value === undefined) return DEFAULT_PORT;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new VestigeError('E_USAGE', `--port must be 0–65535, not ${String(value)}`);
  return n;
}

/** Scene ids in a case (a short read-only open; the server keeps its own). */
async function listScenes(dir: string): Promise<string[]> {
  const { CaseStore } = await import('@vestige/evidence');
  const store = CaseStore.open(dir, { readOnly: true });
  try {
    return store.listRecords('scenes').map((r) => r.id);
  } finally {
    store.close();
  }
}
