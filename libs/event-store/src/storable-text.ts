/**
 * Text PostgreSQL cannot store: jsonb refuses the escape of NUL and of a lone UTF-16 surrogate
 * (half of a pair, which has no UTF-8 form), and a text column refuses NUL. Appends check for
 * it (UnstorableTextError before anything is written, never a database error halfway through a
 * command); the gateway refuses it at the edge with the same rule.
 */
export function textProblem(text: string): string | null {
  if (text.includes('\u0000')) return 'must not contain a NUL character (\\u0000)';
  if (LONE_SURROGATE.test(text)) return 'must not contain a lone UTF-16 surrogate (it is not valid Unicode)';
  return null;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * The first key or string value PostgreSQL cannot store, named by its path from `root`; null
 * when there is none. `keyProblem` adds a rule of the caller's for keys.
 */
export function findUnstorableText(
  value: unknown,
  root: string,
  keyProblem: (key: string) => string | null = () => null,
): { field: string; problem: string } | null {
  // Every event appended and every admin body passes here; almost all are clean, so a walk that
  // builds no path strings answers first, and the paths are built only for a value that fails.
  if (!holdsUnstorableText(value, keyProblem)) return null;
  // Iterative: a deeply nested value must not overflow the stack.
  const pending: [string, unknown][] = [[root, value]];
  while (pending.length > 0) {
    const [path, item] = pending.pop()!;
    if (typeof item === 'string') {
      const problem = textProblem(item);
      if (problem) return { field: path, problem };
    } else if (Array.isArray(item)) {
      item.forEach((entry, index) => pending.push([`${path}[${index}]`, entry]));
    } else if (item !== null && typeof item === 'object') {
      for (const [key, entry] of Object.entries(item)) {
        const name = key === '' ? '""' : key; // an empty key named visibly, as its JSON spelling
        const field = path ? `${path}.${name}` : name;
        const problem = keyProblem(key) ?? textProblem(key);
        if (problem) return { field, problem: `key ${problem}` };
        pending.push([field, entry]);
      }
    }
  }
  return null;
}

function holdsUnstorableText(value: unknown, keyProblem: (key: string) => string | null): boolean {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const item = pending.pop();
    if (typeof item === 'string') {
      if (textProblem(item)) return true;
    } else if (Array.isArray(item)) {
      for (const entry of item) pending.push(entry);
    } else if (item !== null && typeof item === 'object') {
      for (const key of Object.keys(item)) {
        if (keyProblem(key) ?? textProblem(key)) return true;
        pending.push((item as Record<string, unknown>)[key]);
      }
    }
  }
  return false;
}
