// npm run synth, and the cdktf CLI's app command: bundle the program, then run it, in one Node process.
import { createRequire } from 'node:module';
import { APP_BUNDLE, buildApp } from './build.mjs';

await buildApp();
createRequire(import.meta.url)(APP_BUNDLE);
