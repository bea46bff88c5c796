#!/usr/bin/env node
// Makes sure the Debian packages the test suite drives for real are present: Chromium (viewer and
// report tests), ffmpeg/ffprobe (video), ImageMagick (enhancement benchmark peer), Redis (distributed
// queue), DejaVu fonts (burned-in text), COLMAP (photogrammetry, run as a separate program), hashdeep (the
// real consumer of Vestige's hashdeep export). On a fresh machine where we are root with apt-get, it installs
// what is missing; otherwise it says exactly what to install. With CI=true a missing tool is fatal.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const required = [
  { pkg: 'chromium', check: () => existsSync('/usr/bin/chromium') },
  { pkg: 'ffmpeg', check: () => onPath('ffmpeg') && onPath('ffprobe') },
  {
    pkg: 'imagemagick',
    check: () =>
      onPath('convert') && spawnSync('convert', ['-version'], { encoding: 'utf8' }).stdout?.includes('ImageMagick'),
  },
  { pkg: 'redis-server', check: () => onPath('redis-server') },
  { pkg: 'fonts-dejavu-core', check: () => existsSync('/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf') },
  { pkg: 'colmap', check: () => onPath('colmap') },
  { pkg: 'hashdeep', check: () => onPath('hashdeep') },
];

function onPath(tool) {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
}

const missing = required.filter((r) => !r.check()).map((r) => r.pkg);
if (missing.length === 0) process.exit(0);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (isRoot && onPath('apt-get')) {
  console.error(`Installing Debian packages the tests need: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-q'], { stdio: ['ignore', 'ignore', 'inherit'], env });
  execFileSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env,
  });
  const still = required.filter((r) => !r.check()).map((r) => r.pkg);
  if (still.length === 0) process.exit(0);
  console.error(`Still missing after install: ${still.join(' ')}`);
  process.exit(1);
}

console.error(
  `Missing system packages: ${missing.join(' ')}\n  Install them with: sudo apt-get install ${missing.join(' ')}`,
);
process.exit(process.env.CI === 'true' ? 1 : 0);
