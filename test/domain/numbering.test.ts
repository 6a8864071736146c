import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { numberingAt, resetsAtAfterChange } from '../../src/domain/numbering.js';

/** When a daily-numbered queue's day ends, daylight saving included (src/domain/numbering.ts). */
describe('daily numbering days', () => {
  const dayEnd = (timezone: string, iso: string) =>
    new Date(
      resetsAtAfterChange(
        { settings: {}, resetsAt: null },
        { numbering: 'daily', timezone },
        Date.parse(iso),
      ) as number,
    ).toISOString();

  test('the day ends at local midnight, on both sides of a clock change', () => {
    assert.equal(dayEnd('Europe/Madrid', '2026-03-28T12:00:00Z'), '2026-03-28T23:00:00.000Z');
    assert.equal(dayEnd('Europe/Madrid', '2026-03-29T12:00:00Z'), '2026-03-29T22:00:00.000Z');
    assert.equal(dayEnd('Asia/Tokyo', '2026-03-10T15:00:00Z'), '2026-03-11T15:00:00.000Z');
  });

  test('where a clock change skips midnight, the day still ends, at the first instant of the next', () => {
    // Santiago moves from 00:00 to 01:00 on 6 September 2026.
    assert.equal(dayEnd('America/Santiago', '2026-09-05T12:00:00Z'), '2026-09-06T04:00:00.000Z');
  });

  test('a reset that is due starts a new cycle at 0 that ends at the next local midnight; continuous never resets', () => {
    const q = {
      settings: { numbering: 'daily' as const, timezone: 'Asia/Tokyo' },
      lastNumber: 41,
      epoch: 3,
      resetsAt: Date.parse('2026-03-10T15:00:00Z'),
    };
    assert.deepEqual(numberingAt(q, Date.parse('2026-03-10T14:59:59Z')), {
      lastNumber: 41,
      epoch: 3,
      resetsAt: q.resetsAt,
    });
    assert.deepEqual(numberingAt(q, Date.parse('2026-03-12T03:00:00Z')), {
      lastNumber: 0,
      epoch: 4,
      resetsAt: Date.parse('2026-03-12T15:00:00Z'),
    });
    assert.equal(
      resetsAtAfterChange({ settings: q.settings, resetsAt: q.resetsAt }, { numbering: 'continuous' }, 0),
      null,
    );
  });

  test('a zone change keeps a reset already due, and a zone spelled in another case is no change', () => {
    const madrid = { numbering: 'daily' as const, timezone: 'Europe/Madrid' };
    // Madrid's day ended at 23:00Z; the next morning, before anyone joins, the zone changes.
    const due = Date.parse('2026-03-10T23:00:00Z');
    const morning = Date.parse('2026-03-11T08:00:00Z');
    const lisbon = { numbering: 'daily' as const, timezone: 'Europe/Lisbon' };
    assert.equal(resetsAtAfterChange({ settings: madrid, resetsAt: due }, lisbon, morning), due);
    // Not yet due: the new zone's next midnight, so today's numbers are not repeated.
    const evening = Date.parse('2026-03-10T20:00:00Z');
    assert.equal(
      resetsAtAfterChange({ settings: madrid, resetsAt: due }, lisbon, evening),
      Date.parse('2026-03-11T00:00:00Z'),
    );
    const lower = { numbering: 'daily' as const, timezone: 'europe/madrid' };
    assert.equal(resetsAtAfterChange({ settings: madrid, resetsAt: due }, lower, evening), due);
  });
});
