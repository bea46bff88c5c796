import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import * as fs from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { canonicalJson } from './canonical-json.ts';
import type { CustodyHead } from './custody-log.ts';
import { sha256Hex } from './digests.ts';
import { VestigeError } from './errors.ts';

/**
 * Lab signing keys (Ed25519, Node's crypto) and bundle signatures. A signature covers the SHA-256 of
 * `manifest.json` and of `SHA256SUMS` (which covers every other file) and names the custody head, so a
 * signed bundle cannot be re-hashed after an edit: an unsigned one only shows accidental change.
 */
export const SIGNATURE_FILE = 'SIGNATURE.json';
const SIGNATURE_FORMAT = 'vestige-bundle-signature';

export interface SignedContent {
  manifestSha256: string;
  sha256sumsSha256: string;
  custodyHead: CustodyHead | null;
}

export interface BundleSignature {
  format: typeof SIGNATURE_FORMAT;
  version: 1;
  algorithm: 'Ed25519';
  /** SHA-256 of the public key (SubjectPublicKeyInfo, DER): says which lab key signed. */
  keyId: string;
  signed: SignedContent;
  /** Base64 Ed25519 signature of the canonical JSON of `signed`. */
  signature: string;
}

export type SignatureStatus = 'valid' | 'invalid' | 'unsigned' | 'not-checked';

