/**
 * What every route of one running server shares: the open cases, who may sign in, the sessions, the
 * tile-index cache, and the checks each request goes through (who is asking, may they open this case,
 * may they change it).
 */
import type { IncomingMessage } from 'node:http';
import type { CaseStore, Item } from '@vestige/evidence';
import { parseSceneManifest, type SceneManifest } from '@vestige/scene';
import {
  bearerToken,
  mayOpenCase,
  readCookie,
  secretEquals,
  SESSION_COOKIE,
  SessionTable,
  type LocalUser,
  type Principal,
  type TokenGrant,
} from './auth.ts';
import { LayerIndexCache } from './node-index.ts';
import { VestigeError } from '@vestige/evidence';

export interface ServedCase {
  store: CaseStore;
  /** The blob folder with links resolved: no blob is served from outside it. */
  blobRoot: string;
}

/** At most 20 failed sign-ins a minute from one address. */
export class SignInThrottle {
  private readonly failures = new Map<string, { count: number; since: number }>();

  check(req: IncomingMessage): void {
    const f = this.failures.get(req.socket.remoteAddress ?? '?');
    if (f && Date.now() - f.since < 60_000 && f.count >= 20)
      throw new VestigeError('E_AUTH_THROTTLED', 'too many failed sign-ins; wait a minute');
  }

  failed(req: IncomingMessage): void {
    const key = req.socket.remoteAddress ?? '?';
    const f = this.failures.get(key);
    if (!f || Date.now() - f.since >= 60_000) this.failures.set(key, { count: 1, since: Date.now() });
    else f.count++;
  }
}

export class ServerContext {
  readonly sessions = new SessionTable();
  readonly indexes = new LayerIndexCache();
  readonly throttle = new SignInThrottle();

  constructor(
    readonly cases: ReadonlyMap<string, ServedCase>,
    readonly tokens: readonly TokenGrant[],
    readonly users: readonly LocalUser[],
    /** Court presentation: every change is refused. */
    readonly readOnly: boolean,
    /** Folder of the built viewer. */
    readonly viewerDir: string,
    readonly log: (line: string) => void,
  ) {}

  principalOf(req: IncomingMessage): Principal | undefined {
    const bearer = bearerToken(req);
    if (bearer) return this.tokens.find((t) => secretEquals(t.token, bearer));
    return this.sessions.get(readCookie(req, SESSION_COOKIE));
  }

  requirePrincipal(req: IncomingMessage): Principal {
    const p = this.principalOf(req);
    if (!p)
      throw new VestigeError('E_AUTH', 'sign in first', {
        hint: 'Open the URL that `vestige serve` printed (it carries the token), or sign in with your user name and password.',
      });
    return p;
  }

  /**
   * The case, if this principal may open it. The same 404 for "no such case" and "not yours", so case ids cannot be
   * probed.
   */
  requireCase(p: Principal, caseId: string): ServedCase {
    const c = this.cases.get(caseId);
    if (!c || !mayOpenCase(p, caseId)) throw new VestigeError('E_NOT_FOUND', 'no such case on this server');
    return c;
  }

  /** A signed-in principal and the case named in the path: the start of every case route. */
  caseFor(req: IncomingMessage, caseId: string): { principal: Principal; served: ServedCase } {
    const principal = this.requirePrincipal(req);
    return { principal, served: this.requireCase(principal, caseId) };
  }

  isReadOnly(p: Principal): boolean {
    return this.readOnly || p.readOnly;
  }

  requireWritable(p: Principal): void {
    if (this.isReadOnly(p))
      throw new VestigeError(
        'E_CASE_READ_ONLY',
        'this server is read-only (court presentation); nothing can be changed',
        { hint: 'Serve the case without --read-only to make changes.' },
      );
  }

  sceneOf(c: ServedCase, sceneId: string): SceneManifest {
    const value = c.store.getRecord('scenes', sceneId);
    if (value === undefined) throw new VestigeError('E_NOT_FOUND', `no scene ${sceneId} in this case`);
    return parseSceneManifest(value, `scenes/${sceneId}`);
  }

  visibleCases(p: Principal): ReturnType<typeof caseSummary>[] {
    return [...this.cases.values()].filter((c) => mayOpenCase(p, c.store.info.id)).map((c) => caseSummary(c.store));
  }
}

export function caseSummary(store: CaseStore): { id: string; name: string; reference: string } {
  return { id: store.info.id, name: store.info.name, reference: store.info.reference };
}

export function itemSummary(
  item: Item,
): Pick<Item, 'id' | 'name' | 'mediaType' | 'sha256' | 'size' | 'kind' | 'createdAt'> {
  return {
    id: item.id,
    name: item.name,
    mediaType: item.mediaType,
    sha256: item.sha256,
    size: item.size,
    kind: item.kind,
    createdAt: item.createdAt,
  };
}
