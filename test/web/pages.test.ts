import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import QRCode from 'qrcode';
import { loadConfig } from '../../src/config/index.js';
import { CATALOGUES, chooseLang } from '../../src/http/pages/i18n.js';
import { call, COMBOS, type Isolation, type Node, startNode } from '../support/harness.js';
import { createQueue, join } from '../http/helpers.js';
import { ensureBundle } from '../support/browser.js';

const get = async (url: string, headers: Record<string, string> = {}) => {
  const res = await fetch(url, { headers });
  return { status: res.status, headers: res.headers, text: await res.text() };
};

describe('language choice', () => {
  test('an explicit choice wins, then the cookie, then Accept-Language by quality, else English', () => {
    assert.equal(chooseLang('ar', 'qk_lang=es', 'en'), 'ar');
    assert.equal(chooseLang(undefined, 'a=1; qk_lang=es', 'ar'), 'es');
    assert.equal(chooseLang(undefined, undefined, 'fr-FR, es;q=0.8, ar;q=0.9'), 'ar');
    assert.equal(chooseLang(undefined, undefined, 'es-MX,es;q=0.9'), 'es');
    assert.equal(chooseLang('xx', 'qk_lang=zz', 'de, ar;q=0'), 'en');
  });

  test('every catalogue has exactly the English keys, none empty', () => {
    const keys = Object.keys(CATALOGUES.en).sort();
    for (const [lang, cat] of Object.entries(CATALOGUES)) {
      assert.deepEqual(Object.keys(cat).sort(), keys, lang);
      for (const [k, v] of Object.entries(cat)) assert.ok(v.trim(), `${lang}.${k}`);
    }
  });
});

describe('QK_PUBLIC_URL', () => {
  test('defaults to the base URL, drops a trailing slash, refuses what is not http(s)', () => {
    assert.equal(loadConfig({ PORT: '9000' }).publicUrl, 'http://127.0.0.1:9000');
    assert.equal(loadConfig({ QK_PUBLIC_URL: 'https://queue.example.org/' }).publicUrl, 'https://queue.example.org');
    assert.throws(() => loadConfig({ QK_PUBLIC_URL: 'ftp://x' }), /QK_PUBLIC_URL/);
  });
});

