/**
 * `pnpm bench cli`: how long `vestige` takes to start, against `node -e 0` in the same run (the floor:
 * starting Node itself). Measured for `vestige help`, `vestige X --help` for every command, and every
 * command's start-up before its own work, two ways:
 *  - `start-up`: `vestige X --bench-no-such-option` loads the command's module (everything it imports
 *    statically) and stops at option parsing (exit 64): all a command costs before its run function begins.
 *  - `missing option`: `vestige X` with none of its required options goes on into the run function and
 *    stops at the first check that fails (exit 64), so whatever a command loads before checking what it
 *    was asked counts here. Commands that need no option (demo, doctor) start their work and are left out.
 * Heavy libraries (sharp, SQLite, BullMQ, tfjs, zod schemas) load inside run, once the options are
 * checked: that is the command's work, not its start-up. Targets: help and every `--help` within 2× the
 * peer's median, no command's start-up (either way) over 3×. Each round runs every case once, in the same order, so
 * load that comes and goes on a shared machine falls on all of them alike; medians are compared. Where GNU time is
 * installed each run's CPU time is recorded too, and compared the same way.
 * Options: --rounds N (5).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { cliPath, repoRoot, seconds, writeResult } from './support.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' } } });
const rounds = Number(values.rounds);

// Compile first if a source changed, so no round pays for the build.
spawnSync(process.execPath, [cliPath, 'help'], { stdio: 'ignore' });
const manifest = JSON.parse(readFileSync(join(repoRoot, 'packages', 'cli', 'dist', 'commands.json'), 'utf8')) as {
  commands: Array<{ name: string }>;
};
const names = manifest.commands.map((c) => c.name);
/** Commands that need no option at all: run bare, they do their work (as in usage-exit.test.ts). */
const NOTHING_REQUIRED = new Set(['demo', 'doctor']);

interface Case {
  label: string;
  kind: 'peer' | 'help' | 'start-up' | 'missing option';
  args: string[];
  expectedStatus: number;
}
const cases: Case[] = [
  { label: 'node -e 0', kind: 'peer', args: ['-e', '0'], expectedStatus: 0 },
  { label: 'vestige help', kind: 'help', args: [cliPath, 'help'], expectedStatus: 0 },
  ...names.map(
    (n): Case => ({
      label: `vestige ${n} --help`,
      kind: 'help',
      args: [cliPath, ...n.split(' '), '--help'],
      expectedStatus: 0,
    }),
  ),
  ...names.map(
    (n): Case => ({
      label: `vestige ${n} (start-up)`,
      kind: 'start-up',
      args: [cliPath, ...n.split(' '), '--bench-no-such-option'],
      expectedStatus: 64,
    }),
  ),
  ...names
    .filter((n) => !NOTHING_REQUIRED.has(n))
    .map(
      (n): Case => ({
        label: `vestige ${n} (missing option)`,
        kind: 'missing option',
        args: [cliPath, ...n.split(' ')],
        expectedStatus: 64,
      }),
    ),
];

// CPU seconds (user + system) through GNU time where it is installed: on a machine shared with other work
// the wall time mostly measures the queue for a core, the CPU time what start-up itself costs.
const GNU_TIME = '/usr/bin/time';
const cpuMeasured = existsSync(GNU_TIME);
const times = new Map<string, number[]>(cases.map((c) => [c.label, []]));
const cpu = new Map<string, number[]>(cases.map((c) => [c.label, []]));
const loadBefore = loadavg();
/**
 * Medians and ratios of the rounds so far, written after every round: a run cut short still records what it measured.
 */
