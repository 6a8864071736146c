import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { before, describe, it } from 'node:test';
import { COMBOS, freePort } from '../support/harness.js';
import { createRoom, joinRoom, req, suiteRoomNode, testClock } from '../waiting-room/support.js';

/** The CLI in its own process (asynchronously: the server it asks runs in this one). */
const cli = (args: string[]): Promise<{ status: number; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', ...args],
      { env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent' }, encoding: 'utf8', timeout: 60_000 },
      (err, stdout, stderr) => resolve({ status: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });

/** A server that relays the real one but rewrites what it publishes, as a dishonest room would. */
async function lyingRelay(upstream: string, rewrite: (path: string, body: any) => any): Promise<Server> {
  const server = createServer(async (rq, rs) => {
    const r = await fetch(`${upstream}${rq.url}`);
    const body = rewrite(rq.url ?? '', await r.json());
    rs.writeHead(r.status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return server;
}
const urlOf = (s: Server) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`;

for (const combo of COMBOS) {
  describe(`queuekeeper draw verify (${combo.name})`, { skip: combo.skip }, () => {
    let room: string;
    let commitment: string;
    const joined: any[] = [];
    const clock = testClock('2026-03-02T09:00:00.000Z');
    const node = suiteRoomNode(combo, clock.now, { listen: true });

    before(async () => {
      const opensAt = new Date(clock.now().getTime() + 60_000).toISOString();
      room = await createRoom(node.app, { method: 'random', opensAt, idleSeconds: 86_400 });
      for (let i = 0; i < 12; i++) joined.push(await joinRoom(node.app, room));
      const high = await req(node.app, 'POST', `/api/queues/${room}/tickets`, {
        key: true,
        body: { priority: 'high' },
      });
      joined.push(high.body);
      commitment = (await req(node.app, 'GET', `/api/queues/${room}/draw`)).body.commitment;
    });

    it('says a room not drawn yet has nothing to check, and shows its commitment (exit 1)', async () => {
      const r = await cli(['draw', 'verify', room, '--url', node.url, '--json']);
      assert.equal(r.status, 1, r.stderr);
      const doc = JSON.parse(r.stdout);
      assert.equal(doc.status, 'not_drawn');
      assert.equal(doc.commitment, commitment);
    });

    it('verifies a fair draw from its published seed and order, and finds a ticket’s place (exit 0)', async () => {
      clock.advance(60_000);
      await node.rt.rooms.round();
      const mine = joined[4].id as string;
      const r = await cli([
        'draw',
        'verify',
        room,
        '--url',
        node.url,
        '--commitment',
        commitment,
        '--ticket',
        mine,
        '--json',
      ]);
      assert.equal(r.status, 0, r.stdout + r.stderr);
      const doc = JSON.parse(r.stdout);
      assert.equal(doc.status, 'verified');
      assert.equal(doc.entries, 13);
      assert.deepEqual(doc.problems, []);
      const entries = (await req(node.app, 'GET', `/api/queues/${room}/draw/entries`)).body.items;
      assert.equal(entries[0].ticketId, joined[12].id, 'high priority first');
      assert.equal(doc.tickets[0].place, entries.findIndex((e: any) => e.ticketId === mine) + 1);
      const text = await cli(['draw', 'verify', room, '--url', node.url]);
      assert.equal(text.status, 0);
      assert.match(text.stdout, /^verified: /);
    });

    it('pages through the published order', async () => {
      const first = await req(node.app, 'GET', `/api/queues/${room}/draw/entries?limit=5`);
      assert.equal(first.body.items.length, 5);
      const rest = await req(
        node.app,
        'GET',
        `/api/queues/${room}/draw/entries?limit=100&cursor=${first.body.nextCursor}`,
      );
      assert.equal(rest.body.items[0].rank, 5);
      assert.equal(rest.body.nextCursor, null);
      assert.equal((await req(node.app, 'GET', `/api/queues/${room}/draw/entries?cursor=x`)).status, 400);
    });

    it('fails (exit 1) on a swapped order, a seed that does not match, a missing ticket or another commitment', async () => {
      const lies: [string, (path: string, body: any) => any, RegExp][] = [
        [
          'swapped',
          (p, b) => {
            if (!p.includes('/entries')) return b;
            const items = b.items.map((e: any) => ({ ...e }));
            [items[3].ticketId, items[4].ticketId] = [items[4].ticketId, items[3].ticketId];
            return { ...b, items };
          },
          /out of the HMAC order/,
        ],
        ['seed', (p, b) => (p.endsWith('/draw') ? { ...b, seed: 'f'.repeat(64) } : b), /not the commitment/],
        [
          'dropped',
          (p, b) => (p.includes('/entries') ? { ...b, items: b.items.slice(0, -1) } : b),
          /13 tickets; 12 are published/,
        ],
      ];
      for (const [name, rewrite, problem] of lies) {
        const relay = await lyingRelay(node.url, rewrite);
        try {
          const r = await cli(['draw', 'verify', room, '--url', urlOf(relay), '--json']);
          assert.equal(r.status, 1, name);
          const doc = JSON.parse(r.stdout);
          assert.equal(doc.status, 'failed', name);
          assert.ok(
            doc.problems.some((p: string) => problem.test(p)),
            `${name}: ${doc.problems}`,
          );
        } finally {
          await new Promise((r) => relay.close(r));
        }
      }
      const other = await cli(['draw', 'verify', room, '--url', node.url, '--commitment', 'a'.repeat(64), '--json']);
      assert.equal(other.status, 1);
      assert.match(JSON.parse(other.stdout).problems[0], /not the a{64} given/);
      const absent = await cli(['draw', 'verify', room, '--url', node.url, '--ticket', 't_not_in_it', '--json']);
      assert.equal(absent.status, 1);
      assert.deepEqual(JSON.parse(absent.stdout).tickets, [{ ticketId: 't_not_in_it', place: null }]);
    });

    it('refuses bad input with a coded error and exit 2; an unknown room is not_found', async () => {
      for (const args of [
        ['bad id!'],
        [room, '--commitment', 'xyz'],
        [room, '--url', 'ftp://x'],
        [room, '--ticket', '../etc'],
      ]) {
        const r = await cli([
          'draw',
          'verify',
          ...args,
          ...(args.includes('--url') ? [] : ['--url', node.url]),
          '--json',
        ]);
        assert.equal(r.status, 2, args.join(' '));
        assert.equal(JSON.parse(r.stdout).error.code, 'usage');
      }
      const fifo = await createRoom(node.app, {});
      const notRandom = await cli(['draw', 'verify', fifo, '--url', node.url, '--json']);
      assert.equal(notRandom.status, 2);
      const unknown = await cli(['draw', 'verify', 'q_nobody', '--url', node.url, '--json']);
      assert.equal(unknown.status, 1);
      assert.equal(JSON.parse(unknown.stdout).error.code, 'not_found');
      const down = await cli(['draw', 'verify', room, '--url', `http://127.0.0.1:${await freePort()}`, '--json']);
      assert.equal(down.status, 1);
      assert.equal(JSON.parse(down.stdout).error.code, 'unavailable');
    });
  });
}
