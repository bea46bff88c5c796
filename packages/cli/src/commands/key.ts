import { ExitCode, type CliCommand } from '../command.ts';
import { shown } from '../terminal-text.ts';

export const command: CliCommand = {
  name: 'key create',
  summary: 'Make a lab signing key (Ed25519) for signed export bundles',
  usage: `vestige key create FILE [--json]

Writes a new Ed25519 private key to FILE (PEM, readable by its owner only: mode 0600) and its public key
to FILE.pub. Sign bundles with \`vestige export … --sign FILE\`; anyone can check them with
\`vestige verify --bundle DIR --key FILE.pub\`. FILE must not be inside a case, and an existing file is
never overwritten. Keep the private key where the lab keeps keys; give out only the .pub file.

--json prints { privateKey, publicKey, keyId } (keyId: SHA-256 of the public key, as bundles name it).`,
  options: {},
  allowPositionals: true,
  async run({ positionals }, out) {
    if (positionals.length !== 1) {
      out.stderr(this.usage);
      return ExitCode.usage;
    }
    const { createSigningKey } = await import('@vestige/evidence');
    const key = createSigningKey(positionals[0]!);
    if (out.json) out.stdout(JSON.stringify(key));
    else
      out.stdout(
        `Private key ${shown(key.privateKey)} (mode 0600 — keep it safe)\nPublic key  ${shown(key.publicKey)} (give this to whoever checks your bundles)\nKey id      ${key.keyId}`,
      );
    return ExitCode.ok;
  },
};
