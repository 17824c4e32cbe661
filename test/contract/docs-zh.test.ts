/**
 * docs/ and its Chinese mirror docs/zh-CN/ stay in step, as the two READMEs do (./readme.test.ts): every page
 * has a twin, the same outline, the same code blocks and tables of the same shape whose code and figure cells
 * are the same; each page links to its twin, and every relative link of either language reaches a file (and a heading) that exists.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const DOCS = join(import.meta.dirname, '..', '..', 'docs');
const ZH = join(DOCS, 'zh-CN');
const pages = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.md'));

const FENCE = /^```[^\n]*\n[\s\S]*?^```$/gm;
const codeBlocks = (md: string) => md.match(FENCE) ?? [];
/** Prose only: code blocks out, so a `# comment` in a shell block is not a heading. */
const prose = (md: string) => md.replace(FENCE, '');
const headings = (md: string) => [...prose(md).matchAll(/^(#+) (.*)$/gm)].map((m) => [m[1]!, m[2]!] as const);
const outline = (md: string) => headings(md).map(([level]) => level);

/** Each table as rows of cells (`\|` is a pipe inside a cell). */
const tables = (md: string) =>
  (prose(md).match(/(?:^\|.*\n?)+/gm) ?? []).map((t) =>
    t
      .trim()
      .split('\n')
      .map((row) => row.split(/(?<!\\)\|/).map((cell) => cell.trim())),
  );
const shapes = (md: string) => JSON.stringify(tables(md).map((t) => t.map((row) => row.length)));
/** A cell that is one code span or a figure: a translation keeps it as it is. */
const verbatim = (cell: string) => /^(\*\*)?(`[^`]+`|[-−+\d.,\s×%✓✗]*\d[-−+\d.,\s×%✓✗]*)(\*\*)?$/.test(cell);
/** Where both have a table cell at the same place, the English one verbatim, and they differ. */
const changedCells = (en: string, zh: string) =>
  tables(en).flatMap((t, i) =>
    t.flatMap((row, r) =>
      row.flatMap((cell, c) => {
        const other = tables(zh)[i]?.[r]?.[c];
        return verbatim(cell) && other !== undefined && other !== cell
          ? [`table ${i + 1}, row ${r + 1}: ${cell} ≠ ${other}`]
          : [];
      }),
    ),
  );

/** GitHub's anchor for a heading: lower case, punctuation out (letters of any script stay), spaces → `-`. */
const slug = (heading: string) =>
  heading
    .replace(/`|\*\*|\[|\]\([^)]*\)/g, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M} _-]/gu, '')
    .replaceAll(' ', '-');

/** Relative links (`[text](target)`) outside code, inline code included: target file and anchor. */
const links = (md: string) =>
  [
    ...prose(md)
      .replace(/``[^`]*``|`[^`\n]*`/g, '')
      .matchAll(/\]\(([^)\s]+)\)/g),
  ]
    .map((m) => m[1]!)
    .filter((t) => !/^[a-z]+:/.test(t))
    .map((t) => {
      const [file = '', anchor] = t.split('#');
      return { target: t, file, anchor };
    });

/** What is wrong with the links of one page: a missing file, a missing heading. */
function brokenLinks(path: string): string[] {
  const md = readFileSync(path, 'utf8');
  return links(md).flatMap(({ target, file, anchor }) => {
    const to = file ? join(dirname(path), file) : path;
    if (!existsSync(to)) return [`${target}: no such file`];
    if (anchor === undefined || !to.endsWith('.md')) return [];
    const anchors = headings(readFileSync(to, 'utf8')).map(([, text]) => slug(text));
    return anchors.includes(decodeURIComponent(anchor)) ? [] : [`${target}: no such heading`];
  });
}

