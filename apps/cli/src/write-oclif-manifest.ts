// Writes oclif.manifest.json at the package root, run by `npm run build` after tsc. With it oclif
// lists and finds commands from this one file instead of importing every compiled command module
// (and what they import) on each run; only the command being run is imported.
//
// This is what the `oclif manifest` command of the `oclif` dev package does, with @oclif/core's
// own Plugin loader: that package would bring a second @oclif/core major and the AWS SDK (it also
// packs and uploads releases) for one file.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Plugin } from '@oclif/core/config';

/** The package root, from dist/apps/cli/src/ where this file runs. */
const root = fileURLToPath(new URL('../../../../', import.meta.url));

// ignoreManifest: never read a previous (possibly stale) manifest; errorOnManifestCreate: a command
// that fails to import fails the build instead of being left out with a warning.
const plugin = new Plugin({ root, type: 'core', isRoot: true, ignoreManifest: true, errorOnManifestCreate: true });
await plugin.load();

const commandCount = Object.keys(plugin.manifest.commands).length;
if (commandCount === 0) throw new Error(`no oclif commands found under ${root} (is package.json "oclif.commands" right?)`);

const path = join(root, 'oclif.manifest.json');
writeFileSync(path, `${JSON.stringify(plugin.manifest)}\n`);
console.log(`${path}: ${commandCount} commands`);
