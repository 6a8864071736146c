import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Step } from '../../../src/maintenance/step.js';
import { TEST_DATABASE_URL, skipPg } from '../../support/env.js';
import { TcpProxy } from '../../support/harness.js';
import {
  eventually,
  isolate,
  makeConfig,
  ok,
  openNode,
  registry,
  spooledRuns,
  type Isolated,
  type Node,
} from '../../support/maintenance.js';

/**
 * Node A runs a plan and loses its PostgreSQL (a TCP proxy the test cuts) mid-run, so the result
 * goes to its spool. Node B still reaches the database, sees A's heartbeat stop and marks the run
 * interrupted. Once A's database is back, A's real result must be what the history holds.
 * Embedded SQLite has no second node to play; spool.test.ts covers the store on both engines.
 */
describe('a spooled run that another node marked interrupted', { skip: skipPg }, () => {
  let iso: Isolated;
  let otherDir: string;
  let a: Node;
  let b: Node | undefined;
  const proxy = TcpProxy.forUrl(TEST_DATABASE_URL || 'postgres://127.0.0.1:5432', 5432);
  let started!: () => void;
  const stepStarted = new Promise<void>((r) => (started = r));
  let cut = false;
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const measure: Step = async () => {
    started();
    await released;
    return ok({ measured: 42 });
  };

  before(async () => {
    iso = await isolate('postgres');
    otherDir = mkdtempSync(join(tmpdir(), 'qk-eng-b-'));
    await proxy.start();
    const plans = { probe: { cron: null, steps: ['performance'], priority: 'high' as const } };
    const config = makeConfig({ ...iso, databaseUrl: proxy.urlFor(iso.databaseUrl) }, { plans });
    a = await openNode(config, { steps: registry({ performance: measure }), nodeId: 'cut-off' });
    await a.m.start();
  });
  after(async () => {
    release();
    if (cut) await proxy.start();
    await b?.close();
    await a?.close();
    await proxy.stop();
    await iso?.cleanup();
    rmSync(otherDir, { recursive: true, force: true });
  });

  it('records the real result once the database is back, not the interrupted verdict', async () => {
    const id = await a.m.runNow('probe');
    await stepStarted;
    await proxy.stop();
    cut = true;
    release();
    await eventually(() => spooledRuns(iso.dir).length === 1, 20_000, 'the run in the spool');

    // B's clock is an hour ahead: A's last heartbeat is long stale, so B's start sweeps the run.
    const later = new Date(Date.now() + 3_600_000);
    b = await openNode(makeConfig({ ...iso, dir: otherDir }, { env: { QK_SCHEDULER: 'off' } }), {
      steps: registry({}),
      nodeId: 'survivor',
      now: () => later,
    });
    await b.m.start();
    assert.equal((await b.store.maintenance.getRun(id))?.status, 'interrupted');

    await proxy.start();
    cut = false;
    const stored = await eventually(
      async () => {
        const doc = await b?.store.maintenance.getRun(id);
        return doc?.status === 'interrupted' ? undefined : doc;
      },
      20_000,
      'the spooled result in the database',
    );
    assert.equal(stored?.status, 'succeeded');
    assert.equal(stored?.success, true);
    assert.deepEqual(stored?.steps[0]?.figures, { measured: 42 });
    await eventually(() => spooledRuns(iso.dir).length === 0, 10_000, 'an empty spool');
  });
});
