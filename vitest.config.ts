import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// The stdlib's `.lspec` files are imported as text, as esbuild's text loader does in the builds.
export default defineConfig({
  plugins: [
    {
      name: 'lspec-as-text',
      load(id) {
        if (id.endsWith('.lspec')) return `export default ${JSON.stringify(readFileSync(id, 'utf8'))};`;
        return null;
      },
    },
  ],
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
  },
});
