/**
 * The package's entry points, declared once: the `exports` map of package.json (and `bin` for the CLI).
 * tsup.config.ts and vitest.config.ts (hence Stryker's vitest.mutate.config.ts) derive theirs from here.
 * The lists in static JSON that cannot (package.json `typesVersions`, tsconfig.json `paths`, typedoc.json
 * `entryPoints`) and the READMEs' import tables are checked against it by test/contract/subpaths.test.ts.
 * Adding a subpath: its `exports` entry in package.json, then whatever that test asks for.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('.', import.meta.url));

interface ExportEntry {
  import: { types: string; default: string };
  require: { types: string; default: string };
}
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  exports: Record<string, ExportEntry | string>;
  bin: Record<string, string>;
};

export interface Subpath {
  /** What users import: `campus-pay`, `campus-pay/crypto`… */
  specifier: string;
  /** The build's entry name, which names its files in dist/: `index`, `crypto`… */
  name: string;
  /** Its source, from the root: `src/<name>.ts`, else `src/<name>/index.ts`. */
  source: string;
}

/** dist/<name>.js → <name>, and where its source is. */
function entry(distFile: string): { name: string; source: string } {
  const name = /^\.\/dist\/([\w-]+)\.js$/.exec(distFile)?.[1];
  if (!name) throw new Error(`package.json: ${distFile} is not ./dist/<name>.js`);
  const source = [`src/${name}.ts`, `src/${name}/index.ts`].find((f) => existsSync(join(ROOT, f)));
  if (!source)
    throw new Error(`package.json: ${distFile} has no source (src/${name}.ts or src/${name}/index.ts)`);
  return { name, source };
}

/** Every subpath of package.json `exports` except `./package.json`, in its order. */
export const SUBPATHS: readonly Subpath[] = Object.entries(pkg.exports).flatMap(([key, value]) =>
  typeof value === 'string'
    ? []
    : [{ specifier: key === '.' ? pkg.name : `${pkg.name}/${key.slice(2)}`, ...entry(value.import.default) }],
);

/** The command line's entry (package.json `bin`): built like the others, with no declarations. */
export const BIN = entry(pkg.bin[pkg.name]!);
