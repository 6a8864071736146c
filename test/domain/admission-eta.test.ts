import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { admissionEta } from '../../src/domain/admission-eta.js';
import { DEFAULT_QUEUE_SETTINGS, type Queue } from '../../src/domain/types.js';

const NOW = Date.parse('2026-03-02T09:00:00.000Z');
const room = (maxActive: number, sessionEnds: number[]): Pick<Queue, 'settings' | 'status' | 'sessionEnds'> => ({
  status: 'open',
  settings: { ...DEFAULT_QUEUE_SETTINGS, admission: { newPerMinute: 60, maxActive, sessionSeconds: 60 } },
  sessionEnds: sessionEnds.map((s) => NOW + s * 1000),
});

/** The waiting-room estimate under a cap, from the active sessions' ends (docs/waiting-room.md). */
describe('admissionEta under maxActive', () => {
  it('waits for enough sessions to end when operators admitted past the cap', () => {
    // Cap 2, four active: three must end before the next visitor fits, the third at 30 s.
    const eta = admissionEta(room(2, [10, 20, 30, 40]), 1, NOW);
    assert.ok(eta !== null);
    assert.ok(eta.lowSeconds >= 30 && eta.lowSeconds <= 31, JSON.stringify(eta));
  });

  it('gives every watcher of one reading the same answer as computing each alone', () => {
    const shared = room(3, [5, 12, 40]);
    const together = [1, 2, 3, 7, 12, 4].map((p) => admissionEta(shared, p, NOW));
    const alone = [1, 2, 3, 7, 12, 4].map((p) => admissionEta(room(3, [5, 12, 40]), p, NOW));
    assert.deepEqual(together, alone);
    // The line opens sessions of its own: the 4th visitor waits for the 1st's session to end.
    const fourth = alone[5];
    const first = alone[0];
    assert.ok(fourth && first && fourth.lowSeconds >= first.lowSeconds + 60, JSON.stringify({ first, fourth }));
  });
});
