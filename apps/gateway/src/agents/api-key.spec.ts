import { describe, expect, it } from '@jest/globals';
import { apiKeyId, generateApiKey, hashApiKey } from './api-key.js';

describe('agent API keys', () => {
  it('are unique, carry their key id and are stored only as a hash', () => {
    const a = generateApiKey();
    const b = generateApiKey();
    expect(a.key).not.toEqual(b.key);
    expect(apiKeyId(a.key)).toEqual(a.keyId);
    expect(a.keyHash).toEqual(hashApiKey(a.key));
    // the secret is base64url, which may itself hold '_': everything after the key id
    expect(a.keyHash).not.toContain(a.key.split('_').slice(2).join('_'));
  });

  it('rejects malformed keys before any lookup', () => {
    expect(apiKeyId('sk-openai-key')).toBeNull();
    expect(apiKeyId('ck_0123456789abcdef_short')).toBeNull();
    expect(apiKeyId(`ck_0123456789ABCDEF_${'a'.repeat(43)}`)).toBeNull();
  });
});
