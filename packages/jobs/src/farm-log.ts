/**
 * The farm's own lines in a job's log: which worker started each attempt, which failed and why, which
 * worker was block-listed, and when a worker took over a job whose worker had died. Both queues write
 * them, `vestige jobs log` shows them, and a worker reads them back (`readFarmLog`) before it runs a job:
 * to decline a job it is blocked for, to count its own failures, and to say that it is taking over.
 */
import { hostname } from 'node:os';

/** This process as the farm names it: `host-pid` (a Redis client name: no spaces). */
export function workerName(): string {
  return `${hostname().replace(/[^A-Za-z0-9._-]/g, '_')}-${process.pid}`;
}

export const farmLine = {
  started: (attempt: number, worker: string) => `attempt ${attempt} started on worker ${worker}`,
  failed: (attempt: number, worker: string, code: string, message: string) =>
    `attempt ${attempt} failed on worker ${worker}: ${code}: ${message.replace(/\s+/g, ' ')}`,
  blocked: (worker: string, reason: string) =>
    `worker ${worker} block-listed for this job: ${reason.replace(/\s+/g, ' ')}`,
  takeover: (worker: string, from: string) =>
    `worker ${worker} takes over from worker ${from}, which stopped during its attempt (its lock expired: the job stalled)`,
  declined: (worker: string) => `worker ${worker} declined the job (block-listed) and handed it back`,
  done: (worker: string) => `completed on worker ${worker}`,
  waiting: (worker: string, count: number, stage: string) =>
    `worker ${worker} set the job to wait for its ${count} ${stage} jobs`,
};

export interface FarmHistory {
  /** Failures per worker. */
  failures: Map<string, number>;
  /** Block-listed workers and why. */
  blocked: Map<string, string>;
  /** The worker whose attempt started last and never ended (it died or was killed), if any. */
  unfinished: string | undefined;
}

const STARTED = /^attempt \d+ started on worker (\S+)$/;
const FAILED = /^attempt \d+ failed on worker (\S+): /;
const BLOCKED = /^worker (\S+) block-listed for this job: (.*)$/;
const DECLINED = /^worker (\S+) declined the job/;
const DONE = /^completed on worker (\S+)$/;
const WAITING = /^worker (\S+) set the job to wait/;

export function readFarmLog(lines: readonly string[]): FarmHistory {
  const failures = new Map<string, number>();
  const blocked = new Map<string, string>();
  let unfinished: string | undefined;
  for (const line of lines) {
    let m: RegExpExecArray | null;
    if ((m = STARTED.exec(line))) unfinished = m[1];
    else if ((m = FAILED.exec(line))) {
      failures.set(m[1]!, (failures.get(m[1]!) ?? 0) + 1);
      if (unfinished === m[1]) unfinished = undefined;
    } else if ((m = BLOCKED.exec(line))) blocked.set(m[1]!, m[2]!);
    else if ((m = DECLINED.exec(line)) || (m = DONE.exec(line)) || (m = WAITING.exec(line))) {
      if (unfinished === m[1]) unfinished = undefined;
    }
  }
  return { failures, blocked, unfinished };
}
