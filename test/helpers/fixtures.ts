import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
export const keyPath = (name: string) => join(FIXTURES, 'keys', name);
export const keyText = (name: string) => readFileSync(keyPath(name), 'utf8');
export const vectors = JSON.parse(readFileSync(join(FIXTURES, 'vectors.json'), 'utf8')) as Record<
  string,
  string
>;
