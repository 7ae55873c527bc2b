// schemas/merkle/leaf-vectors.json (docs/leaf-format.md): the leaf text, bytes and hash of each
// stored event, checked three ways: the frame, an independent SHA-256 over 0x00 ‖ bytes, and the
// RFC 8785 leaf of the parsed event (the definition leaves were sealed under before 011).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { canonicalLeafBytes } from './event-leaf.js';
import { toHex } from './hex.js';
import { jsonString, leafHashOfText, storedLeafBytes, storedLeafHash, storedLeafHashHex, storedLeafText, type StoredEventLeaf } from './stored-event-leaf.js';

interface LeafVector {
  name: string;
  event: StoredEventLeaf;
  leafText: string;
  leafBytesHex: string;
  leafHash: string;
}

const vectors = JSON.parse(readFileSync(new URL('../../../schemas/merkle/leaf-vectors.json', import.meta.url), 'utf8')) as { leaves: LeafVector[] };

describe('schemas/merkle/leaf-vectors.json', () => {
  it('has vectors', () => {
    expect(vectors.leaves.length).toBeGreaterThanOrEqual(3);
  });

  for (const vector of vectors.leaves) {
    it(`${vector.name}: frame, bytes and hash`, () => {
      expect(storedLeafText(vector.event)).toBe(vector.leafText);
      expect(storedLeafBytes(vector.event).toString('hex')).toBe(vector.leafBytesHex);
      const independent = createHash('sha256').update(Buffer.from([0x00])).update(Buffer.from(vector.leafBytesHex, 'hex')).digest('hex');
      expect(independent).toBe(vector.leafHash);
      expect(toHex(storedLeafHash(vector.event))).toBe(vector.leafHash);
      expect(toHex(leafHashOfText(vector.leafText))).toBe(vector.leafHash);
      expect(storedLeafHashHex(vector.event)).toBe(vector.leafHash);
    });

    it(`${vector.name}: the same bytes as the RFC 8785 leaf of the parsed event`, () => {
      const { dataText, metadataText, ...fields } = vector.event;
      const parsed = { ...fields, data: JSON.parse(dataText) as Record<string, unknown>, metadata: JSON.parse(metadataText) as Record<string, unknown> };
      expect(canonicalLeafBytes(parsed).toString('hex')).toBe(vector.leafBytesHex);
    });
  }

  it('quotes stream ids, event types and event ids as JSON.stringify does (the frame\'s fast path)', () => {
    const units = Array.from({ length: 0x80 }, (_, code) => String.fromCharCode(code));
    const texts = [
      '', 'plain', 'agent-7f3a', '0b9c2f8e-3c1d-4e57-9a51-2f7b1d9e6a10', ...units, units.join(''), `a${units.join('b')}c`,
      'é', 'ünï', '😀', '\u2028\u2029', '\ufffd\ufffe\uffff', '\ue000', '\u{10ffff}', '\ud800', '\udfff', 'x\ud83dy', 'x\ude00y', '\ude00\ud83d',
    ];
    for (const text of texts) expect(jsonString(text)).toBe(JSON.stringify(text));
    const [vector] = vectors.leaves;
    for (const text of texts) {
      const leaf = { ...vector.event, streamId: text, eventType: `T${text}` };
      const expected = `{"data":${leaf.dataText},"eventId":${JSON.stringify(leaf.eventId)},"eventType":${JSON.stringify(leaf.eventType)},"globalPosition":"${leaf.globalPosition}","merkleIndex":"${leaf.merkleIndex}","metadata":${leaf.metadataText},"recordedAt":"${leaf.recordedAt}","schemaVersion":${leaf.schemaVersion},"streamId":${JSON.stringify(leaf.streamId)},"streamPosition":"${leaf.streamPosition}"}`;
      expect(storedLeafText(leaf)).toBe(expected);
      expect(storedLeafHashHex(leaf)).toBe(createHash('sha256').update(Buffer.from([0x00])).update(expected, 'utf8').digest('hex'));
    }
  });

  it('storedLeafHashHex over texts longer than its buffer, then shorter again, multibyte and escaped', () => {
    const [vector] = vectors.leaves;
    const sizes = ['', '😀'.repeat(3000), 'é'.repeat(5000), 'x', '\u0001'.repeat(2000)];
    for (const text of sizes) {
      const leaf = { ...vector.event, dataText: JSON.stringify({ text }), metadataText: JSON.stringify({ m: text.slice(0, 100) }), streamId: text.slice(0, 700), eventType: text.slice(0, 300) };
      expect(storedLeafHashHex(leaf)).toBe(toHex(storedLeafHash(leaf)));
      expect(storedLeafHashHex(leaf)).toBe(createHash('sha256').update(Buffer.from([0x00])).update(storedLeafText(leaf), 'utf8').digest('hex'));
    }
  });

  it('one changed byte of the stored data changes the hash', () => {
    const [vector] = vectors.leaves;
    const changed = { ...vector.event, dataText: vector.event.dataText.replace('Billing', 'Bi11ing') };
    expect(toHex(storedLeafHash(changed))).not.toBe(vector.leafHash);
  });
});
