import * as fs from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { VestigeError } from './errors.ts';

interface LockInfo {
  pid: number;
  host: string;
  purpose: string;
  since: string;
  /**
   * When the holder process started, as the kernel counts it (Linux: /proc/PID/stat field 22), so that a
   * different process that later got the same pid is not mistaken for the holder. Absent elsewhere.
   */
  processStart?: string;
}

/**
 * An exclusive lock for long write jobs on a case (ingest), so two officers or two terminals cannot
 * interleave an ingest. A lock left by a killed process on this host is detected and taken over.
 */
export class CaseLock {
  private constructor(private readonly path: string) {}

  static acquire(caseDir: string, purpose: string): CaseLock {
    const path = join(caseDir, 'case.lock');
    const start = processStart(process.pid);
    const info: LockInfo = {
      pid: process.pid,
      host: hostname(),
      purpose,
      since: new Date().toISOString(),
      ...(start ? { processStart: start } : {}),
    };
    for (let attempt = 0; attempt < 2; attempt++) {
      if (createWithContent(path, JSON.stringify(info) + '\n')) {
        removeDeadDrafts(caseDir);
        return new CaseLock(path);
      }
      const holder = readLock(path);
      // Locks are never visible empty (see createWithContent), but one written by an older version, or
      // damaged by hand, can be unreadable: treat it as stale once it is clearly not being written.
      const unreadableAndOld = !holder && lockAgeMs(path) > 2000;
      if (unreadableAndOld || (holder && holder.host === hostname() && !holderRunning(holder))) {
        // Stale: its process is gone (killed or crashed). Rename first so that only one taker wins.
        try {
          fs.renameSync(path, `${path}.stale-${process.pid}`);
          fs.rmSync(`${path}.stale-${process.pid}`, { force: true });
        } catch {
          /* another process took it over first; retry once */
        }
        continue;
      }
      throw new VestigeError(
        'E_CASE_LOCKED',
        `the case is busy: ${holder ? `${holder.purpose} by process ${holder.pid} on ${holder.host} since ${holder.since}` : 'another process holds its lock'}`,
        {
          file: path,
          hint: 'Wait for the other job to finish and run the command again. If that process no longer exists on another machine, remove case.lock.',
        },
      );
    }
    throw new VestigeError('E_CASE_LOCKED', 'the case is busy: could not take its lock', {
      file: path,
      hint: 'Try again in a moment.',
    });
  }

  release(): void {
    fs.rmSync(this.path, { force: true });
  }
}

/**
 * Creates `path` holding `content`, or returns false if it already exists. The content is written to a
 * private file first and hard-linked into place (link fails atomically when the name is taken), so a
 * process killed at any instant leaves either no lock or a complete one, never an empty file that the
 * next run could not attribute. (An empty lock made by `open(wx)` + `write` did block the re-run after
 * a SIGKILL landed between the two.)
 */
function createWithContent(path: string, content: string): boolean {
  const draft = `${path}.${process.pid}.draft`;
  fs.writeFileSync(draft, content);
  try {
    fs.linkSync(draft, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return false;
  } finally {
    fs.rmSync(draft, { force: true });
  }
}

/** A kill between writing a draft and removing it leaves `case.lock.PID.draft`; the next holder tidies it. */
function removeDeadDrafts(caseDir: string): void {
  for (const name of fs.readdirSync(caseDir)) {
    const pid = /^case\.lock\.(\d+)\.draft$/.exec(name)?.[1];
    if (pid && !processAlive(Number(pid))) fs.rmSync(join(caseDir, name), { force: true });
  }
}

function readLock(path: string): LockInfo | undefined {
  try {
    return JSON.parse(fs.readFileSync(path, 'utf8')) as LockInfo;
  } catch {
    return undefined;
  }
}

function lockAgeMs(path: string): number {
  try {
    return Date.now() - fs.statSync(path).mtimeMs;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/**
 * Whether the process that wrote the lock still runs. A pid alone is not enough: pids are reused (this
 * kernel counts only to /proc/sys/kernel/pid_max, often 32768), and a workstation whose ingest crashed
 * would otherwise find its case "busy" for as long as some unrelated process holds that number.
 */
function holderRunning(holder: LockInfo): boolean {
  if (!processAlive(holder.pid)) return false;
  if (!holder.processStart) return true;
  const now = processStart(holder.pid);
  return now === null || now === holder.processStart;
}

/** The process's start time in clock ticks since boot (Linux), or null where /proc does not say. */
function processStart(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces; count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
