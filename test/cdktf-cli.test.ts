import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stackNames, tempDir } from './support/synthesized';

// `cdktf diff` and `cdktf deploy` synthesize through cdktf.json's app command (scripts/synth.mjs):
// the pinned CLI must get every stack from it.
it('the cdktf CLI synthesizes every stack through the app command in cdktf.json', () => {
  const root = path.resolve(__dirname, '..');
  const output = path.join(tempDir('cdktf-cli'), 'out');
  const result = spawnSync(path.join(root, 'node_modules', '.bin', 'cdktf'), ['synth', '--output', output], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, CHECKPOINT_DISABLE: '1', CI: '1' },
    timeout: 60_000,
  });
  expect(result.status).toBe(0);
  const manifest = JSON.parse(fs.readFileSync(path.join(output, 'manifest.json'), 'utf8'));
  expect(Object.keys(manifest.stacks).sort()).toEqual(stackNames().sort());
  expect(fs.readdirSync(path.dirname(output))).toEqual(['out']);
}, 90_000);
