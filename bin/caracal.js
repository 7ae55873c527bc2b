#!/usr/bin/env node
// Runs the compiled commands (oclif.commands in package.json): `npm run build` first.
import { execute } from '@oclif/core/execute';

await execute({ dir: import.meta.url });
