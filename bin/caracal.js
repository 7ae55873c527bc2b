#!/usr/bin/env node
// Runs the compiled commands (oclif.commands in package.json): `npm run build` first.
import { execute } from '@oclif/core/execute';
import { globalFlagsAfterCommand } from '../dist/apps/cli/src/global-flags-first.js';

await execute({ dir: import.meta.url, args: globalFlagsAfterCommand(process.argv.slice(2)) });
