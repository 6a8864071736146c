import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { ERROR_CODES } from '../../src/errors/index.js';

/**
 * The error catalogue and its documentation cannot drift: every code of `src/errors/codes.ts` has
 * its row in docs/errors.md with the same status, and the table lists no code the product lacks.
 */
const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
const documented = new Map<string, number>();
for (const [, code, status] of doc.matchAll(/^\|\s*`([a-z_]+)`\s*\|\s*(\d{3})\s*\|/gm))
  documented.set(code as string, Number(status));

describe('the error catalogue', () => {
  test('docs/errors.md has a table to read', () => {
    assert.ok(documented.size > 0, 'no `| `code` | status |` rows found in docs/errors.md');
  });

  for (const [code, status] of Object.entries(ERROR_CODES))
    test(`${code} is documented with status ${status}`, () => {
      assert.equal(documented.get(code), status, `docs/errors.md: ${code}`);
    });

  test('docs/errors.md lists only codes the product has', () => {
    const extra = [...documented.keys()].filter((c) => !(c in ERROR_CODES));
    assert.deepEqual(extra, []);
  });

  test('every code is lower snake_case and every status a 4xx or 5xx', () => {
    for (const [code, status] of Object.entries(ERROR_CODES)) {
      assert.match(code, /^[a-z]+(_[a-z]+)*$/);
      assert.ok(status >= 400 && status < 600, code);
    }
  });
});
