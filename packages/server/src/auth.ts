import { randomBytes, scrypt as scryptCb, timingSafeEqual, createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { promisify } from 'node:util';
import type { IncomingMessage } from 'node:http';
import { VestigeError } from '@vestige/evidence/errors';

const scrypt = promisify(scryptCb) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

/** Who is asking, and what they may do. A token or a local user becomes one of these at sign-in. */
export interface Principal {
  /** Name written into custody events (the officer, or the operator the token was issued for). */
  readonly operator: string;
  /** Case ids this principal may open; `'*'` for every case the server serves. */
  readonly cases: readonly string[] | '*';
  /** May only read: court presentation, reviewers. */
  readonly readOnly: boolean;
}

export interface TokenGrant extends Principal {
  /** The secret as printed at start (URL-safe). */
  readonly token: string;
}

export interface LocalUser extends Principal {
  readonly name: string;
  /** `scrypt$N$r$p$salt$hash` (base64url), made by `hashPassword`. */
  readonly passwordHash: string;
}

const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32 };

export async function hashPassword(password: string, salt: Buffer = randomBytes(16)): Promise<string> {
  const key = await scrypt(password.normalize('NFC'), salt, SCRYPT.keylen, {
    N: SCRYPT.N,
    r: SCRYPT.r,
    p: SCRYPT.p,
    maxmem: 64 * 1024 * 1024,
  });
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  if (![N, r, p].every((v) => Number.isInteger(v) && v > 0) || N > 1 << 20) return false;
  const salt = Buffer.from(parts[4]!, 'base64url');
  const expected = Buffer.from(parts[5]!, 'base64url');
  const key = await scrypt(password.normalize('NFC'), salt, expected.length, { N, r, p, maxmem: 256 * 1024 * 1024 });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Constant-time comparison of secrets of any length (hash first so lengths never leak). */
export function secretEquals(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

export const SESSION_COOKIE = 'vestige_session';

/**
 * Sessions live in memory: a restart signs everyone out, which is what a court presentation or a closed
 * laptop wants. The cookie is HttpOnly and SameSite=Strict, so no other site can ride on it.
 */
export class SessionTable {
  private readonly sessions = new Map<string, { principal: Principal; expires: number }>();

  constructor(
    private readonly ttlMs = 12 * 3600_000,
    private readonly now: () => number = Date.now,
  ) {}

  create(principal: Principal): string {
    const id = randomBytes(32).toString('base64url');
    this.sessions.set(id, { principal, expires: this.now() + this.ttlMs });
    return id;
  }

  get(id: string | undefined): Principal | undefined {
    if (!id) return undefined;
    const s = this.sessions.get(id);
    if (!s) return undefined;
    if (s.expires < this.now()) {
      this.sessions.delete(id);
      return undefined;
    }
    return s.principal;
  }

  delete(id: string | undefined): void {
    if (id) this.sessions.delete(id);
  }
}

export function readCookie(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function bearerToken(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  return m?.[1];
}

export function mayOpenCase(principal: Principal, caseId: string): boolean {
  return principal.cases === '*' || principal.cases.includes(caseId);
}

/** The users of a `--users` / `VESTIGE_USERS` file, checked: each needs a name and an scrypt password hash. */
export function readUsersFile(file: string): LocalUser[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new VestigeError('E_INPUT_UNREADABLE', `cannot read the users file ${file}`, {
      file,
      cause: err,
      hint: 'Give a JSON array of users; make hashes with `vestige serve hash-password`.',
    });
  }
  if (!Array.isArray(parsed))
    throw new VestigeError('E_INPUT_CORRUPT', 'the users file must be a JSON array', { file });
  return parsed.map((u: Record<string, unknown>, i) => {
    if (typeof u.name !== 'string' || typeof u.passwordHash !== 'string' || !u.passwordHash.startsWith('scrypt$')) {
      throw new VestigeError('E_INPUT_CORRUPT', `user ${i + 1} needs "name" and an scrypt "passwordHash"`, { file });
    }
    const cases = u.cases === '*' || u.cases === undefined ? '*' : Array.isArray(u.cases) ? u.cases.map(String) : '*';
    return {
      name: u.name,
      passwordHash: u.passwordHash,
      operator: typeof u.operator === 'string' ? u.operator : u.name,
      cases,
      readOnly: u.readOnly === true,
    };
  });
}
