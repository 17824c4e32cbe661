/** A one-line progress bar on stderr, drawn only when stderr is a terminal (never into a log or a pipe). */

const REDRAW_MS = 100;

export interface Progress {
  /** Whether anything is drawn (stderr is a terminal). */
  readonly active: boolean;
  update(done: number, total: number | undefined, detail?: string): void;
  /** Draws the last state and ends the line. */
  end(): void;
}

const silent: Progress = { active: false, update() {}, end() {} };

/** A bar on this terminal's stderr, or nothing when stderr is not one. */
export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return silent;
  const started = Date.now();
  let drawnAt = 0;
  let last: [number, number | undefined, string] | undefined;
  const draw = () => {
    if (!last) return;
    const [done, total, detail] = last;
    const seconds = Math.max(0.001, (Date.now() - started) / 1000);
    const rate = done / seconds;
    const eta = total && rate > 0 && done < total ? ` eta ${duration((total - done) / rate)}` : '';
    const text = ` ${count(done)}${total === undefined ? '' : `/${count(total)}`} ${count(Math.round(rate))}/s${eta}${detail ? ` ${detail}` : ''}`;
    const columns = stream.columns || 80;
    const width = Math.max(10, Math.min(40, columns - label.length - text.length - 4));
    const filled = total ? Math.min(width, Math.round((width * done) / total)) : 0;
    const bar = total === undefined ? '' : ` [${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
    stream.write(`\r${`${label}${bar}${text}`.slice(0, columns - 1)}\x1b[K`);
  };
  return {
    active: true,
    update(done, total, detail = '') {
      last = [done, total, detail];
      const now = Date.now();
      if (now - drawnAt < REDRAW_MS) return;
      drawnAt = now;
      draw();
    },
    end() {
      if (!last) return;
      draw();
      stream.write('\n');
    },
  };
}

/** 12,345 */
export const count = (n: number): string => n.toLocaleString('en-US');

/** 1h02m, 3m05s, 42s */
export function duration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
