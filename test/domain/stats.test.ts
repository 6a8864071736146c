import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { calibrate, coverageOf, DEFAULT_COVERAGE_TARGET, estimateWait, INITIAL_SCALE } from '../../src/domain/eta.js';
import { QueueService } from '../../src/domain/queue-service.js';
import { queueStats, statsCsv } from '../../src/domain/stats.js';
import { DEFAULT_QUEUE_SETTINGS, type Eta } from '../../src/domain/types.js';
import { createMemoryBackend } from '../../src/live/memory/backend.js';
import type { Store } from '../../src/store/contract.js';
import { skipPg, uniqueName } from '../support/env.js';
import { storeFixtures } from '../store/support.js';
import { seeded } from '../support/seeded.js';

const fx = storeFixtures('stats');
const observer = { joined: () => undefined, changed: () => undefined, invalidToken: () => undefined };
const at = (hhmm: string) => Date.parse(`2026-03-02T${hhmm}:00Z`);
const within = (e: Eta, s: number) => s >= e.lowSeconds && s <= e.highSeconds;

/** A constructed morning: every count, wait and service time below is known in advance. */
async function morning(store: Store) {
  await store.migrate();
  const clock = { now: at('10:00') };
  const service = new QueueService(store, createMemoryBackend(), randomBytes(32), observer, () => new Date(clock.now));
  const q = await service.createQueue({ name: 'm', mode: 'service', settings: { ticketTtlSeconds: 60 } });
  const [a, b, c, d] = await Promise.all([1, 2, 3, 4].map(() => service.join(q.id, {}, null).then((j) => j.result)));
  const step = async (hhmm: string, f: () => Promise<unknown>) => {
    clock.now = at(hhmm);
    await f();
  };
  await step('10:01', () => service.callNext(q.id, 'A')); // a waited 60 s
  await step('10:03', () => service.act(a!.id, 'serve')); // served in 120 s
  await step('10:04', () => service.callNext(q.id, 'A')); // b waited 240 s
  await step('10:05', () => service.act(b!.id, 'noShow'));
  await step('10:06', () => service.leave(c!.id, c!.token));
  await step('10:07', () => service.callNext(q.id, 'A')); // d waited 420 s
  await step('11:10', () => service.act(d!.id, 'serve')); // served in 3780 s
  await step('11:30', () => service.join(q.id, {}, null));
  await step('11:32', () => service.expireWaiting());
  const quoted = await Promise.all([a, b, d].map(async (t) => (await store.getTicket(t!.id))!.etaAtJoin!));
  return { service, q, quoted };
}

const BACKENDS = [
  { name: 'SQLite', skip: false as const, open: () => fx.sqlite(`${uniqueName('s')}.db`) },
  { name: 'PostgreSQL', skip: skipPg, open: () => fx.postgres(uniqueName('s')) },
];

