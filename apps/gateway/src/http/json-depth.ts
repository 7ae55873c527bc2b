/**
 * Whether a parsed JSON value nests objects and arrays more than `maxDepth` levels (a scalar is
 * 0, `{}` is 1). Iterative: measuring must not overflow the stack that deep nesting would
 * overflow in the recursive code the bound protects (class-transformer, JSON.stringify, pricing).
 */
export function nestsDeeperThan(value: unknown, maxDepth: number): boolean {
  const pending: [unknown, number][] = [[value, 1]];
  while (pending.length > 0) {
    const [item, depth] = pending.pop()!;
    if (item === null || typeof item !== 'object') continue;
    if (depth > maxDepth) return true;
    for (const child of Object.values(item)) pending.push([child, depth + 1]);
  }
  return false;
}
