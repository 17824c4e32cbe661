/**
 * docs/ and its Chinese twins in docs/zh-CN/ (test/contract/docs-zh.test.ts keeps them in step): where each
 * language's page lives, and how a generator rewrites its block between `<!-- name:start -->` and
 * `<!-- name:end -->` in both.
 */
import { join } from 'node:path';
import type { Lang } from '../readme/method-rows.js';

export type { Lang };
export const LANGS: readonly Lang[] = ['en', 'zh'];

const DOCS = join(import.meta.dirname, '..', '..', 'docs');

/** `docs/<page>` in English, `docs/zh-CN/<page>` in Chinese. */
export const docPath = (page: string, lang: Lang) =>
  lang === 'en' ? join(DOCS, page) : join(DOCS, 'zh-CN', page);

/** The doc with the block `name` replaced by `body`; a doc without both markers is an error, not a no-op. */
export function spliceBlock(doc: string, name: string, body: string, where = name): string {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  if (!doc.includes(start) || !doc.includes(end)) throw new Error(`${where} lacks ${start} … ${end}`);
  return doc.replace(new RegExp(`${start}[\\s\\S]*${end}`), () => `${start}\n${body}\n${end}`);
}

/** The text of the block `name` (between its markers), empty when it has none. */
export function blockOf(doc: string, name: string): string {
  return new RegExp(`<!-- ${name}:start -->([\\s\\S]*)<!-- ${name}:end -->`).exec(doc)?.[1] ?? '';
}

/** A generator's sentence with its `{name}` slots filled. */
export const fill = (text: string, values: Record<string, string>) =>
  text.replace(/\{(\w+)\}/g, (_, k: string) => values[k] ?? '');
