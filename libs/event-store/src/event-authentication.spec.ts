// schemas/merkle/leaf-vectors.json "tags" (docs/leaf-format.md "Event authentication"), and what a tag check refuses.
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import {
  checkEventTag, eventAuthenticationBytes, eventAuthenticationText, eventAuthenticator, eventKeyIdOf, hmacSha256, InvalidEventKeyError,
  type AuthenticatedEventFields,
} from './event-authentication.js';

interface TagVector {
  name: string;
  keyHex: string;
  keyId: string;
  event: AuthenticatedEventFields;
  authenticatedText: string;
  tag: string;
}

const vectors = JSON.parse(readFileSync(new URL('../../../schemas/merkle/leaf-vectors.json', import.meta.url), 'utf8')) as { tags: TagVector[] };

describe('event authentication', () => {
  for (const vector of vectors.tags) {
    it(`${vector.name}: bytes, key id and tag`, () => {
      const key = Buffer.from(vector.keyHex, 'hex');
      expect(eventAuthenticationBytes(vector.event).toString('utf8')).toBe(vector.authenticatedText);
      expect(eventKeyIdOf(key)).toBe(vector.keyId);
      expect(createHmac('sha256', key).update(vector.authenticatedText, 'utf8').digest('hex')).toBe(vector.tag);
      expect(eventAuthenticator(key).tag(eventAuthenticationBytes(vector.event)).toString('hex')).toBe(vector.tag);
      expect(eventAuthenticationText(vector.event)).toBe(vector.authenticatedText);
      expect(eventAuthenticator(key).tag(eventAuthenticationText(vector.event)).toString('hex')).toBe(vector.tag);
      expect(checkEventTag(new Map([[vector.keyId, key]]), vector.event, vector.keyId, Buffer.from(vector.tag, 'hex'))).toBe('ok');
    });
  }

  it('refuses a missing tag, an unknown key and any change to the bytes', () => {
    const [vector] = vectors.tags;
    const keyring = new Map([[vector.keyId, Buffer.from(vector.keyHex, 'hex')]]);
    const tag = Buffer.from(vector.tag, 'hex');
    expect(checkEventTag(keyring, vector.event, null, null)).toBe('missing');
    expect(checkEventTag(keyring, vector.event, 'another-key', tag)).toBe('unknown_key');
    expect(checkEventTag(keyring, { ...vector.event, dataText: vector.event.dataText.replace('a-1', 'a-2') }, vector.keyId, tag)).toBe('mismatch');
    expect(checkEventTag(keyring, { ...vector.event, streamId: 'other' }, vector.keyId, tag)).toBe('mismatch');
    expect(checkEventTag(keyring, vector.event, vector.keyId, tag.subarray(0, 16))).toBe('mismatch');
  });

  it('hmacSha256 is createHmac: keys around the block size, messages around it and beyond its buffer, text and bytes, in any order', () => {
    const texts = ['', 'a', 'é😀\u0001"\\', 'x'.repeat(55), 'x'.repeat(56), 'x'.repeat(64), '€'.repeat(400), 'y'.repeat(5000), '😀'.repeat(3000), 'short again'];
    for (const keyLength of [0, 1, 32, 63, 64, 65, 200]) {
      const key = randomBytes(keyLength);
      const tag = hmacSha256(key);
      for (const text of [...texts, ...[...texts].reverse()]) {
        const expected = createHmac('sha256', key).update(text, 'utf8').digest('hex');
        expect(tag(text).toString('hex')).toBe(expected);
        expect(tag(Buffer.from(text, 'utf8')).toString('hex')).toBe(expected);
      }
    }
  });

  it('takes 32-byte keys only', () => {
    expect(() => eventAuthenticator(Buffer.alloc(16))).toThrow(InvalidEventKeyError);
  });
});
