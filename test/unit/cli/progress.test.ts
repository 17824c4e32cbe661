import { describe, expect, it } from 'vitest';
import { progressBar } from '../../../src/cli/progress.js';

describe('progress bar', () => {
  const stream = (isTTY: boolean) => {
    const written: string[] = [];
    return {
      written,
      s: { isTTY, columns: 60, write: (t: string) => written.push(t) } as unknown as NodeJS.WriteStream,
    };
  };

  it('draws on a terminal, within its width, and ends its line', () => {
    const { s, written } = stream(true);
    const bar = progressBar('reconcile', s);
    expect(bar.active).toBe(true);
    bar.update(5, 10);
    bar.end();
    expect(written[0]).toMatch(/^\rreconcile \[#+\.+\] 5\/10 /);
    expect(written.at(-1)).toBe('\n');
    for (const w of written) expect(w.replace('\x1b[K', '').length).toBeLessThanOrEqual(60);
  });

  it('draws nothing when stderr is not a terminal', () => {
    const { s, written } = stream(false);
    const bar = progressBar('reconcile', s);
    bar.update(1, 2);
    bar.end();
    expect([bar.active, written]).toEqual([false, []]);
  });
});
