// Preloaded with `node --require` by test/framework.test.ts: when the process exits, writes to the file
// LOADED_PACKAGES_FILE every installed package a module was loaded from, as { name, dir }, where name is
// the package.json's own name (an npm alias installs cdktn under node_modules/cdktf).
const fs = require('node:fs');
const path = require('node:path');

process.on('exit', () => {
  const packages = new Map();
  for (const file of Object.keys(require.cache)) {
    const match = /^(.*[\\/]node_modules[\\/](?:@[^\\/]+[\\/])?[^\\/]+)[\\/]/.exec(file);
    if (!match || packages.has(match[1])) continue;
    const manifest = path.join(match[1], 'package.json');
    packages.set(match[1], fs.existsSync(manifest) ? JSON.parse(fs.readFileSync(manifest, 'utf8')).name : undefined);
  }
  const loaded = [...packages].map(([dir, name]) => ({ name, dir: fs.realpathSync(dir) }));
  fs.writeFileSync(process.env.LOADED_PACKAGES_FILE, JSON.stringify(loaded));
});
