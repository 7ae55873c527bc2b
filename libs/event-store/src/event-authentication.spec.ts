// schemas/merkle/leaf-vectors.json "tags" (docs/leaf-format.md "Event authentication"), and what a tag check refuses.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import {
  checkEventTag, eventAuthenticationBytes, eventAuthenticator, eventKeyIdOf, InvalidEventKeyError, type AuthenticatedEventFields,
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

  it('takes 32-byte keys only', () => {
    expect(() => eventAuthenticator(Buffer.alloc(16))).toThrow(InvalidEventKeyError);
  });
});
