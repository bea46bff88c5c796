import * as fs from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { VestigeError } from './errors.ts';

interface LockInfo {
  pid: number;
  host: string;
  purpose: string;
  since: string;
}

/**
 * An exclusive lock for long write jobs on a case (ingest), so two officers or two terminals cannot
 * interleave an ingest. A lock left by a killed process on this host is detected and taken over.
 */
export class CaseLock {
  private constructor(private readonly path: string) {}

  static acquire(caseDir: string, purpose: string): CaseLock {
    const path = join(caseDir, 'case.lock');
    const info: LockInfo = { pid: process.pid, host: hostname(), purpose, since: new Date().toISOString() };
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        fs.writeFileSync(path, JSON.stringify(info) + '\n', { flag: 'wx' });
        return new CaseLock(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const holder = readLock(path);
      // A lock we cannot parse was cut short by a kill between creating and writing it.
      const unreadableAndOld = !holder && lockAgeMs(path) > 2000;
      if (unreadableAndOld || (holder && holder.host === hostname() && !processAlive(holder.pid))) {
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
        { file: path, hint: 'Wait for the other job to finish and run the command again. If that process no longer exists on another machine, remove case.lock.' },
      );
    }
    throw new VestigeError('E_CASE_LOCKED', 'the case is busy: could not take its lock', { file: path, hint: 'Try again in a moment.' });
  }

  release(): void {
    fs.rmSync(this.path, { force: true });
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

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
