import { spawn } from 'node:child_process';
import { VestigeError } from '@vestige/evidence';

export interface ToolResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: Buffer;
  readonly stderr: string;
}

export interface RunToolOptions {
  /** Kill the tool after this long (ms). */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Largest stdout kept in memory; more is an error (callers that stream use `spawn` directly). */
  readonly maxStdout?: number;
}

/** Runs ffmpeg/ffprobe to completion and collects its output. Never throws for a non-zero exit: callers decide. */
export function runTool(binary: string, args: readonly string[], options: RunToolOptions = {}): Promise<ToolResult> {
  const maxStdout = options.maxStdout ?? 256 << 20;
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], signal: options.signal });
    const out: Buffer[] = [];
    let outBytes = 0;
    const err: Buffer[] = [];
    let errBytes = 0;
    let overflow = false;
    const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > maxStdout) {
        overflow = true;
        child.kill('SIGKILL');
        return;
      }
      out.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      // Keep the tail only: ffmpeg can be chatty on damaged input and the end says what went wrong.
      err.push(chunk);
      errBytes += chunk.length;
      while (errBytes > 1 << 20 && err.length > 1) errBytes -= err.shift()!.length;
    });
    child.on('error', (e) => {
      if (timer) clearTimeout(timer);
      reject(
        new VestigeError('E_FFMPEG_FAILED', `Could not run ${binary}: ${e.message}`, {
          file: binary,
          hint: "Run 'vestige doctor' to check the ffmpeg installation.",
          cause: e,
        }),
      );
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (overflow) {
        reject(
          new VestigeError('E_FFMPEG_FAILED', `${binary} produced more than ${maxStdout} bytes of output.`, {
            file: binary,
          }),
        );
        return;
      }
      resolve({ code, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

/** The last meaningful lines of ffmpeg's stderr, for error messages. */
export function stderrTail(stderr: string, lines = 4): string {
  return stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-lines)
    .join(' | ');
}
