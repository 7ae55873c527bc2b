import { describe, expect, it } from '@jest/globals';
import { newEventId } from './event-id.js';

describe('newEventId', () => {
  it('is a version 7 UUID whose first 48 bits are the time in ms', () => {
    const at = Date.parse('2026-12-04T13:00:00.123Z');
    const id = newEventId(at);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(at);
  });

  it('sorts by time, and ids of one millisecond differ', () => {
    const earlier = newEventId(1_000);
    const later = newEventId(2_000);
    expect(earlier < later).toBe(true);
    expect(new Set(Array.from({ length: 1000 }, () => newEventId(5_000))).size).toBe(1000);
  });
});
