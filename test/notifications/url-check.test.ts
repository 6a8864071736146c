import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkWebhookUrl } from '../../src/domain/webhooks.js';
import { signDelivery } from '../../src/domain/webhook-signing.js';
import { Webhook } from 'standardwebhooks';

describe('webhook URLs', () => {
  const refused = async (url: string, allowPrivate = false) =>
    assert.rejects(checkWebhookUrl(url, allowPrivate), (e: { code?: string }) => e.code === 'validation_failed', url);

  test('only http and https, without credentials', async () => {
    await refused('ftp://example.com/x', true);
    await refused('javascript:alert(1)', true);
    await refused('http://user:pw@example.com/', true);
    await refused('not a url', true);
    assert.equal(await checkWebhookUrl('https://93.184.215.14/hook', false), 'https://93.184.215.14/hook');
  });

  test('private, loopback and link-local addresses need QK_WEBHOOK_PRIVATE', async () => {
    for (const url of [
      'http://127.0.0.1:9/x',
      'http://localhost/x',
      'http://10.1.2.3/',
      'http://192.168.0.10/',
      'http://172.20.0.1/',
      'http://169.254.169.254/latest/meta-data',
      'http://[::1]/',
      'http://[fd00::1]/',
      'http://[::ffff:127.0.0.1]/',
      'http://0.0.0.0/',
    ])
      await refused(url);
    assert.equal(await checkWebhookUrl('http://127.0.0.1:9/x', true), 'http://127.0.0.1:9/x');
  });
});

describe('webhook signatures', () => {
  test('verify with the Standard Webhooks library and fail on any change', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const body = JSON.stringify({ type: 'ticket.called', timestamp: new Date().toISOString(), data: { id: 't1' } });
    const ts = Math.floor(Date.now() / 1000);
    const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(ts), 'webhook-signature': '' };
    headers['webhook-signature'] = signDelivery(secret, 'msg_1', ts, body);
    assert.deepEqual(new Webhook(secret).verify(body, headers), JSON.parse(body));
    assert.throws(() => new Webhook(secret).verify(body.replace('t1', 't2'), headers));
    assert.throws(() => new Webhook('whsec_' + Buffer.from('another key!').toString('base64')).verify(body, headers));
  });
});
