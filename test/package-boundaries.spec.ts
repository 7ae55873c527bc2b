import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ESLint } from 'eslint';

const root = new URL('..', import.meta.url).pathname;
const eslint = new ESLint({ cwd: root });

/** The package-boundaries messages ESLint gives for `code` as if it were the file at `path`. */
async function boundaryErrors(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, path) });
  return result.messages.filter((message) => message.ruleId === 'caracal/package-boundaries').map((message) => message.message);
}

describe('package layering (docs/architecture.md)', () => {
  it('refuses a library importing a package its entry in PACKAGES does not allow', async () => {
    expect(await boundaryErrors('libs/domain/src/wrong.ts', "import { loadConfig } from '@caracal/config';\nexport const x = loadConfig;\n"))
      .toEqual(['libs/domain may not import @caracal/config (allowed: money, api-contract; docs/architecture.md).']);
  });

  it('refuses a relative import that leaves its package, naming the package to import instead', async () => {
    expect(await boundaryErrors('libs/domain/src/wrong.ts', "import { canonicalize } from '../../merkle/src/index.js';\nexport const x = canonicalize;\n"))
      .toEqual(["'../../merkle/src/index.js' leaves libs/domain: import @caracal/merkle by its name."]);
    expect(await boundaryErrors('apps/cli/src/wrong.ts', "import { loadConfig } from '../../gateway/src/main.js';\nexport const x = loadConfig;\n"))
      .toEqual(["'../../gateway/src/main.js' leaves apps/cli for apps/gateway, which it may not import."]);
  });

  it('lets a package import what it may, and tests import the test support', async () => {
    expect(await boundaryErrors('apps/gateway/src/ok.ts', "import { canonicalize } from '@caracal/merkle';\nexport const x = canonicalize;\n")).toEqual([]);
    expect(await boundaryErrors('libs/sealing/src/ok.int.spec.ts', "import { waitFor } from '@caracal/test-support/wait-for.js';\nexport const x = waitFor;\n")).toEqual([]);
  });
});
