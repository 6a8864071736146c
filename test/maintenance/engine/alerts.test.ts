import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { FailedRunAlert } from '../../../src/maintenance/alerts/index.js';
import { eventually, quick, registry, suiteEngineNode } from '../../support/maintenance.js';

const SECRET = 'whsec_0123456789abcdef';

interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** What a receiver does: recompute the HMAC over the raw bytes and compare in constant time. */
function validSignature(r: Received): boolean {
  const header = String(r.headers['x-queuekeeper-signature'] ?? '');
  const expected = `sha256=${createHmac('sha256', SECRET).update(r.body).digest('hex')}`;
  return header.length === expected.length && timingSafeEqual(Buffer.from(header), Buffer.from(expected));
}

describe('alerts for a failed run', () => {
  let server: Server;
  const received: Received[] = [];

  before(async () => {
    // The receiver fails the first delivery with a 500 and accepts the retry.
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.statusCode = received.length === 1 ? 500 : 204;
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });
  after(async () => {
    await new Promise((r) => server?.close(r));
  });
  const failing = async () => ({
    status: 'failed' as const,
    figures: {},
    findings: [{ severity: 'error' as const, message: 'database unreachable' }],
  });
  const node = suiteEngineNode(
    'sqlite',
    () => ({
      plans: { breaks: { cron: null, steps: ['healthCheck', 'logAnalysis'] } },
      maintenance: {
        alertWebhooks: [
          { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/qk?token=abc`, secret: SECRET },
        ],
      },
    }),
    { steps: registry({ healthCheck: failing, logAnalysis: quick }), nodeId: 'alerting-node' },
  );

  it('POSTs a signed maintenance.failed alert and retries it after a 500', async () => {
    const run = await node.m.runAndWait('breaks');
    assert.equal(run.status, 'failed');
    await eventually(() => received.length >= 2, 15_000, 'the retried alert');

    for (const r of received) {
      assert.equal(r.headers['content-type'], 'application/json');
      assert.ok(validSignature(r), 'the HMAC matches the raw body');
      assert.match(String(r.headers['x-queuekeeper-timestamp']), /^\d{10}$/);
    }
    assert.equal(received[0]!.body, received[1]!.body, 'a retry sends the same signed body');
    assert.equal(received[0]!.headers['x-queuekeeper-delivery'], received[1]!.headers['x-queuekeeper-delivery']);

    const alert = JSON.parse(received[1]!.body) as FailedRunAlert;
    assert.equal(alert.event, 'maintenance.failed');
    assert.equal(alert.nodeId, 'alerting-node');
    assert.equal(alert.run.id, run.id);
    assert.equal(alert.run.plan, 'breaks');
    assert.equal(alert.run.status, 'failed');
    assert.deepEqual(alert.run.failedSteps, [{ name: 'healthCheck', error: 'database unreachable' }]);
    assert.equal(String(Math.floor(Date.parse(alert.sentAt) / 1000)), received[1]!.headers['x-queuekeeper-timestamp']);
  });

  it('sends nothing for a run that succeeded', async () => {
    const before = received.length;
    const run = await node.m.runAndWait('logAnalysis');
    assert.equal(run.status, 'succeeded');
    await node.m.stop();
    assert.equal(received.length, before);
  });
});
