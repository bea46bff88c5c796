/** Sign-in (token link, token or user and password), sign-out, and who is signed in. */
import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import { readCookie, secretEquals, SESSION_COOKIE, verifyPassword, type Principal } from '../auth.ts';
import type { ServerContext } from '../context.ts';
import { readJsonBody, sendJson } from '../http.ts';
import type { Router } from '../router.ts';
import { VestigeError } from '@vestige/evidence';

/** A valid scrypt hash of nothing anyone knows: a wrong user name then costs as long as a wrong password. */
const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
const SignInBody = z.union([
  z.object({ token: z.string().max(200) }),
  z.object({ user: z.string().max(200), password: z.string().max(1000) }),
]);

/**
 * Where the sign-in link may send the browser: a path on this server, nothing else. Browsers drop tab, CR
 * and LF inside a URL and read `\` as `/`, so `/\t/host`, `/\host` and `//host` would all leave the
 * origin; each is refused (400), as is anything that does not parse back to this origin.
 */
export function sameOriginPath(next: string): string {
  const refuse = (): never => {
    throw new VestigeError('E_PARAM_INVALID', 'next must be a path on this server', {
      hint: 'Use the sign-in URL that `vestige serve` printed.',
    });
  };
  if (!next.startsWith('/') || next.startsWith('//') || /[\u0000-\u001f\u007f\\]/.test(next)) refuse();
  const base = 'http://vestige.invalid';
  if (new URL(next, base).origin !== base) refuse();
  return next;
}

function startSession(ctx: ServerContext, res: ServerResponse, principal: Principal): void {
  const id = ctx.sessions.create(principal);
  res.setHeader('Set-Cookie', `${SESSION_COOKIE}=${id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=43200`);
}

async function principalFromBody(ctx: ServerContext, body: z.infer<typeof SignInBody>): Promise<Principal | undefined> {
  if ('token' in body) return ctx.tokens.find((t) => secretEquals(t.token, body.token));
  const user = ctx.users.find((u) => secretEquals(u.name, body.user));
  const ok = await verifyPassword(body.password, user?.passwordHash ?? DUMMY_HASH);
  return user && ok ? user : undefined;
}

export function signInRoutes(router: Router, ctx: ServerContext): void {
  router.on('GET', '/login', ({ req, res, url }) => {
    ctx.throttle.check(req);
    const next = sameOriginPath(url.searchParams.get('next') ?? '/');
    const token = url.searchParams.get('token') ?? '';
    const grant = ctx.tokens.find((t) => secretEquals(t.token, token));
    if (!grant) {
      ctx.throttle.failed(req);
      throw new VestigeError(
        'E_AUTH',
        'this sign-in link is not valid (the server was restarted, or the token was mistyped)',
        { hint: 'Use the URL printed by the running `vestige serve`.' },
      );
    }
    startSession(ctx, res, grant);
    res.writeHead(303, { Location: next, 'Cache-Control': 'no-store' });
    res.end();
  });

  router.on('POST', '/api/login', async ({ req, res }) => {
    ctx.throttle.check(req);
    const body = SignInBody.safeParse(await readJsonBody(req, 8192));
    if (!body.success) throw new VestigeError('E_PARAM_INVALID', 'send { token } or { user, password }');
    const principal = await principalFromBody(ctx, body.data);
    if (!principal) {
      ctx.throttle.failed(req);
      throw new VestigeError('E_AUTH', 'sign-in failed');
    }
    startSession(ctx, res, principal);
    sendJson(res, 200, { ok: true });
  });

  router.on('POST', '/api/logout', ({ req, res }) => {
    ctx.sessions.delete(readCookie(req, SESSION_COOKIE));
    res.setHeader('Set-Cookie', `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`);
    sendJson(res, 200, { ok: true });
  });

  router.on('GET', '/api/session', ({ req, res }) => {
    const p = ctx.requirePrincipal(req);
    sendJson(res, 200, { operator: p.operator, readOnly: ctx.isReadOnly(p), cases: ctx.visibleCases(p) });
  });
}
