import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newId, newTicketToken, sameDigest, sealToken, sha256, unsealToken } from '../../src/domain/tokens.js';
import { randomBytes } from 'node:crypto';

describe('ids and ticket tokens', () => {
  it('gives 128-bit tokens and 96-bit ids that never repeat across pool refills', () => {
    const tokens = new Set<string>();
    const ids = new Set<string>();
    // 20,000 of each draws 560 KB: the 8 KiB pool is refilled many times over.
    for (let i = 0; i < 20_000; i++) {
      tokens.add(newTicketToken());
      ids.add(newId('t'));
    }
    assert.equal(tokens.size, 20_000);
    assert.equal(ids.size, 20_000);
    for (const t of [...tokens].slice(0, 100)) assert.equal(Buffer.from(t, 'base64url').length, 16);
    for (const id of [...ids].slice(0, 100)) assert.match(id, /^t_[A-Za-z0-9_-]{24}$/);
  });

  it('orders ids by creation time under byte-wise comparison, as the databases compare them', () => {
    const times = [
      0,
      1,
      63,
      64,
      4095,
      4096,
      Date.UTC(2026, 10, 27),
      Date.UTC(2026, 10, 27) + 1,
      Date.UTC(2100, 0, 1),
      2 ** 48 - 1,
    ];
    const made = times.map((t) => newId('t', t));
    const sorted = [...made].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    assert.deepEqual(sorted, made);
    // The random part still differs within one millisecond.
    assert.notEqual(newId('t', 5), newId('t', 5));
    assert.equal(newId('t', 5).slice(0, 10), newId('t', 5).slice(0, 10));
  });

  it('compares digests in constant time and refuses empty or unequal ones', () => {
    assert.ok(sameDigest(sha256('a'), sha256('a')));
    assert.ok(!sameDigest(sha256('a'), sha256('b')));
    assert.ok(!sameDigest('', ''));
  });

  it('seals a token so only the same key opens it', () => {
    const key = randomBytes(32);
    const sealed = sealToken('secret-token', key);
    assert.equal(unsealToken(sealed, key), 'secret-token');
    assert.equal(unsealToken(sealed, randomBytes(32)), null);
    assert.equal(unsealToken('not-a-sealed-token', key), null);
  });
});