/** What a twin and its page must agree on; an empty list when they do. */
function differences(en: string, zh: string): string[] {
  const out: string[] = [];
  if (outline(en).join() !== outline(zh).join())
    out.push(`outline: ${outline(en).join(' ')} ≠ ${outline(zh).join(' ')}`);
  const [a, b] = [codeBlocks(en), codeBlocks(zh)];
  if (a.length !== b.length) out.push(`code blocks: ${a.length} ≠ ${b.length}`);
  a.forEach((block, i) => {
    if (b[i] !== undefined && b[i] !== block) out.push(`code block ${i + 1} differs`);
  });
  if (shapes(en) !== shapes(zh)) out.push('table shapes differ');
  return [...out, ...changedCells(en, zh)];
}

describe('the checks themselves', () => {
  const en =
    '# Title\n\n## A\n\n```sh\n# not a heading\nnpm test\n```\n\n| a | b |\n|---|---|\n| `x` | y |\n';
  const zh =
    '# 标题\n\n## 甲\n\n```sh\n# not a heading\nnpm test\n```\n\n| 甲 | 乙 |\n|---|---|\n| `x` | 乙 |\n';
  it('accept a faithful translation', () => expect(differences(en, zh)).toEqual([]));
  it('catch a heading on one side only, a changed code block, a changed table or a changed code cell', () => {
    expect(differences(en, `${zh}\n### 多出来的\n`)).toEqual(['outline: # ## ≠ # ## ###']);
    expect(differences(en, zh.replace('npm test', 'npm  test'))).toEqual(['code block 1 differs']);
    expect(differences(en, zh.replace('| `x` | 乙 |', '| `x` | 乙 | 丙 |'))).toEqual(['table shapes differ']);
    expect(differences(en, zh.replace('| `x` |', '| `z` |'))).toEqual(['table 1, row 3: `x` ≠ `z`']);
  });
  it('find the anchors GitHub makes', () => {
    expect(slug('Payment journal')).toBe('payment-journal');
    expect(slug('支付日志：`journal`')).toBe('支付日志journal');
    expect(slug('6. Reconciliation (`campus-pay reconcile`)')).toBe('6-reconciliation-campus-pay-reconcile');
  });
});

describe('docs/zh-CN mirrors docs/', () => {
  const en = pages(DOCS);
  const zh = pages(ZH);

  it('has a twin for every page, and a page for every twin', () => {
    expect(
      zh.filter((f) => !en.includes(f)),
      'twins without an English page',
    ).toEqual([]);
    expect(
      en.filter((f) => !zh.includes(f)),
      'English pages without docs/zh-CN/ twin',
    ).toEqual([]);
  });

  for (const page of en.filter((f) => zh.includes(f))) {
    const english = readFileSync(join(DOCS, page), 'utf8');
    const chinese = readFileSync(join(ZH, page), 'utf8');
    it(`${page}: same outline, same code blocks in order, tables of the same shape and figures`, () => {
      expect(differences(english, chinese)).toEqual([]);
    });
    it(`${page}: each links to the other`, () => {
      expect(links(english).map((l) => l.target)).toContain(`zh-CN/${page}`);
      expect(links(chinese).map((l) => l.target)).toContain(`../${page}`);
    });
  }

  it('every relative link of either language resolves, and a twin links to twins where they exist', () => {
    const all = [...en.map((f) => join(DOCS, f)), ...zh.map((f) => join(ZH, f))];
    const broken = all.flatMap((p) => brokenLinks(p).map((b) => `${relative(DOCS, p)}: ${b}`));
    expect(broken).toEqual([]);
    const toEnglish = zh.flatMap((page) =>
      links(readFileSync(join(ZH, page), 'utf8'))
        .filter(({ file }) => file.startsWith('../') && file !== `../${page}`)
        .filter(({ file }) => zh.includes(file.slice(3)))
        .map(({ target }) => `zh-CN/${page}: ${target}`),
    );
    expect(toEnglish, 'link the Chinese twin instead').toEqual([]);
  });
});
