import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A real HTTP receiver for webhook tests: records every request and answers as told. */
interface Received {
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly json: { type: string; timestamp: string; data: Record<string, any> };
}

export type Mode = 'ok' | 'fail' | 'hang';

export interface Receiver {
  readonly url: string;
  readonly received: Received[];
  mode: Mode;
  close(): Promise<void>;
}

export async function startReceiver(mode: Mode = 'ok', port = 0): Promise<Receiver> {
  const received: Received[] = [];
  const hanging = new Set<http.ServerResponse>();
  const r = { mode } as { mode: Mode };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (r.mode === 'hang') {
        hanging.add(res);
        return;
      }
      if (r.mode === 'fail') {
        res.writeHead(500).end('down');
        return;
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      received.push({ headers, body, json: JSON.parse(body) as Received['json'] });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const addr = server.address() as AddressInfo;
  return Object.assign(r, {
    url: `http://127.0.0.1:${addr.port}/hook`,
    received,
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}
