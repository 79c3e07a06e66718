// Bundles the TypeScript program into dist/main.js. Packages stay external: the provider bindings must
// share the one cdktf instance, deep imports load only the classes used, and bundling zod measured slower.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

export const APP_BUNDLE = fileURLToPath(new URL('../dist/main.js', import.meta.url));

export async function buildApp() {
  await build({
    entryPoints: [fileURLToPath(new URL('../main.ts', import.meta.url))],
    outfile: APP_BUNDLE,
    bundle: true,
    packages: 'external',
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'linked',
    logLevel: 'warning',
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildApp();
