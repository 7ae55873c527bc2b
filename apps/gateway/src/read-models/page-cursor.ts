import type { Page } from '@caracal/api-contract';
import { InvalidCursorError } from './invalid-cursor.error.js';

/** Keyset pagination over (created_at, id): stable while rows are added. */
export interface PageCursor {
  createdAt: string;
  id: string;
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

export function encodeCursor(cursor: PageCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id])).toString('base64url');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The form encodeCursor writes (toISOString), of a time that exists: Date.parse rolls 2025-02-30 over. */
function isIsoInstant(text: string): boolean {
  const ms = Date.parse(text);
  return !Number.isNaN(ms) && new Date(ms).toISOString() === text;
}

export function decodeCursor(text: string): PageCursor {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown[];
    if (typeof createdAt === 'string' && typeof id === 'string' && isIsoInstant(createdAt) && UUID.test(id)) {
      return { createdAt, id };
    }
  } catch {
    // fall through: any undecodable cursor is the caller's mistake
  }
  throw new InvalidCursorError();
}

/** Fetch limit + 1 rows; the extra one only tells whether there is a next page. */
export function toPage<R, T>(rows: R[], limit: number, toItem: (row: R) => T, keyOf: (row: R) => PageCursor): Page<T> {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  return {
    items: kept.map(toItem),
    nextCursor: more ? encodeCursor(keyOf(kept[kept.length - 1])) : null,
  };
}
