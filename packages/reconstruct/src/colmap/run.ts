/**
 * Runs one COLMAP command, its output appended to the workspace's log, and keeps the command line for
 * provenance. A non-zero exit or a crash is a typed error carrying COLMAP's own last words; callers still check
 * the output files, because COLMAP can exit 0 without having done the work (dense stereo without CUDA does).
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { VestigeError } from '@vestige/evidence';
import { colmapEnv, type ColmapBinary } from './binary.ts';

/**
 * One command as run: arguments with the workspace folder written as `<workspace>`, so it reads the same on any run.
 */
export interface CommandRecord {
  readonly program: 'colmap';
  readonly argv: readonly string[];
  readonly exitCode: number | null;
  readonly wallSeconds: number;
}

export interface ColmapRunner {
  readonly binary: ColmapBinary;
  readonly commands: CommandRecord[];
  run(subcommand: string, options: Record<string, string | number | boolean>): Promise<void>;
  /** The last lines of COLMAP's output: its own account of what went wrong. */
  tail(lines?: number): string;
  /** Flushes and closes the log. */
  close(): Promise<void>;
}

function flag(value: string | number | boolean): string {
  return typeof value === 'boolean' ? (value ? '1' : '0') : String(value);
}

/** Lines COLMAP writes when something fails: glog fatal/error lines and its own `ERROR:` messages. */
function failureLines(lines: readonly string[]): string[] {
  return lines.filter((l) =>
    /^(?:[FE]\d{4} |ERROR|Error|error:|terminate|what\(\)|\*\*\* Check failure|Check failed)/.test(l.trim()),
  );
}

export function colmapRunner(
  binary: ColmapBinary,
  workspace: string,
  logPath: string,
  signal?: AbortSignal,
): ColmapRunner {
  const recent: string[] = [];
  const log = createWriteStream(logPath, { flags: 'a' });
  const commands: CommandRecord[] = [];
  const remember = (text: string): void => {
    for (const line of text.split(/\r?\n/)) {
      if (!line.trim()) continue;
      recent.push(line);
      if (recent.length > 200) recent.shift();
    }
  };
  const tail = (lines = 6): string => {
    const failures = failureLines(recent);
    return (failures.length > 0 ? failures : recent)
      .slice(-lines)
      .map((l) => l.trim())
      .join(' | ');
  };
  return {
    binary,
    commands,
    tail,
    close: () => new Promise<void>((resolve) => log.end(resolve)),
    run(subcommand, options) {
      const args = [subcommand, ...Object.entries(options).flatMap(([k, v]) => [`--${k}`, flag(v)])];
      const started = performance.now();
      log.write(`$ colmap ${args.join(' ')}\n`);
      return new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const child = spawn(binary.path, args, { stdio: ['ignore', 'pipe', 'pipe'], env: colmapEnv() });
        const onAbort = (): void => void child.kill('SIGTERM');
        signal?.addEventListener('abort', onAbort, { once: true });
        const take = (chunk: Buffer): void => {
          log.write(chunk);
          remember(chunk.toString('utf8'));
        };
        child.stdout.on('data', take);
        child.stderr.on('data', take);
        child.on('error', (err) => {
          signal?.removeEventListener('abort', onAbort);
          reject(
            new VestigeError('E_TOOL_FAILED', `Could not run ${binary.path} ${subcommand}: ${err.message}`, {
              file: binary.path,
              hint: 'Check the COLMAP installation with `vestige doctor`.',
              cause: err,
            }),
          );
        });
        child.on('close', (code, killedBy) => {
          signal?.removeEventListener('abort', onAbort);
          const argv = args.map((a) => a.split(workspace).join('<workspace>'));
          commands.push({
            program: 'colmap',
            argv,
            exitCode: code,
            wallSeconds: Math.round(performance.now() - started) / 1000,
          });
          if (signal?.aborted) return reject(signal.reason);
          if (code === 0) return resolve();
          const how = killedBy ? `was killed by ${killedBy}` : `exited with code ${code}`;
          reject(
            new VestigeError('E_TOOL_FAILED', `COLMAP ${subcommand} ${how}: ${tail() || 'it printed nothing'}`, {
              file: binary.path,
              hint: "The message above is COLMAP's own; the full log is kept with the reconstruction attempt. Check the photos and settings, or run the same command by hand.",
              details: { subcommand, exitCode: code, signal: killedBy, argv },
            }),
          );
        });
      });
    },
  };
}
