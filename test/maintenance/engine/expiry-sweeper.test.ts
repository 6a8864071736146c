import assert from 'node:assert/strict';
import { afterEach, describe, it, mock } from 'node:test';
import type { TicketRecord } from '../../../src/domain/types.js';
import { EXPIRY_SWEEP_MS, ExpirySweeper } from '../../../src/maintenance/engine/index.js';
import { BACKENDS, isolate, makeConfig, openNode, quick, registry, silent } from '../../support/maintenance.js';

const steps = registry({ healthCheck: quick });

describe('the ticket expiry sweeper', () => {
  afterEach(() => mock.timers.reset());

  it('sweeps every interval, never two sweeps at once, and stops', async () => {
    mock.timers.enable({ apis: ['setInterval'] });
    let calls = 0;
    let release!: () => void;
    const sweeper = new ExpirySweeper(
      () => {
        calls++;
        return new Promise<TicketRecord[]>((r) => (release = () => r([])));
      },
      silent,
      1000,
    );
    sweeper.start();
    mock.timers.tick(999);
    assert.equal(calls, 0);
    mock.timers.tick(1);
    assert.equal(calls, 1);
    mock.timers.tick(3000);
    assert.equal(calls, 1, 'a slow sweep is not overlapped');
    release();
    await sweeper.stop();
    mock.timers.tick(5000);
    assert.equal(calls, 1, 'no sweep after stop');
  });

  it('keeps sweeping after a failed sweep', async () => {
    let calls = 0;
    const sweeper = new ExpirySweeper(async () => {
      calls++;
      if (calls === 1) throw new Error('database away');
      return [];
    }, silent);
    assert.equal(await sweeper.sweep(), 0);
    assert.equal(await sweeper.sweep(), 0);
    assert.equal(calls, 2);
  });
});

for (const backend of BACKENDS) {
  describe(`expiry on the scheduler nodes only, on ${backend.name}`, { skip: backend.skip }, () => {
    afterEach(() => mock.timers.reset());

    for (const scheduler of ['on', 'off'] as const)
      it(`${scheduler === 'on' ? 'sweeps' : 'never sweeps'} with QK_SCHEDULER=${scheduler}`, async () => {
        const iso = await isolate(backend.name);
        const config = makeConfig(iso, { env: { QK_SCHEDULER: scheduler } });
        let calls = 0;
        const node = await openNode(config, {
          steps,
          expireTickets: async () => {
            calls++;
            return [];
          },
        });
        try {
          mock.timers.enable({ apis: ['setInterval'] });
          await node.m.start();
          for (let i = 0; i < 3; i++) {
            mock.timers.tick(EXPIRY_SWEEP_MS);
            // Lets the sweep settle, as the real interval would between two sweeps.
            await new Promise((r) => setImmediate(r));
          }
          assert.equal(calls, scheduler === 'on' ? 3 : 0);
        } finally {
          await node.close();
          await iso.cleanup();
        }
      });
  });
}
