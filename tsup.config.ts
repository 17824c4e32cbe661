import { defineConfig } from 'tsup';
import { BIN, SUBPATHS } from './subpaths.js';

const entries = Object.fromEntries(SUBPATHS.map((s) => [s.name, s.source]));

export default defineConfig({
  entry: { ...entries, [BIN.name]: BIN.source },
  format: ['esm', 'cjs'],
  dts: { entry: entries },
  sourcemap: true,
  clean: true,
  target: 'node20',
  splitting: true,
  shims: true,
  // Bundling renames classes that refer to themselves (CampusPayError → _CampusPayError); errors name
  // themselves from their class, so keep the names.
  keepNames: true,
});
