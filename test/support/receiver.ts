import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before } from 'node:test';
import { SMTPServer } from 'smtp-server';

/** A real HTTP receiver for webhook tests: records every request it accepts and answers as told. */
interface Received<T> {
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly json: T;
}

/** The body of a webhook event; other senders (maintenance alerts) name their own. */
type WebhookBody = { type: string; timestamp: string; data: Record<string, any> };

export type Mode = 'ok' | 'fail' | 'hang';

export interface Receiver<T = WebhookBody> {
  readonly url: string;
  readonly received: Received<T>[];
  mode: Mode;
  close(): Promise<void>;
}

export async function startReceiver<T = WebhookBody>(mode: Mode = 'ok', port = 0): Promise<Receiver<T>> {
  const received: Received<T>[] = [];
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
      received.push({ headers, body, json: JSON.parse(body) as T });
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

/** A receiver for the suite this is called in: listening before its tests, closed after. */
export function suiteReceiver(): Receiver {
  let rx: Receiver | undefined;
  before(async () => {
    rx = await startReceiver();
  });
  after(async () => {
    await rx?.close();
  });
  const live = () => rx as Receiver;
  return {
    get url() {
      return live().url;
    },
    get received() {
      return live().received;
    },
    get mode() {
      return live().mode;
    },
    set mode(m: Mode) {
      live().mode = m;
    },
    close: () => live().close(),
  };
}

interface Mail {
  readonly to: string[];
  readonly raw: string;
}

/** A real SMTP server on loopback (no TLS, no auth) that keeps every mail it is given. */
export interface MailReceiver {
  readonly port: number;
  readonly mails: Mail[];
  close(): Promise<void>;
}

export async function startSmtp(): Promise<MailReceiver> {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, done) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
        done();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return { port, mails, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const qp = (s: string): string =>
  Buffer.from(
    s.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))),
    'latin1',
  ).toString('utf8');

/** The decoded subject (RFC 2047 encoded words, B or Q) and text body (quoted-printable or base64) of a message. */
export function readMail(raw: string): { subject: string; text: string } {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const body = raw.slice(split + 4);
  const subjectRaw = /^Subject: (.*)$/im.exec(head)?.[1] ?? '';
  const subject = subjectRaw
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?utf-8\?([BQ])\?([^?]*)\?=/gi, (_m, enc: string, data: string) =>
      enc.toUpperCase() === 'B' ? Buffer.from(data, 'base64').toString('utf8') : qp(data.replace(/_/g, ' ')),
    );
  const encoding = /^Content-Transfer-Encoding: (.*)$/im.exec(head)?.[1]?.trim().toLowerCase();
  const text =
    encoding === 'base64'
      ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
      : encoding === 'quoted-printable'
        ? qp(body)
        : body;
  return { subject, text };
}
