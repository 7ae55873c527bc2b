// The package layering of docs/architecture.md as an ESLint rule, checked by `npm run lint`
// (part of `npm test`) over every import and re-export in apps/, libs/, bench/ and test/:
// - a relative import never leaves its package: another package is imported by its name;
// - a package imports only the @caracal packages its entry in PACKAGES allows;
// - inside a package, folders listed in `sealed` are imported only by the folders allowed.
import { dirname, relative, resolve, sep } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');

/** The package a file belongs to: 'libs/merkle', 'apps/gateway', 'test/support', 'bench/x'. */
function packageOf(file) {
  const parts = relative(root, file).split(sep);
  if (parts.length < 2 || parts[0].startsWith('..')) return null;
  if (parts[0] === 'test' && parts[1] !== 'support') return 'test';
  if (parts[0] === 'bench') return 'bench';
  return `${parts[0]}/${parts[1]}`;
}

function isTestFile(file) {
  return /\.(spec|int\.spec|e2e\.spec)\.ts$/.test(file) || file.includes(`${sep}testing${sep}`) || relative(root, file).startsWith(`test${sep}`);
}

/** `@caracal/merkle` -> 'merkle', `@caracal/merkle/testing` -> 'merkle/testing', `@caracal/test-support/x.js` -> 'test-support'. */
function caracalName(source) {
  const match = /^@caracal\/([a-z-]+)(\/testing)?/.exec(source);
  if (match === null) return null;
  return match[1] === 'test-support' ? 'test-support' : `${match[1]}${match[2] ?? ''}`;
}

/** Tests and benchmarks exercise the apps: they may import them by path; nothing else may. */
const APP_IMPORTERS = new Set(['test', 'test/support', 'bench']);

export const packageBoundaries = {
  meta: {
    type: 'problem',
    docs: { description: 'Imports follow the package layering of docs/architecture.md.' },
    schema: [{ type: 'object', additionalProperties: true }],
  },
  create(context) {
    const { packages } = context.options[0];
    const file = context.filename;
    const own = packageOf(file);
    if (own === null) return {};
    const rules = packages[own];
    const testFile = isTestFile(file);
    const fileRel = relative(root, file).split(sep).join('/');

    function check(node) {
      if (node.source === null || node.source === undefined || typeof node.source.value !== 'string') return;
      const source = node.source.value;
      if (source.startsWith('.')) {
        const target = resolve(dirname(file), source);
        const targetPackage = packageOf(target);
        if (targetPackage !== own && !(targetPackage?.startsWith('apps/') && APP_IMPORTERS.has(own))) {
          const name = targetPackage?.startsWith('libs/') ? `@caracal/${targetPackage.slice('libs/'.length)}` : targetPackage === 'test/support' ? '@caracal/test-support/…' : null;
          context.report({
            node: node.source,
            message: name
              ? `'${source}' leaves ${own}: import ${name} by its name.`
              : `'${source}' leaves ${own} for ${targetPackage ?? 'outside the packages'}, which it may not import.`,
          });
          return;
        }
        const targetRel = relative(root, target).split(sep).join('/');
        for (const sealed of rules?.sealed ?? []) {
          if (targetRel.startsWith(`${sealed.folder}/`) && !fileRel.startsWith(`${sealed.folder}/`) && !sealed.importedBy.some((allowed) => fileRel.startsWith(allowed))) {
            context.report({ node: node.source, message: `'${source}': ${sealed.message}` });
          }
        }
        return;
      }
      const name = caracalName(source);
      if (name === null || rules === undefined) return;
      // Test code may also use the test support and any package's testing entry.
      if ((testFile || rules?.allowTestSupport) && (name === 'test-support' || name.endsWith('/testing'))) return;
      const allowed = rules.allow ?? [];
      const byFile = Object.entries(rules.allowInFiles ?? {}).filter(([prefix]) => fileRel.startsWith(prefix)).flatMap(([, names]) => names);
      if (!allowed.includes(name) && !byFile.includes(name)) {
        context.report({ node: node.source, message: `${own} may not import @caracal/${name} (allowed: ${allowed.join(', ') || 'none'}; docs/architecture.md).` });
      }
    }

    return {
      ImportDeclaration: check,
      ExportNamedDeclaration: check,
      ExportAllDeclaration: check,
      ImportExpression: check,
    };
  },
};