const sqlite = COMBOS[0]!;
describe('customer page routes', () => {
  let iso: Isolation;
  let node: Node;
  before(async () => {
    ensureBundle();
    iso = sqlite.isolate();
    node = await startNode(iso.env, { QK_PUBLIC_URL: 'https://queue.example.org' });
  });
  after(async () => {
    await node?.close();
    await iso?.cleanup();
  });

  test('an unknown or malformed queue or ticket gets a friendly 404 page, not a stack trace', async () => {
    const q = await createQueue(node.url);
    const paths = ['/q/nope', '/q/nope/poster', '/board/nope', '/t/nope', `/q/${'x'.repeat(65)}`, '/t/bad.id'];
    for (const p of paths) {
      const r = await get(`${node.url}${p}`);
      assert.equal(r.status, 404, p);
      assert.match(r.headers.get('content-type') ?? '', /text\/html/, p);
      assert.match(r.text, /We could not find this queue or ticket/, p);
      assert.doesNotMatch(r.text, /at \w+ \(|Error:/, p);
    }
    assert.equal((await get(`${node.url}/q/${q.id}`)).status, 200);
  });

  test('pages follow Accept-Language, set lang and dir, and remember an explicit choice', async () => {
    const q = await createQueue(node.url, { name: 'Clinic' });
    const ar = await get(`${node.url}/q/${q.id}`, { 'accept-language': 'ar-SA,ar;q=0.9,en;q=0.5' });
    assert.match(ar.text, /<html lang="ar" dir="rtl">/);
    assert.match(ar.text, /"join":"انضم"/);
    const es = await get(`${node.url}/q/${q.id}`, { 'accept-language': 'es-ES' });
    assert.match(es.text, /<html lang="es" dir="ltr">/);
    const en = await get(`${node.url}/q/${q.id}`);
    assert.match(en.text, /<html lang="en" dir="ltr">/);
    const chosen = await get(`${node.url}/q/${q.id}?lang=es`, { 'accept-language': 'ar' });
    assert.match(chosen.text, /<html lang="es"/);
    assert.match(chosen.headers.get('set-cookie') ?? '', /qk_lang=es/);
    const again = await get(`${node.url}/board/${q.id}`, { cookie: 'qk_lang=ar', 'accept-language': 'es' });
    assert.match(again.text, /<html lang="ar" dir="rtl">/);
  });

  test('pages allow only their own origin and keep the token out of referrers', async () => {
    const q = await createQueue(node.url);
    const r = await get(`${node.url}/q/${q.id}`);
    const csp = r.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, /connect-src 'self'/);
    assert.match(r.text, /<meta name="referrer" content="no-referrer">/);
    assert.doesNotMatch(r.text, /https?:\/\/(?!queue\.example\.org)[^"'\s]*\.(js|css)/, 'no external asset');
    const js = await get(`${node.url}/assets/join.js`);
    assert.equal(js.status, 200, 'the bundle is served');
  });

  test('the join and ticket pages together weigh under 150 KB uncompressed', async (t) => {
    const q = await createQueue(node.url);
    const mine = await join(node.url, q.id);
    const weigh = async (path: string) => {
      const html = await get(`${node.url}${path}`);
      let bytes = Buffer.byteLength(html.text);
      const assets = [...html.text.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1] as string);
      for (const a of assets) {
        const body = await get(`${node.url}${a}`);
        assert.equal(body.status, 200, a);
        bytes += Buffer.byteLength(body.text);
        for (const m of body.text.matchAll(/from"\.\/([\w-]+\.js)"/g))
          bytes += Buffer.byteLength((await get(`${node.url}/assets/${m[1]}`)).text);
      }
      return bytes;
    };
    const joinBytes = await weigh(`/q/${q.id}`);
    const ticketBytes = await weigh(`/t/${mine.id}`);
    t.diagnostic(`join page ${(joinBytes / 1024).toFixed(1)} KB, ticket page ${(ticketBytes / 1024).toFixed(1)} KB`);
    assert.ok(joinBytes + ticketBytes < 150 * 1024, `${joinBytes + ticketBytes} bytes`);
  });

  test('the board route lists the called tickets with their desks, newest first, and the waiting count', async () => {
    const q = await createQueue(node.url, { name: 'Pharmacy' });
    const tickets = [];
    for (let i = 0; i < 4; i++) tickets.push(await join(node.url, q.id));
    await call(node.url, 'POST', `/api/queues/${q.id}/call-next`, { body: { counter: 'Desk 1' } });
    await call(node.url, 'POST', `/api/queues/${q.id}/call-next`, { body: { counter: 'Desk 2' } });
    const b = await call(node.url, 'GET', `/api/queues/${q.id}/board`, { key: null });
    assert.equal(b.status, 200);
    assert.equal(b.body.name, 'Pharmacy');
    assert.equal(b.body.waitingCount, 2);
    assert.deepEqual(
      b.body.nowServing.map((s: any) => [s.number, s.counter]),
      [
        [tickets[1]!.number, 'Desk 2'],
        [tickets[0]!.number, 'Desk 1'],
      ],
    );
    assert.equal(JSON.stringify(b.body).includes('token'), false);
    assert.equal((await call(node.url, 'GET', '/api/queues/nope/board', { key: null })).status, 404);
  });

  test('the board and the poster carry an SVG QR code of the public join URL', async () => {
    const q = await createQueue(node.url);
    const joinUrl = `https://queue.example.org/q/${q.id}`;
    const expected = await QRCode.toString(joinUrl, { type: 'svg', errorCorrectionLevel: 'M', margin: 4 });
    const modules = /<path stroke="#000000" d="([^"]+)"/.exec(expected)?.[1];
    assert.ok(modules);
    for (const p of [`/board/${q.id}`, `/q/${q.id}/poster`]) {
      const r = await get(`${node.url}${p}`);
      assert.equal(r.status, 200, p);
      assert.ok(r.text.includes(`d="${modules}"`), `${p}: the QR code's modules encode ${joinUrl}`);
      assert.ok(r.text.includes(joinUrl), p);
    }
  });
});
