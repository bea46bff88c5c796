#!/usr/bin/env node
/**
 * Compiles the `vestige` command into packages/cli/dist with esbuild, so that it starts without a
 * TypeScript loader. Through tsx, registering the loader alone cost 1.5 s on the shared two-core machine
 * (`node -e 0`: 0.1–0.4 s), and `vestige help` imported every package to read the command summaries
 * (7 s). The bundle has one entry per command file and per demo step (code splitting keeps `vestige log`
 * from loading three.js, sharp or BullMQ), and dist/commands.json lists every command's name, summary,
 * usage and file, so help needs no command module at all.
 *
 * Run by the root `postinstall`, and by bin/vestige.mjs whenever the bundle is stale. Fresh means every
 * source the bundle was made from has the size and modification time recorded at build time (a stat per
 * file, about 2 ms in all); when a time differs but the content hash does not (a checkout touches every
 * file) it is still fresh. A new command or demo step file makes it stale too.
 *
 * Packages outside the workspace stay outside the bundle, imported from where they are installed (pnpm
 * gives the CLI no access to its dependencies' dependencies, so each is imported by its resolved path).
 * Each bundled file keeps its own `import.meta.url`: worker scripts, SQL and the viewer are found next to
 * the sources, exactly as when run through tsx.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { withBuildLock } from '../../scripts/build-lock.mjs';

export const cliDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(cliDir, '..', '..');
const srcDir = join(cliDir, 'src');
export const distDir = join(cliDir, 'dist');
const MANIFEST = join(distDir, 'commands.json');
const THIS_FILE = fileURLToPath(import.meta.url);

/** The folders whose files each become an entry of their own. */
const ENTRY_FOLDERS = ['commands', 'demo/steps'];

function entryFiles() {
  const entries = ['main.ts'];
  for (const folder of ENTRY_FOLDERS) {
    const names = fs
      .readdirSync(join(srcDir, folder))
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .sort();
    entries.push(...names.map((f) => `${folder}/${f}`));
  }
  return entries;
}

/** The compiled file of a source module of the CLI (`commands/log.ts` → dist/commands/log.mjs). */
export function compiledPath(sourceRelative) {
  return join(distDir, sourceRelative.replace(/\.ts$/, '.mjs'));
}

function contentHash(file) {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function readManifest() {
  try {
    return JSON.parse(fs.readFileSync(MANIFEST, 'utf8'));
  } catch {
    return undefined;
  }
}

/** The manifest when the bundle matches the sources, else undefined. */
export function freshManifest() {
  const manifest = readManifest();
  if (!manifest || manifest.root !== repoRoot || manifest.node !== process.versions.node) return undefined;
  if (entryFiles().join('\n') !== manifest.entries.join('\n')) return undefined;
  for (const [file, recorded] of Object.entries(manifest.inputs)) {
    let stat;
    try {
      stat = fs.statSync(join(repoRoot, file));
    } catch {
      return undefined;
    }
    if (stat.size !== recorded.size) return undefined;
    if (stat.mtimeMs !== recorded.mtimeMs && contentHash(join(repoRoot, file)) !== recorded.sha256) return undefined;
  }
  return manifest;
}

/** Bare imports from outside the workspace are left to Node, by the path they resolve to from their importer. */
function externalPackages() {
  return {
    name: 'vestige-externals',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData?.inner || args.path.startsWith('@vestige/') || args.path.startsWith('node:'))
          return undefined;
        const resolved = await b.resolve(args.path, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          importer: args.importer,
          pluginData: { inner: true },
        });
        if (resolved.errors.length > 0 || !resolved.path || resolved.external)
          return { path: args.path, external: true };
        if (resolved.path.includes(`${join('/', 'node_modules', '')}`) || !resolved.path.startsWith(repoRoot)) {
          return { path: pathToFileURL(resolved.path).href, external: true };
        }
        return undefined;
      });
      b.onLoad({ filter: /\.(ts|mjs|js)$/ }, async (args) => {
        if (args.path.includes(`${join('/', 'node_modules', '')}`)) return undefined;
        const text = await fs.promises.readFile(args.path, 'utf8');
        // Each file keeps the URL of its source, so paths relative to it still find files beside it.
        const contents = text.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href));
        return { contents, loader: args.path.endsWith('.ts') ? 'ts' : 'js' };
      });
    },
  };
}

