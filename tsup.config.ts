import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    crypto: 'src/crypto.ts',
    sandbox: 'src/sandbox/index.ts',
    redis: 'src/redis/index.ts',
    cli: 'src/cli/index.ts',
  },
  format: ['esm', 'cjs'],
  dts: {
    entry: {
      index: 'src/index.ts',
      crypto: 'src/crypto.ts',
      sandbox: 'src/sandbox/index.ts',
      redis: 'src/redis/index.ts',
    },
  },
  sourcemap: true,
  clean: true,
  target: 'node20',
  splitting: true,
  shims: true,
});
