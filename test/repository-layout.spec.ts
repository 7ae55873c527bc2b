import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';

const root = new URL('..', import.meta.url).pathname;

function filesUnder(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(root.length));
}

describe('repository layout (docs/architecture.md)', () => {
  it('names every test file with a suffix the test runner recognises: *.spec.ts, *.int.spec.ts, *.e2e.spec.ts', () => {
    const files = ['apps', 'libs', 'test', 'bench'].flatMap(filesUnder);
    // *.test.ts, *.int.spec.ts, *.e2e.spec.ts: Jest would not run them
    expect(files.filter((file) => /[.-]test\.ts$/.test(file))).toEqual([]);
    expect(files.filter((file) => file.endsWith('.e2e.spec.ts') && !file.startsWith('test/e2e/'))).toEqual([]);
    expect(files.filter((file) => file.endsWith('.int.spec.ts') && !/^(apps|libs|test\/integration)\//.test(file))).toEqual([]);
  });

  it('makes every library a workspace package @caracal/<folder> exposing only its entry and, where it has suites, its testing entry', () => {
    const workspaces = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces: string[] }).workspaces;
    expect(workspaces).toContain('libs/*');
    for (const lib of readdirSync(join(root, 'libs'))) {
      const manifest = JSON.parse(readFileSync(join(root, 'libs', lib, 'package.json'), 'utf8')) as { name: string; exports: Record<string, unknown> };
      expect(manifest.name).toBe(`@caracal/${lib}`);
      const expected = existsSync(join(root, 'libs', lib, 'src', 'testing')) ? ['.', './testing'] : ['.'];
      expect(Object.keys(manifest.exports).sort()).toEqual(expected);
    }
  });
});