/** The folder holding a case, if `path` is in one (a case folder or any folder inside it). */
export function caseContaining(path: string): string | undefined {
  let dir = resolve(path);
  for (;;) {
    if (fs.existsSync(join(dir, 'case.json')) && fs.existsSync(join(dir, 'case.sqlite'))) return dir;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

/**
 * Creates a key pair: the private key (PKCS#8 PEM) created with mode 0600 from the start, the public
 * key beside it as `PATH.pub`. Never inside a case: a case is copied and exported, a lab key must not be.
 */
export function createSigningKey(pathArg: string): { privateKey: string; publicKey: string; keyId: string } {
  const path = resolve(pathArg);
  const inCase = caseContaining(dirname(path));
  if (inCase) {
    throw new VestigeError(
      'E_USAGE',
      `${pathArg} is inside the case at ${inCase}; a signing key must never be stored in a case`,
      { file: pathArg, hint: 'Keep lab keys in a protected folder outside every case (e.g. ~/.vestige/keys).' },
    );
  }
  const pubPath = `${path}.pub`;
  for (const p of [path, pubPath]) {
    if (fs.existsSync(p))
      throw new VestigeError('E_USAGE', `${p} already exists; a key is never overwritten`, {
        file: p,
        hint: 'Choose another file name.',
      });
  }
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  fs.mkdirSync(dirname(path), { recursive: true });
  const fd = fs.openSync(path, 'wx', 0o600);
  try {
    fs.writeSync(fd, privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.chmodSync(path, 0o600); // the umask cannot widen it, but a stricter one must not narrow the owner's read
  fs.writeFileSync(pubPath, publicKey.export({ type: 'spki', format: 'pem' }) as string, { flag: 'wx', mode: 0o644 });
  return { privateKey: path, publicKey: pubPath, keyId: keyIdOf(publicKey) };
}

function readKeyFile(path: string, what: string): string {
  try {
    return fs.readFileSync(path, 'utf8');
  } catch (err) {
    throw new VestigeError(
      'E_INPUT_NOT_FOUND',
      `cannot read the ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      { file: path, hint: 'Create a key with `vestige key create FILE`.' },
    );
  }
}

/** Loads a private key for signing: refused when others can read it or when it sits inside a case. */
export function loadSigningKey(path: string): KeyObject {
  const inCase = caseContaining(dirname(resolve(path)));
  if (inCase)
    throw new VestigeError('E_USAGE', `the signing key ${path} is inside the case at ${inCase}`, {
      file: path,
      hint: 'Move the key out of the case folder and keep it only where the lab keeps keys.',
    });
  const mode = fs.existsSync(path) ? fs.statSync(path).mode & 0o777 : 0;
  if (mode & 0o077) {
    throw new VestigeError(
      'E_KEY_INVALID',
      `the signing key ${path} can be read by other users (mode ${mode.toString(8)})`,
      { file: path, hint: `Run \`chmod 600 ${path}\`; if others may have copied it, make a new key.` },
    );
  }
  try {
    const key = createPrivateKey(readKeyFile(path, 'signing key'));
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`a ${key.asymmetricKeyType} key`);
    return key;
  } catch (err) {
    if (err instanceof VestigeError) throw err;
    throw new VestigeError('E_KEY_INVALID', `${path} is not an Ed25519 private key (${(err as Error).message})`, {
      file: path,
      hint: 'Use a key made by `vestige key create`.',
    });
  }
}

export function loadPublicKey(path: string): KeyObject {
  try {
    const key = createPublicKey(readKeyFile(path, 'public key'));
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`a ${key.asymmetricKeyType} key`);
    return key;
  } catch (err) {
    if (err instanceof VestigeError) throw err;
    throw new VestigeError('E_KEY_INVALID', `${path} is not an Ed25519 public key (${(err as Error).message})`, {
      file: path,
      hint: 'Pass the `.pub` file written by `vestige key create`.',
    });
  }
}

/** Signs a finished bundle (after SHA256SUMS). */
export function signBundle(dir: string, key: KeyObject, custodyHead: CustodyHead | undefined): BundleSignature {
  const signed: SignedContent = {
    manifestSha256: sha256Hex(fs.readFileSync(join(dir, 'manifest.json'))),
    sha256sumsSha256: sha256Hex(fs.readFileSync(join(dir, 'SHA256SUMS'))),
    custodyHead: custodyHead ?? null,
  };
  const signature: BundleSignature = {
    format: SIGNATURE_FORMAT,
    version: 1,
    algorithm: 'Ed25519',
    keyId: keyIdOf(createPublicKey(key)),
    signed,
    signature: sign(null, Buffer.from(canonicalJson(signed)), key).toString('base64'),
  };
  fs.writeFileSync(join(dir, SIGNATURE_FILE), JSON.stringify(signature, null, 2) + '\n');
  return signature;
}

/** Checks a bundle's signature (if any) against a lab public key (if given). */
export function checkBundleSignature(
  dir: string,
  publicKey: KeyObject | undefined,
): { status: SignatureStatus; keyId?: string; reason?: string } {
  const path = join(dir, SIGNATURE_FILE);
  if (!fs.existsSync(path)) return { status: 'unsigned' };
  let sig: BundleSignature;
  try {
    sig = JSON.parse(fs.readFileSync(path, 'utf8')) as BundleSignature;
  } catch {
    return { status: 'invalid', reason: `${SIGNATURE_FILE} is not valid JSON` };
  }
  if (!publicKey) return { status: 'not-checked', keyId: sig.keyId };
  const keyId = keyIdOf(publicKey);
  if (sig.keyId !== keyId)
    return {
      status: 'invalid',
      keyId: sig.keyId,
      reason: `signed by key ${String(sig.keyId).slice(0, 16)}…, not by the key given (${keyId.slice(0, 16)}…)`,
    };
  let good = false;
  try {
    good = verify(
      null,
      Buffer.from(canonicalJson(sig.signed)),
      publicKey,
      Buffer.from(String(sig.signature), 'base64'),
    );
  } catch {
    good = false;
  }
  if (!good) return { status: 'invalid', keyId, reason: 'the signature does not match what it claims to sign' };
  const manifestSha256 = sha256Hex(fs.readFileSync(join(dir, 'manifest.json')));
  const sumsSha256 = fs.existsSync(join(dir, 'SHA256SUMS')) ? sha256Hex(fs.readFileSync(join(dir, 'SHA256SUMS'))) : '';
  if (sig.signed.manifestSha256 !== manifestSha256)
    return { status: 'invalid', keyId, reason: 'manifest.json changed after it was signed' };
  if (sig.signed.sha256sumsSha256 !== sumsSha256)
    return { status: 'invalid', keyId, reason: 'SHA256SUMS changed after it was signed' };
  return { status: 'valid', keyId };
}
