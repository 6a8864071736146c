import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { healthCheck, parseTarget, type ExternalHealth } from '../../../src/maintenance/steps/health-check/index.js';
import { COMBOS, freePort } from '../../support/harness.js';
import { stepContextOf } from '../../support/maintenance.js';
import { openStepNode, type StepNode } from '../../support/step-node.js';
import { unreachableRedis, unreachableStore } from '../../support/unreachable.js';

/** A stand-in external service: answers 200 on /ok, 503 on /down, and records every path asked. */
async function fakeService(): Promise<{ url: string; port: number; paths: string[]; close(): Promise<void> }> {
  const paths: string[] = [];
  const srv = http.createServer((req, res) => {
    paths.push(req.url ?? '');
    res.statusCode = req.url === '/down' ? 503 : 200;
    res.end('ok');
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, port, paths, close: () => new Promise((r) => srv.close(() => r())) };
}

describe('parseTarget', () => {
  it('reads URLs and host:port, and keeps credentials out of labels', () => {
    assert.deepEqual(parseTarget('db.internal:5432'), {
      kind: 'tcp',
      host: 'db.internal',
      port: 5432,
      label: 'db.internal:5432',
    });
    assert.deepEqual(parseTarget('[::1]:6379'), { kind: 'tcp', host: '::1', port: 6379, label: '[::1]:6379' });
    const h = parseTarget('https://user:pw@api.example.com/v1/status?token=abc');
    assert.equal(h.kind, 'http');
    assert.equal(h.label, 'https://api.example.com/v1/status');
    const pgTarget = parseTarget('postgres://u:p@db:5433/app');
    assert.deepEqual(pgTarget, { kind: 'tcp', host: 'db', port: 5433, label: 'postgres://db:5433/app' });
    assert.equal(parseTarget('just-a-name').kind, 'invalid');
    assert.equal(parseTarget('host:70000').kind, 'invalid');
  });
});

for (const combo of COMBOS) {
  describe(`healthCheck on ${combo.name}`, { skip: combo.skip }, () => {
    let node: StepNode;
    let service: Awaited<ReturnType<typeof fakeService>>;
    before(async () => {
      node = await openStepNode(combo);
      await node.listen();
      service = await fakeService();
    });
    after(async () => {
      await service?.close();
      await node?.close();
    });

    it('reports every part Healthy on a clean system, without calling webhooks', async () => {
      const ctx = stepContextOf(node, {
        maintenance: {
          externalDependencies: [`${service.url}/ok`, `127.0.0.1:${service.port}`],
          alertWebhooks: [{ url: `${service.url}/hooks/secret-path-token`, secret: 's' }],
        },
      });
      const out = await healthCheck(ctx);
      assert.equal(out.status, 'succeeded', JSON.stringify(out.findings));
      assert.equal(out.error, null);
      const f = out.figures as Record<string, { status: string; latencyMs: number | null }>;
      assert.equal(f.databaseHealth?.status, 'Healthy');
      assert.equal(typeof f.databaseHealth?.latencyMs, 'number');
      assert.equal(f.redisHealth?.status, node.rt.live.kind === 'redis' ? 'Healthy' : 'NotConfigured');
      assert.equal(f.applicationHealth?.status, 'Healthy');
      const ext = out.figures.externalDependenciesHealth as ExternalHealth;
      assert.equal(ext.status, 'Healthy');
      assert.deepEqual(
        ext.dependencies.map((d) => [d.source, d.kind, d.status]),
        [
          ['externalDependencies', 'http', 'Healthy'],
          ['externalDependencies', 'tcp', 'Healthy'],
          ['alertWebhooks', 'tcp', 'Healthy'],
        ],
      );
      // The webhook was reached by TCP only, and its secret path appears nowhere in the figures.
      assert.deepEqual(service.paths, ['/ok']);
      assert.doesNotMatch(JSON.stringify(out.figures), /secret-path-token/);
    });

    it('says NotConfigured when no external dependency is configured', async () => {
      const out = await healthCheck(stepContextOf(node));
      assert.equal((out.figures.externalDependenciesHealth as ExternalHealth).status, 'NotConfigured');
      assert.equal(out.status, 'succeeded');
    });

    it('fails when nothing listens at the base URL', async () => {
      const port = await freePort();
      const out = await healthCheck(stepContextOf(node, { config: { baseUrl: `http://127.0.0.1:${port}` } }));
      const app = out.figures.applicationHealth as { status: string; error: string };
      assert.equal(app.status, 'Unhealthy');
      assert.match(app.error, /ECONNREFUSED/);
      assert.equal(out.status, 'failed');
      assert.ok(out.findings.some((x) => x.severity === 'error' && x.message.includes('/health/ready')));
      assert.equal((out.figures.databaseHealth as { status: string }).status, 'Healthy');
    });

    it('warns, without failing, about unreachable external dependencies', async () => {
      const closed = await freePort();
      const ctx = stepContextOf(node, {
        maintenance: { externalDependencies: [`127.0.0.1:${closed}`, `${service.url}/down`, 'no-port-here'] },
      });
      const out = await healthCheck(ctx);
      const ext = out.figures.externalDependenciesHealth as ExternalHealth;
      assert.equal(ext.status, 'Unhealthy');
      assert.equal(ext.unhealthy, 3);
      assert.equal(ext.dependencies[1]?.httpStatus, 503);
      assert.equal(out.status, 'warning');
      assert.equal(out.findings.filter((x) => x.severity === 'warning').length, 3);
    });

    it('fails with databaseHealth Unhealthy when the database does not answer', async () => {
      const gone = await unreachableStore(node.config.database.kind);
      try {
        const out = await healthCheck(stepContextOf(node, { store: gone.store }));
        const db = out.figures.databaseHealth as { status: string; error: string };
        assert.equal(db.status, 'Unhealthy');
        assert.ok(db.error.length > 0);
        assert.equal(out.status, 'failed');
        assert.match(out.error ?? '', /database/);
      } finally {
        await gone.cleanup();
      }
    });

    it(
      'fails with redisHealth Unhealthy when Redis goes away',
      { skip: combo.name.includes('Redis') ? false : 'Redis only' },
      async () => {
        const gone = await unreachableRedis('hc');
        try {
          const out = await healthCheck(stepContextOf(node, { live: gone.live }));
          const redis = out.figures.redisHealth as { status: string; error: string };
          assert.equal(redis.status, 'Unhealthy');
          assert.ok(redis.error.length > 0);
          assert.equal(out.status, 'failed');
          assert.match(out.error ?? '', /redis/);
        } finally {
          await gone.cleanup();
        }
      },
    );
  });
}