async function compile() {
  const require = createRequire(join(cliDir, 'package.json'));
  const esbuild = await import(pathToFileURL(require.resolve('esbuild')).href);
  const entries = entryFiles();
  const tmpDir = `${distDir}.tmp-${process.pid}`;
  fs.rmSync(tmpDir, { recursive: true, force: true });
  const result = await esbuild.build({
    absWorkingDir: repoRoot,
    entryPoints: entries.map((e) => join(srcDir, e)),
    outbase: srcDir,
    outdir: tmpDir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    mainFields: ['main'],
    chunkNames: 'chunks/[name]-[hash]',
    metafile: true,
    logLevel: 'warning',
    plugins: [externalPackages()],
  });
  return {
    tmpDir,
    entries,
    inputs: Object.keys(result.metafile.inputs).filter((f) => !f.includes('node_modules/')),
    startUpPackages: startUpPackages(result.metafile, tmpDir, entries),
  };
}

/**
 * For each entry, the installed packages that loading it imports (its static imports, followed through
 * the chunks it shares): what a command pays before its run function begins. A command imports its heavy
 * libraries inside run (sharp alone is 0.1 s of CPU, zod 0.2 s, BullMQ 0.5 s), so this list is empty for
 * every command; command-catalog.test.ts holds it so.
 */
function startUpPackages(metafile, tmpDir, entries) {
  const outputs = metafile.outputs;
  const packageOf = (url) =>
    url
      .replace(/^.*\/node_modules\/(?!\.pnpm\/)/, '')
      .split('/')
      .slice(0, url.includes('/node_modules/@') ? 2 : 1)
      .join('/');
  const result = {};
  for (const entry of entries) {
    const start = relative(repoRoot, compiledPath(entry).replace(distDir, tmpDir));
    const seen = new Set();
    const packages = new Set();
    const todo = [start];
    while (todo.length > 0) {
      const out = todo.pop();
      if (seen.has(out) || !outputs[out]) continue;
      seen.add(out);
      for (const im of outputs[out].imports) {
        if (im.kind !== 'import-statement') continue;
        if (!im.external) todo.push(im.path);
        else if (!im.path.startsWith('node:')) packages.add(packageOf(im.path));
      }
    }
    result[entry] = [...packages].sort();
  }
  return result;
}

/** Name, summary and usage of every command, read from the compiled command files. */
async function describeCommands(dir, entries) {
  const commands = [];
  for (const entry of entries.filter((e) => e.startsWith('commands/'))) {
    const mod = await import(pathToFileURL(join(dir, entry.replace(/\.ts$/, '.mjs'))).href);
    for (const c of [mod.command, ...(mod.commands ?? [])].filter(Boolean)) {
      // usageDetails lists what a package holds; it is read here so that loading the command never loads the package.
      const usage = c.usageDetails ? `${c.usage}\n${await c.usageDetails()}` : c.usage;
      commands.push({
        name: c.name,
        summary: c.summary,
        usage,
        ...(c.aliases ? { aliases: c.aliases } : {}),
        file: entry,
      });
    }
  }
  return commands.sort((a, b) => a.name.localeCompare(b.name));
}

/** Builds the bundle unless it is fresh; returns its manifest. */
export async function ensureCliBuilt({ log = () => {} } = {}) {
  const fresh = freshManifest();
  if (fresh) return fresh;
  return withBuildLock(join(cliDir, '.build.lock'), async () => {
    const again = freshManifest();
    if (again) return again;
    const started = Date.now();
    const { tmpDir, entries, inputs, startUpPackages } = await compile();
    const commands = await describeCommands(tmpDir, entries);
    const files = [...inputs, relative(repoRoot, THIS_FILE)];
    const recorded = {};
    for (const f of files.sort()) {
      const stat = fs.statSync(join(repoRoot, f));
      recorded[f] = { size: stat.size, mtimeMs: stat.mtimeMs, sha256: contentHash(join(repoRoot, f)) };
    }
    const manifest = {
      root: repoRoot,
      node: process.versions.node,
      entries,
      commands,
      startUpPackages,
      inputs: recorded,
    };
    fs.writeFileSync(join(tmpDir, 'commands.json'), `${JSON.stringify(manifest, null, 1)}\n`);
    // Swap in whole: a process starting meanwhile sees the old bundle or the new one, never half of each.
    const old = `${distDir}.old-${process.pid}`;
    if (fs.existsSync(distDir)) fs.renameSync(distDir, old);
    fs.renameSync(tmpDir, distDir);
    fs.rmSync(old, { recursive: true, force: true });
    log(
      `vestige command compiled into ${relative(process.cwd(), distDir) || distDir} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    return manifest;
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const before = freshManifest();
  await ensureCliBuilt({ log: (line) => console.log(line) });
  if (before) console.log('vestige command is up to date');
}
