/**
 * The scene benchmark's peer, PotreeConverter 2.1 (C++, BSD-2), built from its public source when
 * `POTREE_CONVERTER` does not name a binary; and `las2laz`, a LAS → LAZ encoder built against the LASzip
 * library that PotreeConverter's source carries (LASzip 3.4, the reference LAZ encoder), so the bench
 * can time LAZ input made by the tool that defines the format.
 *
 * Source: a git snapshot of potree/PotreeConverter (`POTREE_CONVERTER_GIT`, default the mirror under
 * /work/.mirror), tag 2.1.1, exported to ~/.cache/vestige-bench/potree-converter-2.1.1-PATCH/src (or
 * `VESTIGE_BENCH_TOOLS`) and built there with cmake (needs Debian's cmake, g++ and libtbb-dev). Outside
 * the repository on purpose: CMake writes `.ts` dependency files that the type check would pick up.
 * Nothing is downloaded here: without the snapshot the bench says so and records no ratio.
 *
 * One patch, so the peer is timed at its best: PotreeConverter's progress monitor sleeps a whole second
 * between prints and `Monitor::stop()` joins it, so every run ended up to a second after its work did
 * (10 M points: 5.06, 5.07, 6.08 s, always a whole second plus the same 0.06 s). The patched monitor still
 * prints once a second but sees the stop within 10 ms. Nothing else in the converter is touched.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../support.ts';

export const POTREE_CONVERTER_TAG = '2.1.1';
/** Bumped when the patch changes, so an older build is not reused. */
const PEER_PATCH = 'prompt-stop';
const DEFAULT_GIT = '/work/.mirror/potree+PotreeConverter/repo';

export interface PeerTools {
  potreeConverter?: string;
  las2laz?: string;
  /** Why a tool is missing (shown and recorded instead of a ratio). */
  problems: string[];
  source: string;
}

function run(cmd: string, args: string[], cwd: string, log: string): boolean {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  fs.appendFileSync(log, `$ ${cmd} ${args.join(' ')}\n${r.stdout ?? ''}${r.stderr ?? ''}\n`);
  return r.status === 0;
}

/** Builds (once; later runs reuse the build) or finds PotreeConverter and las2laz. */
export function preparePeerTools(): PeerTools {
  const dir =
    process.env['VESTIGE_BENCH_TOOLS'] ??
    join(homedir(), '.cache', 'vestige-bench', `potree-converter-${POTREE_CONVERTER_TAG}-${PEER_PATCH}`);
  const src = join(dir, 'src');
  const build = join(dir, 'build');
  const log = join(dir, 'build.log');
  const git = process.env['POTREE_CONVERTER_GIT'] ?? DEFAULT_GIT;
  const problems: string[] = [];
  fs.mkdirSync(dir, { recursive: true });
  const have = (p: string): string | undefined => (fs.existsSync(p) ? p : undefined);

  const given = process.env['POTREE_CONVERTER'];
  if (!fs.existsSync(join(src, 'CMakeLists.txt'))) {
    if (!fs.existsSync(git)) {
      if (given)
        return { potreeConverter: given, problems: [`no LAZ encoder: no LASzip source at ${git}`], source: given };
      problems.push(
        `no PotreeConverter source to build from: ${git} does not exist (set POTREE_CONVERTER to a binary, or POTREE_CONVERTER_GIT to a git snapshot of potree/PotreeConverter)`,
      );
      return { problems, source: git };
    }
    fs.mkdirSync(src, { recursive: true });
    // Only the build inputs: the snapshot may lack the big web-page template files, which the converter
    // only copies next to its binary (an empty folder stands in).
    const archive = spawnSync(
      'sh',
      [
        '-c',
        `git --git-dir="${git}" archive ${POTREE_CONVERTER_TAG} CMakeLists.txt LICENSE README.md Converter | tar -x -C "${src}"`,
      ],
      { encoding: 'utf8' },
    );
    fs.mkdirSync(join(src, 'resources', 'page_template'), { recursive: true });
    if (archive.status !== 0) {
      problems.push(`cannot export tag ${POTREE_CONVERTER_TAG} from ${git}: ${archive.stderr}`);
      return { problems, source: git };
    }
    const monitor = join(src, 'Converter', 'include', 'Monitor.h');
    const before = fs.readFileSync(monitor, 'utf8');
    const after = before.replaceAll(
      "std::this_thread::sleep_for(1'000ms);",
      'for (int i = 0; i < 100 && !_this->stopRequested; i++) std::this_thread::sleep_for(10ms);',
    );
    if (after === before) {
      problems.push(`PotreeConverter ${POTREE_CONVERTER_TAG}: Monitor.h no longer has the one-second sleep to patch`);
      return { problems, source: git };
    }
    fs.writeFileSync(monitor, after);
  }
  const source = `potree/PotreeConverter ${POTREE_CONVERTER_TAG} from ${git}, monitor patched to stop within 10 ms`;
  let potreeConverter = given ?? have(join(build, 'PotreeConverter'));
  if (!potreeConverter) {
    console.error(`building PotreeConverter ${POTREE_CONVERTER_TAG} (log: ${log}) …`);
    const ok =
      run('cmake', ['-S', src, '-B', build, '-DCMAKE_BUILD_TYPE=Release'], dir, log) &&
      run('cmake', ['--build', build, '-j', '2'], dir, log);
    potreeConverter = ok ? have(join(build, 'PotreeConverter')) : undefined;
    if (!potreeConverter) problems.push(`PotreeConverter did not build (needs cmake, g++ and libtbb-dev; see ${log})`);
  }
  let las2laz = have(join(build, 'las2laz'));
  const lib = build; // LASzip's CMakeLists puts its library at the top of the build folder
  if (!las2laz && fs.existsSync(join(lib, 'liblaszip.so'))) {
    const laszip = join(src, 'Converter', 'libs', 'laszip');
    fs.writeFileSync(
      join(laszip, 'laszip_api_version.h'),
      '#define LASZIP_API_VERSION_MAJOR 3\n#define LASZIP_API_VERSION_MINOR 4\n#define LASZIP_API_VERSION_PATCH 1\n',
    );
    fs.mkdirSync(join(src, 'Converter', 'libs', 'laszip-include', 'laszip'), { recursive: true });
    fs.copyFileSync(
      join(laszip, 'laszip_api_version.h'),
      join(src, 'Converter', 'libs', 'laszip-include', 'laszip', 'laszip_api_version.h'),
    );
    const ok = run(
      'g++',
      [
        '-O2',
        '-o',
        join(build, 'las2laz'),
        join(repoRoot, 'bench', 'scene', 'las2laz.cpp'),
        `-I${laszip}`,
        `-I${join(src, 'Converter', 'libs', 'laszip-include')}`,
        `-L${lib}`,
        '-llaszip',
        `-Wl,-rpath,${lib}`,
      ],
      dir,
      log,
    );
    las2laz = ok ? have(join(build, 'las2laz')) : undefined;
    if (!las2laz) problems.push(`las2laz did not build against LASzip (see ${log})`);
  } else if (!las2laz) problems.push('no LASzip library from the PotreeConverter build, so no LAZ encoder');
  return { ...(potreeConverter ? { potreeConverter } : {}), ...(las2laz ? { las2laz } : {}), problems, source };
}
