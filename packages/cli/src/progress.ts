/** A one-line progress bar on a terminal's stderr; silent when stderr is not a terminal or --json is on. */
export class ProgressBar {
  private lastDraw = 0;
  private drawn = false;
  private readonly started = Date.now();

  constructor(
    private readonly enabled: boolean,
    private readonly label: string,
  ) {}

  update(done: number, total: number, bytesDone?: number, bytesTotal?: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.lastDraw < 100 && done < total) return;
    this.lastDraw = now;
    const width = 28;
    const fraction = bytesTotal ? (bytesDone ?? 0) / Math.max(1, bytesTotal) : total ? done / total : 0;
    const filled = Math.round(width * Math.min(1, fraction));
    const seconds = (now - this.started) / 1000;
    const rate = bytesDone !== undefined && seconds > 0 ? ` ${formatBytes(bytesDone / seconds)}/s` : '';
    const bytes = bytesTotal !== undefined ? ` ${formatBytes(bytesDone ?? 0)}/${formatBytes(bytesTotal)}` : '';
    process.stderr.write(
      `\r${this.label} [${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${done}/${total}${bytes}${rate}   `,
    );
    this.drawn = true;
  }

  finish(): void {
    if (this.enabled && this.drawn) process.stderr.write('\n');
  }
}

export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}
