import net from 'node:net';

/** Connections opened at once while a crowd gathers. */
const OPENING = 250;
const POSITION = Buffer.from('"position":');
const OK = Buffer.from('HTTP/1.1 200');
const EVENT = Buffer.from('id: ');
const READ = Buffer.alloc(64 * 1024);

/**
 * One watcher's stream on a raw socket, read with as little work as possible (the bench process
 * reads 10,000 of them on a machine it shares with the servers): the last position in each chunk.
 * A stream the server dropped (the watcher read too slowly) is opened again, as EventSource does.
 */
class Watcher {
  first = -1;
  covered = 0;
  drops = 0;
  /** The last event of the last chunk, when asked for (the floor writes the same bytes). */
  sample: string | null = null;
  private socket: net.Socket | null = null;
  private closing = false;
  constructor(
    private readonly port: number,
    private readonly path: string,
    private readonly onCovered: (from: number, to: number) => void,
    private readonly keepSample: boolean,
  ) {}

  close(): void {
    this.closing = true;
    this.socket?.destroy();
  }

  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      let head = true;
      // Every read lands in one shared buffer and is looked at in place: no buffer or 'data' event
      // per message, the bench's own cost per message being part of what a round measures.
      const onread = (n: number, buf: Buffer): boolean => {
        if (head) {
          head = false;
          if (buf.compare(OK, 0, OK.length, 0, OK.length) !== 0) {
            reject(new Error(`stream answered ${buf.toString('latin1', 0, Math.min(n, 40))}`));
            return true;
          }
        }
        const p = lastPosition(buf, n);
        if (p < 0) return true;
        if (this.keepSample) this.sample = buf.toString('utf8', buf.lastIndexOf(EVENT, n - EVENT.length), n);
        if (this.first < 0) this.first = p;
        const covered = this.first - p;
        if (covered > this.covered) {
          this.onCovered(this.covered, covered);
          this.covered = covered;
        }
        resolve();
        return true;
      };
      const s = (this.socket = net.connect({
        port: this.port,
        host: '127.0.0.1',
        onread: { buffer: READ, callback: onread },
      }));
      s.on('connect', () => s.write(`GET ${this.path} HTTP/1.1\r\nHost: b\r\nAccept: text/event-stream\r\n\r\n`));
      s.on('error', reject);
      s.on('close', () => {
        if (this.closing) return;
        this.drops++;
        this.open().catch(() => undefined);
      });
    });
  }
}

/**
 * The last position in the first n bytes whose digits end inside them: an event cut by the end of
 * a read shows its position only when the rest arrives, never a truncated number.
 */
function lastPosition(buf: Buffer, n: number): number {
  let at = buf.lastIndexOf(POSITION, n - POSITION.length);
  while (at >= 0) {
    let p = 0;
    let i = at + POSITION.length;
    for (; i < n; i++) {
      const c = buf[i] as number;
      if (c < 48 || c > 57) break;
      p = p * 10 + c - 48;
    }
    if (i < n && i > at + POSITION.length) return p;
    at = at === 0 ? -1 : buf.lastIndexOf(POSITION, at - 1);
  }
  return -1;
}

/**
 * A crowd of watchers, each knowing its position from its first event, so a message showing
 * position p proves the watcher has seen the first (start − p) changes. `doneAt[k]` is when the
 * last watcher saw the k-th change.
 */
export class Crowd {
  readonly doneAt: number[] = [];
  messages = 0;
  private readonly reached: number[] = [];
  private readonly watchers: Watcher[];

  constructor(targets: readonly { port: number; path: string }[]) {
    const onCovered = (from: number, to: number): void => {
      this.messages++;
      const now = performance.now();
      for (let k = from + 1; k <= to; k++) {
        this.reached[k] = (this.reached[k] ?? 0) + 1;
        if (this.reached[k] === targets.length) this.doneAt[k] = now;
      }
    };
    this.watchers = targets.map((t, i) => new Watcher(t.port, t.path, onCovered, i === 0));
  }

  async open(): Promise<void> {
    for (let i = 0; i < this.watchers.length; i += OPENING)
      await Promise.all(this.watchers.slice(i, i + OPENING).map((w) => w.open()));
  }

  /** Waits until every watcher has seen the k-th change, or `ms` have passed. */
  async waitFor(k: number, ms: number): Promise<void> {
    const end = performance.now() + ms;
    while (this.doneAt[k] === undefined && performance.now() < end) await new Promise((r) => setTimeout(r, 2));
  }

  get drops(): number {
    return this.watchers.reduce((n, w) => n + w.drops, 0);
  }

  /** One event as the first watcher last received it. */
  get sample(): string | null {
    return this.watchers[0]?.sample ?? null;
  }

  close(): void {
    for (const w of this.watchers) w.close();
  }
}