function summarise(roundsDone: number): void {
  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  };
  const peer = median(times.get('node -e 0')!);
  const peerCpu = cpuMeasured ? median(cpu.get('node -e 0')!) : NaN;
  const rows = cases.map((c) => ({
    label: c.label,
    kind: c.kind,
    medianSeconds: median(times.get(c.label)!),
    ratioToNode: median(times.get(c.label)!) / peer,
    seconds: times.get(c.label),
    ...(cpuMeasured
      ? { medianCpuSeconds: median(cpu.get(c.label)!), cpuRatioToNode: median(cpu.get(c.label)!) / peerCpu }
      : {}),
  }));
  const worst = (kind: Case['kind'], key: 'ratioToNode' | 'cpuRatioToNode' = 'ratioToNode') =>
    rows.filter((r) => r.kind === kind).reduce((a, b) => ((b[key] ?? 0) > (a[key] ?? 0) ? b : a));
  const worstHelp = worst('help');
  const worstStart = worst('start-up');
  const worstHelpCpu = worst('help', 'cpuRatioToNode');
  const worstStartCpu = worst('start-up', 'cpuRatioToNode');
  const worstMissing = worst('missing option');
  const worstMissingCpu = worst('missing option', 'cpuRatioToNode');
  const over = (kind: Case['kind'], limit: number) =>
    rows.filter((r) => r.kind === kind && r.ratioToNode > limit).map((r) => r.label);
  const result = {
    rounds: roundsDone,
    roundsPlanned: rounds,
    loadAverage: { before: loadBefore, after: loadavg() },
    peer: { command: 'node -e 0', medianSeconds: peer },
    targets: { helpRatio: 2, startUpRatio: 3 },
    worstHelp: { label: worstHelp.label, ratioToNode: worstHelp.ratioToNode, met: worstHelp.ratioToNode <= 2 },
    worstStartUp: { label: worstStart.label, ratioToNode: worstStart.ratioToNode, met: worstStart.ratioToNode <= 3 },
    worstMissingOption: {
      label: worstMissing.label,
      ratioToNode: worstMissing.ratioToNode,
      met: worstMissing.ratioToNode <= 3,
    },
    overTarget: { help: over('help', 2), startUp: over('start-up', 3), missingOption: over('missing option', 3) },
    ...(cpuMeasured
      ? {
          peerCpuSeconds: peerCpu,
          worstHelpCpu: {
            label: worstHelpCpu.label,
            cpuRatioToNode: worstHelpCpu.cpuRatioToNode,
            met: (worstHelpCpu.cpuRatioToNode ?? 0) <= 2,
          },
          worstStartUpCpu: {
            label: worstStartCpu.label,
            cpuRatioToNode: worstStartCpu.cpuRatioToNode,
            met: (worstStartCpu.cpuRatioToNode ?? 0) <= 3,
          },
          worstMissingOptionCpu: {
            label: worstMissingCpu.label,
            cpuRatioToNode: worstMissingCpu.cpuRatioToNode,
            met: (worstMissingCpu.cpuRatioToNode ?? 0) <= 3,
          },
        }
      : {}),
    cases: rows,
  };
  const path = writeResult('cli', result);
  console.log(`node -e 0: ${peer.toFixed(3)} s (median of ${roundsDone})`);
  console.log(
    `worst help: ${worstHelp.label} ${worstHelp.medianSeconds.toFixed(3)} s = ${worstHelp.ratioToNode.toFixed(2)}× (target ≤ 2)`,
  );
  console.log(
    `worst start-up: ${worstStart.label} ${worstStart.medianSeconds.toFixed(3)} s = ${worstStart.ratioToNode.toFixed(2)}× (target ≤ 3)`,
  );
  console.log(
    `worst missing option: ${worstMissing.label} ${worstMissing.medianSeconds.toFixed(3)} s = ${worstMissing.ratioToNode.toFixed(2)}× (target ≤ 3)`,
  );
  console.log(`over target: ${JSON.stringify(result.overTarget)}`);
  if (cpuMeasured) {
    console.log(
      `CPU: node -e 0 ${peerCpu.toFixed(3)} s; worst help ${worstHelpCpu.label} ${worstHelpCpu.cpuRatioToNode!.toFixed(2)}×; worst start-up ${worstStartCpu.label} ${worstStartCpu.cpuRatioToNode!.toFixed(2)}×; worst missing option ${worstMissingCpu.label} ${worstMissingCpu.cpuRatioToNode!.toFixed(2)}×`,
    );
  }
  console.log(`written to ${path}`);
}

for (let round = 0; round < rounds; round++) {
  for (const c of cases) {
    const start = process.hrtime.bigint();
    const [file, args] = cpuMeasured
      ? [GNU_TIME, ['-f', 'cpu %U %S', process.execPath, ...c.args]]
      : [process.execPath, c.args];
    const r = spawnSync(file, args, {
      cwd: repoRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, VESTIGE_FROM_SOURCE: '', VESTIGE_OPERATOR: '' },
    });
    const took = seconds(start);
    if (r.status !== c.expectedStatus)
      throw new Error(`${c.label} exited ${r.status}, expected ${c.expectedStatus}: ${r.stderr}`);
    times.get(c.label)!.push(took);
    const m = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr);
    if (m) cpu.get(c.label)!.push(Number(m[1]) + Number(m[2]));
  }
  process.stderr.write(`round ${round + 1}/${rounds} done\n`);
  summarise(round + 1);
}
