// After `tsc -p tsconfig.build.json`: makes the compiled libraries importable by their package
// names from the compiled apps. Each libs/<name>/package.json points its "default" condition at
// ./src/index.js, which exists only in dist/libs/<name>/, so the manifest is copied there and
// dist/node_modules/@caracal/<name> links to it; Node finds dist/node_modules before the
// repository's node_modules (whose @caracal links serve TypeScript the sources).
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const scope = join(root, 'dist', 'node_modules', '@caracal');
rmSync(scope, { recursive: true, force: true });
mkdirSync(scope, { recursive: true });
for (const name of readdirSync(join(root, 'libs'))) {
  const manifest = join(root, 'libs', name, 'package.json');
  const compiled = join(root, 'dist', 'libs', name);
  if (!existsSync(manifest) || !existsSync(compiled)) continue;
  copyFileSync(manifest, join(compiled, 'package.json'));
  symlinkSync(join('..', '..', 'libs', name), join(scope, name), 'dir');
}
