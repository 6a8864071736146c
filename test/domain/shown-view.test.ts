import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ShownView, ViewFrame } from '../../src/domain/shown-view.js';
import type { TicketView } from '../../src/domain/views.js';

/**
 * A pass writes a ticket's JSON from its frame, cut around position and estimate
 * (src/domain/shown-view.ts). Whatever the other fields hold, the text is the one `JSON.stringify`
 * gives for the whole view, fields in the view's own order.
 */
const base: TicketView = {
  id: 't1',
  number: 7,
  queueId: 'q',
  status: 'waiting',
  priority: 'normal',
  position: 4,
  eta: { lowSeconds: 100, highSeconds: 200 },
  etaAtJoin: { lowSeconds: 1, highSeconds: 2 },
  name: null,
  counter: null,
  createdAt: new Date(0).toISOString(),
  calledAt: null,
  endedAt: null,
  recalls: 0,
  recalledAt: null,
};

const { position: _p, eta: _e, ...rest } = base;
const reordered: TicketView = { eta: null, position: 2, ...rest };

const views: [string, TicketView][] = [
  ['a plain waiting ticket', base],
  [
    'a name like the cut marks and keys',
    { ...base, name: '"position":"\u0001p" ,"eta":"\u0001e" \\ \u0000 \u2028 ☕' },
  ],
  ['a called ticket', { ...base, status: 'called', position: null, eta: null, counter: 'Desk "2"', recalls: 3 }],
  [
    'an admitted ticket with a pass',
    { ...base, status: 'admitted', position: null, eta: null, admittedUntil: 'x', pass: 'a.b.c', continueUrl: null },
  ],
  ['fields in another order', reordered],
];
const moves: [number | null, TicketView['eta']][] = [
  [1, { lowSeconds: 0, highSeconds: 30 }],
  [12_345, { lowSeconds: 1.5, highSeconds: 1e21 }],
  [null, null],
];

describe('the JSON of a shown view', () => {
  for (const [what, view] of views) {
    test(`${what}: the same text as JSON.stringify of the whole view, at every position`, () => {
      const frame = new ViewFrame(view);
      for (const [position, eta] of moves) {
        const whole = { ...view, position, eta };
        assert.equal(new ShownView(frame, position, eta).json, JSON.stringify(whole));
        assert.deepEqual(new ShownView(frame, position, eta).view, whole);
      }
      assert.equal(ShownView.of(view).json, JSON.stringify(view));
    });
  }

  test('a change of position, estimate, status, desk or pass is worth a message; the rest is not', () => {
    const was = ShownView.of(base);
    const at = (v: TicketView) => ShownView.of(v);
    assert.equal(was.differs(at({ ...base })), false);
    assert.equal(was.differs(at({ ...base, name: 'other', recalls: 2 })), false);
    assert.equal(was.differs(at({ ...base, position: 3 })), true);
    assert.equal(was.differs(at({ ...base, eta: { lowSeconds: 100, highSeconds: 201 } })), true);
    assert.equal(was.differs(at({ ...base, status: 'called' })), true);
    assert.equal(was.differs(at({ ...base, counter: 'Desk 1' })), true);
    assert.equal(was.differs(at({ ...base, pass: 'p' })), true);
  });
});
