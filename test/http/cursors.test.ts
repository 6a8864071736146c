import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { call, COMBOS, suiteNode } from '../support/harness.js';
import { assertError, createQueue, join, listAll, stateOf } from './helpers.js';

/** List cursors are opaque; one the server did not issue is 400 on every backend, never a 500. */

const forge = (parts: unknown): string => Buffer.from(JSON.stringify(parts)).toString('base64url');

const FORGED_TICKET_CURSORS: [string, unknown][] = [
  ['a priority past smallint', [70_000, 1]],
  ['a priority that does not exist', [7, 1]],
  ['a text priority', ['high', 1]],
  ['a fractional seq', [1, 1.5]],
  ['a text seq', [1, 'x']],
  ['a seq past bigint', [1, 1e300]],
  ['a negative seq', [1, -1]],
  ['an object', [{}, 1]],
  ['three parts', [1, 1, 1]],
];

const FORGED_RUN_CURSORS: [string, unknown][] = [
  ['a text time', ['yesterday', 'run_1']],
  ['a time past bigint', [1e300, 'run_1']],
  ['a numeric id', [1, 5]],
  ['an id with SQL in it', [1, "x' OR '1'='1"]],
];

for (const combo of COMBOS) {
  describe(combo.name, { skip: combo.skip }, () => {
    const node = suiteNode(combo);

    test('forged ticket-list cursors → 400 validation_failed, and nothing changes', async () => {
      const q = (await createQueue(node.url)).id;
      for (let i = 0; i < 3; i++) await join(node.url, q);
      const before = await stateOf(node.url);
      for (const [what, parts] of FORGED_TICKET_CURSORS)
        assertError(
          await call(node.url, 'GET', `/api/queues/${q}/tickets?cursor=${forge(parts)}`),
          400,
          'validation_failed',
          what,
        );
      assert.equal(await stateOf(node.url), before);
      assert.equal((await listAll(node.url, q, undefined, 1)).length, 3, 'issued cursors still page');
    });

    test('forged run-history cursors → 400 validation_failed', async () => {
      for (const [what, parts] of FORGED_RUN_CURSORS)
        assertError(
          await call(node.url, 'GET', `/api/maintenance/runs?cursor=${forge(parts)}`),
          400,
          'validation_failed',
          what,
        );
    });
  });
}
