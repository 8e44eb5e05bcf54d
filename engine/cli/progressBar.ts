/**
 * A one-line progress bar for a terminal, redrawn in place on stderr so stdout
 * stays clean for piping. Off a terminal, callers print whole lines instead.
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function renderBar(fraction: number, width: number): string {
  const f = Math.min(1, Math.max(0, fraction));
  const full = Math.floor(f * width);
  return '█'.repeat(full) + (full < width ? '░'.repeat(width - full) : '');
}

export class ProgressLine {
  private lastLength = 0;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  update(text: string): void {
    const columns = this.stream.columns || 100;
    const line = text.length > columns - 1 ? text.slice(0, columns - 1) : text;
    this.stream.write('\r' + line + ' '.repeat(Math.max(0, this.lastLength - line.length)));
    this.lastLength = line.length;
  }

  /** Leaves the current line as it is and moves on, for a line that should stay. */
  commit(text?: string): void {
    if (text !== undefined) this.update(text);
    if (this.lastLength) this.stream.write('\n');
    this.lastLength = 0;
  }

  clear(): void {
    if (this.lastLength) this.stream.write('\r' + ' '.repeat(this.lastLength) + '\r');
    this.lastLength = 0;
  }
}
