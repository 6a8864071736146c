import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FailedRunAlert } from '../../../src/maintenance/alerts/index.js';
import { healthCheck } from '../../../src/maintenance/steps/health-check/index.js';
import type { RunDocument } from '../../../src/maintenance/types.js';
import { TEST_DATABASE_URL, skipPg } from '../../support/env.js';
import { call, startNode, TcpProxy } from '../../support/harness.js';
import { startReceiver, type Receiver } from '../../support/receiver.js';
import {
  eventually,
  isolate,
  makeConfig,
  openNode,
  quick,
  registry,
  spooledRuns,
  type Isolated,
  type Node,
} from '../../support/maintenance.js';

const SECRET = 'whsec_0123456789abcdef';

/**
 * A node whose PostgreSQL becomes unreachable (a TCP proxy the test cuts) still runs its health
 * check when a slot comes due or a run is asked for, reports the database Unhealthy, alerts, and
 * stores the runs once the database answers again. Embedded SQLite has no outage to play.
 */
describe('maintenance while the database is unreachable', { skip: skipPg }, () => {
  let iso: Isolated;
  let node: Node;
  let rx: Receiver<FailedRunAlert>;
  const proxy = TcpProxy.forUrl(TEST_DATABASE_URL || 'postgres://127.0.0.1:5432', 5432);
  const alerts = () => rx.received.map((r) => r.json);
  let clock = new Date('2026-03-01T10:59:59.000Z');
  const advance = (ms: number) => (clock = new Date(clock.getTime() + ms));

  before(async () => {
    rx = await startReceiver<FailedRunAlert>();
    iso = await isolate('postgres');
    await proxy.start();
    const config = makeConfig(
      { ...iso, databaseUrl: proxy.urlFor(iso.databaseUrl) },
      {
        plans: { hourly: { cron: '0 * * * *', steps: ['logAnalysis', 'healthCheck'], priority: 'high' } },
        maintenance: { alertWebhooks: [{ url: rx.url, secret: SECRET }] },
      },
    );
    node = await openNode(config, {
      steps: registry({ healthCheck, logAnalysis: quick }),
      now: () => clock,
      nodeId: 'cut-off',
    });
    await node.m.start();
  });
  after(async () => {
    await node?.close();
    await proxy.stop();
    await iso?.cleanup();
    await rx?.close();
  });

  let scheduled: RunDocument;
  let manual: RunDocument;

  it('runs the due slot on its own, reports the database Unhealthy and alerts', async () => {
    await proxy.stop();
    advance(1500);
    const alert = await eventually(() => alerts().find((a) => a.run.trigger === 'schedule'), 20_000, 'the alert');
    assert.equal(alert.nodeId, 'cut-off');
    assert.equal(alert.run.scheduledFor, '2026-03-01T11:00:00.000Z');
    assert.equal(alert.run.status, 'failed');
    assert.deepEqual(
      alert.run.failedSteps.map((s) => s.name),
      ['healthCheck'],
    );
    const doc = await node.m.getRun(alert.run.id);
    assert.ok(doc, 'the spooled run reads back while the database is away');
    scheduled = doc;
    const [skippedStep, health] = doc.steps;
    assert.equal(skippedStep?.name, 'logAnalysis');
    assert.equal(skippedStep?.status, 'skipped');
    assert.match(skippedStep?.error ?? '', /database could not be reached/);
    assert.equal((health?.figures.databaseHealth as { status: string }).status, 'Unhealthy');
  });

  it('answers a manual run with an id and a result instead of unavailable', async () => {
    const id = await node.m.runNow('hourly');
    manual = await node.m.waitFor(id, 20_000);
    assert.equal(manual.status, 'failed');
    assert.equal(manual.trigger, 'manual');
    assert.equal((manual.steps[1]?.figures.databaseHealth as { status: string }).status, 'Unhealthy');
    await eventually(() => alerts().some((a) => a.run.id === id), 20_000, 'the manual run alert');
    assert.equal(spooledRuns(iso.dir).length, 2);
    for (const f of spooledRuns(iso.dir))
      assert.equal(statSync(join(iso.dir, 'spool', 'maintenance', f)).mode & 0o777, 0o600);
  });

  it('stores both runs and claims the slot once the database is back', async () => {
    await proxy.start();
    const m = node.store.maintenance;
    const stored = await eventually(
      async () => {
        // Past one heartbeat each time: the spool is replayed once per heartbeat of the node's clock.
        advance(1000);
        try {
          const got = await Promise.all([m.getRun(scheduled.id), m.getRun(manual.id)]);
          return got.every((d) => d !== null) ? got : undefined;
        } catch {
          return undefined;
        }
      },
      20_000,
      'the spooled runs in the database',
    );
    assert.deepEqual(stored, [scheduled, manual]);
    const slots = await m.listSlots('hourly', new Date('2026-03-01T10:00:00Z'));
    assert.deepEqual(
      slots.map((s) => [s.slot.toISOString(), s.outcome, s.runId, s.nodeId]),
      [['2026-03-01T11:00:00.000Z', 'run', scheduled.id, 'cut-off']],
    );
    await eventually(() => spooledRuns(iso.dir).length === 0, 10_000, 'an empty spool');
  });
});

describe('the maintenance routes while the database is unreachable', { skip: skipPg }, () => {
  it('start a run with 202 and wait for its result', async () => {
    const iso = await isolate('postgres');
    const proxy = TcpProxy.forUrl(TEST_DATABASE_URL, 5432);
    await proxy.start();
    const node = await startNode({ QK_DATA_DIR: iso.dir, DATABASE_URL: proxy.urlFor(iso.databaseUrl) });
    try {
      await proxy.stop();
      const started = await call(node.url, 'POST', '/api/maintenance/runs', { body: { step: 'healthCheck' } });
      assert.equal(started.status, 202, JSON.stringify(started.body));
      const waited = await call(node.url, 'GET', `/api/maintenance/runs/${started.body.id}/wait?timeoutSeconds=20`);
      assert.equal(waited.status, 200, JSON.stringify(waited.body));
      assert.equal(waited.body.status, 'failed');
      assert.equal(waited.body.steps[0].figures.databaseHealth.status, 'Unhealthy');
      const shown = await call(node.url, 'GET', `/api/maintenance/runs/${started.body.id}`);
      assert.equal(shown.status, 200);
      assert.equal(shown.body.id, started.body.id);
    } finally {
      await proxy.start();
      await node.close();
      await proxy.stop();
      await iso.cleanup();
    }
  });
});
