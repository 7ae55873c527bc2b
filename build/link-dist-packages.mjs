// After `tsc -p tsconfig.build.json`: makes the compiled workspace packages importable by their
// names from the compiled apps and benchmarks. Each package.json points its "default" condition
// at compiled paths (./src/index.js, ./x.js) that exist only under dist/, so the manifest is
// copied there and dist/node_modules/<name> links to it; Node finds dist/node_modules before the
// repository's node_modules (whose links serve TypeScript the sources).
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const workspaces = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).workspaces;
const folders = workspaces.flatMap((pattern) =>
  pattern.endsWith('/*') ? readdirSync(join(root, pattern.slice(0, -2))).map((name) => join(pattern.slice(0, -2), name)) : [pattern],
);
rmSync(join(root, 'dist', 'node_modules'), { recursive: true, force: true });
for (const folder of folders) {
  const manifest = join(root, folder, 'package.json');
  const compiled = join(root, 'dist', folder);
  if (!existsSync(manifest) || !existsSync(compiled)) continue;
  const { name } = JSON.parse(readFileSync(manifest, 'utf8'));
  copyFileSync(manifest, join(compiled, 'package.json'));
  const link = join(root, 'dist', 'node_modules', name);
  mkdirSync(dirname(link), { recursive: true });
  symlinkSync(relative(dirname(link), compiled), link, 'dir');
}
