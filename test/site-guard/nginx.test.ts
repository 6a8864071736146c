import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { COMBOS, eventually, freePort } from '../support/harness.js';
import { createRoom, joinRoom, req, suiteRoomNode, testClock } from '../waiting-room/support.js';

/**
 * The nginx `auth_request` example of docs/waiting-room.md, run by a real nginx in front of a small
 * shop, asking a real queuekeeper. The server block is read from the docs, so the example people
 * copy is the one tested; only its addresses are swapped for this machine's.
 */
const NGINX = '/usr/sbin/nginx';
const skipNginx = existsSync(NGINX) ? false : 'nginx is not installed (apt-get install nginx-light)';

function exampleServerBlock(): string {
  const doc = readFileSync(new URL('../../docs/waiting-room.md', import.meta.url), 'utf8');
  const block = /```nginx\n([\s\S]*?)```/.exec(doc)?.[1];
  if (!block) throw new Error('docs/waiting-room.md has no nginx example');
  return block;
}

const combo = COMBOS[0]!;

describe('nginx auth_request in front of a site, as docs/waiting-room.md shows it', { skip: skipNginx }, () => {
  let shop: Server;
  let nginx: ChildProcess;
  let dir: string;
  let site: string;
  let room: string;
  const clock = testClock('2026-03-02T09:00:00.000Z');
  const node = suiteRoomNode(combo, clock.now, { listen: true });

  before(async () => {
    room = await createRoom(node.app, { method: 'passthrough', sessionSeconds: 600 });
    shop = createServer((rq, rs) => rs.writeHead(200, { 'content-type': 'text/plain' }).end(`shop ${rq.url}`));
    await new Promise<void>((r) => shop.listen(0, '127.0.0.1', r));
    const shopPort = (shop.address() as AddressInfo).port;
    const sitePort = await freePort();
    site = `http://127.0.0.1:${sitePort}`;
    const server = exampleServerBlock()
      .replace('server queue.internal:8080;', `server ${new URL(node.url).host};`)
      .replace('listen 443 ssl;', `listen 127.0.0.1:${sitePort};`)
      .replace('http://shop_backend', `http://127.0.0.1:${shopPort}`)
      .replaceAll('https://queue.example.com', node.url)
      .replaceAll('q_launch', room);
    dir = mkdtempSync(join(tmpdir(), 'node.url-nginx-'));
    const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
      .map((t) => `${t}_temp_path ${join(dir, t)};`)
      .join('\n  ');
    writeFileSync(
      join(dir, 'nginx.conf'),
      `daemon off;\nmaster_process off;\npid ${join(dir, 'nginx.pid')};\nerror_log ${join(dir, 'error.log')} warn;\n` +
        `events {}\nhttp {\n  access_log off;\n  ${temp}\n${server}\n}\n`,
    );
    nginx = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: 'ignore' });
    await eventually(async () => assert.ok((await fetch(`${site}/`, { redirect: 'manual' })).status > 0));
  });
  after(async () => {
    nginx?.kill('SIGTERM');
    await new Promise<void>((r) => shop?.close(() => r()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const get = (path: string, cookie?: string) =>
    fetch(`${site}${path}`, { redirect: 'manual', ...(cookie ? { headers: { cookie } } : {}) });

  it('sends a visitor without a pass to the join page, keeps the pass as a cookie, lets the holder in', async () => {
    const away = await get('/basket');
    assert.equal(away.status, 302);
    assert.equal(away.headers.get('location'), `${node.url}/q/${room}`);

    const t = await joinRoom(node.app, room);
    assert.equal(t.status, 'admitted');
    const back = await get(`/basket?qk_pass=${t.pass}`);
    assert.equal(back.status, 303);
    assert.match(back.headers.get('location') ?? '', /\/basket$/);
    const cookie = (back.headers.get('set-cookie') ?? '').split(';')[0]!;
    assert.equal(cookie, `qk_pass=${t.pass}`);

    const inside = await get('/basket', cookie);
    assert.equal(inside.status, 200);
    assert.equal(await inside.text(), 'shop /basket');

    assert.equal((await get('/basket', `qk_pass=${t.pass}x`)).status, 302, 'a tampered pass');
    assert.equal((await req(node.app, 'POST', `/api/tickets/${t.id}/end`, { key: true })).status, 200);
    assert.equal((await get('/basket', cookie)).status, 302, 'a session ended early');
  });
});