for (const b of BACKENDS)
  describe(`queue stats on ${b.name}`, { skip: b.skip }, () => {
    it('counts, percentiles and estimate accuracy of a constructed morning', async () => {
      const store = b.open();
      const { service, q, quoted } = await morning(store);
      const waits = [60, 240, 420];
      const hits = quoted.filter((e, i) => within(e, waits[i]!)).length;
      const errors = quoted
        .map((e, i) => Math.abs(waits[i]! - (e.lowSeconds + e.highSeconds) / 2))
        .sort((x, y) => x - y);
      const r = await service.reportFacts(q.id, { from: new Date(at('10:00')), to: new Date(at('12:00')) });
      assert.deepEqual(queueStats(r.facts, r.from, r.to), {
        joined: 5,
        called: 3,
        served: 2,
        noShow: 1,
        left: 1,
        expired: 1,
        waitSeconds: { p50: 240, p90: 420 },
        serviceSeconds: { p50: 120, p90: 3780 },
        etaAccuracy: { samples: 3, coverage: hits / 3, medianAbsErrorSeconds: errors[1] },
      });
      const late = await service.reportFacts(q.id, { from: new Date(at('11:00')), to: new Date(at('12:00')) });
      assert.deepEqual(queueStats(late.facts, late.from, late.to), {
        joined: 1,
        called: 0,
        served: 1,
        noShow: 0,
        left: 0,
        expired: 1,
        waitSeconds: { p50: null, p90: null },
        serviceSeconds: { p50: 3780, p90: 3780 },
        etaAccuracy: { samples: 0, coverage: null, medianAbsErrorSeconds: null },
      });
      const csv = statsCsv(r.facts, r.from, r.to).trimEnd().split('\n');
      assert.equal(csv.length, 3);
      assert.equal(
        csv[0],
        'hour,joined,served,noShow,left,expired,waitP50,waitP90,serviceP50,serviceP90,etaSamples,etaCoverage,etaMedianAbsErrorSeconds,called',
      );
      const cov = String(Math.round((hits / 3) * 1000) / 1000);
      assert.equal(csv[1], `2026-03-02T10:00:00.000Z,4,1,1,1,0,240,420,120,120,3,${cov},${errors[1]},3`);
      assert.equal(csv[2], '2026-03-02T11:00:00.000Z,1,1,0,0,1,,,3780,3780,0,,,0');
      await assert.rejects(
        service.reportFacts(q.id, { from: new Date(at('12:00')), to: new Date(at('10:00')) }),
        /before/,
      );
      await assert.rejects(service.reportFacts('nope', {}), /not found/);
      await store.close();
    });
  });

describe('calibration', () => {
  it('counts coverage over the last calls only', () => {
    let c = { scale: null as number | null, window: null as string | null };
    for (let i = 0; i < 150; i++) c = calibrate(c, i < 50 ? false : i % 4 !== 0, 0.8);
    assert.deepEqual(coverageOf(c.window), { samples: 100, coverage: 0.75 });
    assert.deepEqual(coverageOf(null), { samples: 0, coverage: null });
  });

  it('moves the range toward the target on a simulated queue whose spread it underestimates', () => {
    // Waits spread three times wider than the measured gaps suggest: the fixed range covers too few.
    const rng = seeded(7);
    const queue = { serviceSecondsEwma: 60, serviceSecondsVariance: 15 * 15, settings: DEFAULT_QUEUE_SETTINGS };
    const draw = () => {
      const p = 1 + Math.floor(rng() * 8);
      return { p, wait: p * 60 + (rng() - 0.5) * 2 * 3 * 15 * Math.sqrt(p) * 1.7 };
    };
    let fixedHits = 0;
    for (let i = 0; i < 300; i++) {
      const { p, wait } = draw();
      if (within(estimateWait({ ...queue, etaScale: null }, p)!, wait)) fixedHits += 1;
    }
    let c = { scale: null as number | null, window: null as string | null };
    for (let i = 0; i < 700; i++) {
      const { p, wait } = draw();
      c = calibrate(c, within(estimateWait({ ...queue, etaScale: c.scale }, p)!, wait), DEFAULT_COVERAGE_TARGET);
    }
    const share = coverageOf(c.window).coverage ?? 0;
    assert.ok(fixedHits / 300 < 0.6, `uncalibrated coverage ${fixedHits / 300}`);
    assert.ok(c.scale! > INITIAL_SCALE);
    assert.ok(Math.abs(share - DEFAULT_COVERAGE_TARGET) <= 0.1, `calibrated coverage ${share}`);
  });

  it('never quotes a point while someone is ahead, however fast the queue', () => {
    for (const mean of [0.001, 0.2, 1, 5])
      for (const p of [2, 3, 10])
        for (const variance of [0, null]) {
          const eta = estimateWait(
            {
              serviceSecondsEwma: mean,
              serviceSecondsVariance: variance,
              settings: DEFAULT_QUEUE_SETTINGS,
              etaScale: 0.2,
            },
            p,
          )!;
          assert.ok(eta.lowSeconds < eta.highSeconds, JSON.stringify({ mean, p, eta }));
        }
  });
});
