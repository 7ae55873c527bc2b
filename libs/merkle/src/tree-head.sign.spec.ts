import { describe, expect, it } from '@jest/globals';
import { createPublicKey } from 'node:crypto';
import { headHash, type TreeHead } from './tree-head.js';
import { SigningKeyError, TreeHeadSignatureError } from './tree-head.errors.js';
import {
  assertTreeHeadSignature, generateSigningKeyPair, keyIdOf, signTreeHead, verifyTreeHeadSignature, type PublicKeyInput,
} from './tree-head.sign.js';
import { testHead } from './testing/heads.js';

const keyA = generateSigningKeyPair();
const keyB = generateSigningKeyPair();
const trusted = new Map<string, PublicKeyInput>([[keyA.keyId, keyA.publicKeyPem], [keyB.keyId, createPublicKey(keyB.publicKeyPem)]]);

function flipHexByte(hex: string, byte: number): string {
  const bytes = Buffer.from(hex, 'hex');
  bytes[byte] ^= 0x01;
  return bytes.toString('hex');
}

describe('tree head signing (Ed25519)', () => {
  it('generates PEM keys (PKCS#8 / SPKI) and a key id = SHA-256 of the raw public key', () => {
    expect(keyA.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(keyA.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(keyA.keyId).toMatch(/^[0-9a-f]{64}$/);
    expect(keyIdOf(createPublicKey(keyA.publicKeyPem))).toBe(keyA.keyId);
    expect(keyIdOf(keyA.publicKeyPem)).toBe(keyA.keyId);
    expect(keyB.keyId).not.toBe(keyA.keyId);
  });

  it('round-trips: a signed head verifies', () => {
    const head = testHead({ keyId: keyA.keyId });
    const signature = signTreeHead(head, keyA.privateKeyPem);
    expect(signature).toMatch(/^[0-9a-f]{128}$/);
    expect(verifyTreeHeadSignature(head, signature, trusted)).toEqual({ ok: true, keyId: keyA.keyId });
    expect(verifyTreeHeadSignature(head, Buffer.from(signature, 'hex'), trusted).ok).toBe(true);
    expect(() => assertTreeHeadSignature(head, signature, trusted)).not.toThrow();
  });

  it('fails when any signature byte is flipped, or any head field changed', () => {
    const head = testHead({ keyId: keyA.keyId });
    const signature = signTreeHead(head, keyA.privateKeyPem);
    for (const byte of [0, 17, 31, 32, 63]) {
      expect(verifyTreeHeadSignature(head, flipHexByte(signature, byte), trusted)).toEqual({ ok: false, reason: 'bad_signature', keyId: keyA.keyId });
    }
    const changes: Array<Partial<TreeHead>> = [{ batchId: 'x' }, { timestamp: '2024-01-31T12:00:05.000001Z' }, { previousHeadHash: null }, { firstIndex: 3 }];
    for (const change of changes) {
      expect(verifyTreeHeadSignature({ ...head, ...change }, signature, trusted).ok).toBe(false);
    }
    expect(verifyTreeHeadSignature(head, signature.slice(2), trusted)).toMatchObject({ ok: false, reason: 'malformed_signature' });
    expect(verifyTreeHeadSignature({ ...head, treeSize: 0.5 }, signature, trusted)).toMatchObject({ ok: false, reason: 'malformed_head' });
    expect(() => assertTreeHeadSignature(head, flipHexByte(signature, 5), trusted)).toThrow(TreeHeadSignatureError);
  });

  it('fails for a head signed by a key that is not trusted', () => {
    const stranger = generateSigningKeyPair();
    const head = testHead({ keyId: stranger.keyId });
    const signature = signTreeHead(head, stranger.privateKeyPem);
    expect(verifyTreeHeadSignature(head, signature, trusted)).toEqual({ ok: false, reason: 'unknown_key', keyId: stranger.keyId });
    // Re-labelled with a trusted key id, the stranger's signature does not verify either.
    const relabelled = { ...head, keyId: keyA.keyId };
    expect(verifyTreeHeadSignature(relabelled, signature, trusted)).toMatchObject({ ok: false, reason: 'bad_signature' });
    try {
      assertTreeHeadSignature(head, signature, trusted);
    } catch (error) {
      expect((error as TreeHeadSignatureError).reason).toBe('unknown_key');
    }
  });

  it('keeps heads verifiable across a key rotation: each key verifies its own heads', () => {
    const before = testHead({ keyId: keyA.keyId, batchId: 'batch-1' });
    const after = testHead({ keyId: keyB.keyId, batchId: 'batch-2', previousHeadHash: headHash(before) });
    const signatureBefore = signTreeHead(before, keyA.privateKeyPem);
    const signatureAfter = signTreeHead(after, keyB.privateKeyPem);
    expect(verifyTreeHeadSignature(before, signatureBefore, trusted).ok).toBe(true);
    expect(verifyTreeHeadSignature(after, signatureAfter, trusted).ok).toBe(true);
    // Swapped signatures do not verify.
    expect(verifyTreeHeadSignature(after, signatureBefore, trusted).ok).toBe(false);
  });

  it('refuses to sign with a key that is not head.keyId, or a non-Ed25519 key', () => {
    expect(() => signTreeHead(testHead({ keyId: keyA.keyId }), keyB.privateKeyPem)).toThrow(SigningKeyError);
    expect(() => signTreeHead(testHead({ keyId: keyA.keyId }), 'not a pem')).toThrow(SigningKeyError);
  });

  it('treats a key listed under another id as a configuration error', () => {
    const head = testHead({ keyId: keyA.keyId });
    const signature = signTreeHead(head, keyA.privateKeyPem);
    const mislabelled = new Map([[keyA.keyId, keyB.publicKeyPem]]);
    expect(() => verifyTreeHeadSignature(head, signature, mislabelled)).toThrow(SigningKeyError);
  });
});
