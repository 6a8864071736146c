import { loadConfig } from '../../config/index.js';
import { AppError, EXIT, type ErrorCode } from '../../errors/index.js';
import { checkDraw, type DrawCheck, type PublishedDraw } from '../../domain/draw-check.js';
import { emit, UsageError } from '../output.js';

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const PAGE = 5000;

export interface DrawVerifyOptions {
  readonly url?: string;
  readonly commitment?: string;
  readonly tickets: readonly string[];
  readonly json: boolean;
}

/** A GET of the room's public routes; the server's own error code comes back as ours. */
async function get<T>(base: string, path: string): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(30_000) });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
    throw new AppError('unavailable', `no server answers at ${base} (${cause})`);
  }
  const body = (await res.json().catch(() => null)) as { error?: { code: ErrorCode; message: string } } | null;
  if (res.ok) return body as T;
  throw new AppError(body?.error?.code ?? 'internal', body?.error?.message ?? `${base} answered ${res.status}`);
}

function baseUrl(url: string | undefined): string {
  if (url === undefined) return loadConfig().baseUrl;
  if (!/^https?:\/\/[^\s/]+(\/\S*)?$/.test(url)) throw new UsageError('--url must be an http(s) address');
  return url.replace(/\/+$/, '');
}

/**
 * `queuekeeper draw verify <queue>`: fetches a random room's published draw and its order from
 * any queuekeeper server (no key needed) and checks it (src/domain/draw-check.ts). Exit 0 when it
 * verifies, 1 when it does not or nothing was drawn yet, 2 for bad usage.
 */
export async function drawVerify(queueId: string, o: DrawVerifyOptions): Promise<void> {
  if (!ID.test(queueId)) throw new UsageError('a queue id is 1-64 characters from A-Z a-z 0-9 _ -');
  if (o.commitment !== undefined && !/^[0-9a-fA-F]{64}$/.test(o.commitment))
    throw new UsageError('--commitment must be 64 hex characters (a sha256 digest)');
  for (const t of o.tickets) if (!ID.test(t)) throw new UsageError(`--ticket ${t}: not a ticket id`);
  const base = baseUrl(o.url);
  const q = encodeURIComponent(queueId);
  const draw = await get<Omit<PublishedDraw, 'entries'>>(base, `/api/queues/${q}/draw`);
  if (draw.method !== 'random') throw new UsageError(`queue ${queueId} does not draw (method ${draw.method})`);
  const entries: PublishedDraw['entries'][number][] = [];
  let cursor: string | null = null;
  do {
    const page: { items: PublishedDraw['entries']; nextCursor: string | null } = await get(
      base,
      `/api/queues/${q}/draw/entries?limit=${PAGE}${cursor === null ? '' : `&cursor=${cursor}`}`,
    );
    entries.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null);
  const r = checkDraw(
    { ...draw, entries },
    { tickets: o.tickets, ...(o.commitment !== undefined ? { commitment: o.commitment } : {}) },
  );
  emit(o.json, r, () => describe(r));
  process.exitCode = r.status === 'verified' ? EXIT.ok : EXIT.failed;
}

function describe(r: DrawCheck): string {
  const lines = [
    r.status === 'verified'
      ? `verified: the draw of ${r.queueId} (${r.entries} tickets, ${r.drawnAt}) follows its seed and commitment`
      : r.status === 'not_drawn'
        ? `not drawn yet: ${r.queueId} has committed to ${r.commitment ?? 'nothing yet'}; note it to check the draw later`
        : `FAILED: the draw of ${r.queueId} does not verify`,
    ...r.tickets.map((t) => `  ${t.ticketId}: ${t.place === null ? 'not in the draw' : `place ${t.place}`}`),
    ...r.problems.map((p) => `  - ${p}`),
  ];
  return lines.join('\n');
}
