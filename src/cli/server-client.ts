import type { Config } from '../config/index.js';
import { AppError, type ErrorCode } from '../errors/index.js';
import { notice } from './output.js';

export type ServerAnswer<T> =
  { kind: 'ok'; body: T } | { kind: 'error'; error: AppError; status: number } | { kind: 'no_server'; why: string };

const causeOf = (e: unknown): string => {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (e instanceof Error ? e.message : String(e));
};

/** Calls the running server with an admin key; "no server" is an answer, not an error. */
export async function serverRequest<T>(
  config: Config,
  method: string,
  path: string,
  body?: unknown,
  key?: string,
): Promise<ServerAnswer<T>> {
  const apiKey = key ?? config.apiKey;
  let res: Response;
  try {
    res = await fetch(`${config.baseUrl}${path}`, {
      method,
      headers: {
        ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(90_000),
    });
  } catch (e) {
    return { kind: 'no_server', why: causeOf(e) };
  }
  const json = (await res.json().catch(() => null)) as { error?: { code: ErrorCode; message: string } } | null;
  if (res.ok) return { kind: 'ok', body: json as T };
  return {
    kind: 'error',
    status: res.status,
    error: new AppError(json?.error?.code ?? 'internal', json?.error?.message ?? `server answered ${res.status}`),
  };
}

export interface OnServerElseHere<S, T> {
  readonly config: Config;
  readonly key?: string;
  /** What is done, for messages: "run daily", "create the backup". */
  readonly what: string;
  /** The request that starts the work on the server. */
  readonly start: { readonly method: string; readonly path: string; readonly body?: unknown };
  /** Follows the work the server started until its result. */
  readonly follow: (started: S) => Promise<T>;
  /** Does the work in this process. */
  readonly here: () => Promise<T>;
}

/**
 * The CLI's one way to do long work: the running server does it (its live state is the one that
 * counts) and the CLI follows; when no server answers, this process does it, and says so on
 * stderr with the address it tried, since a wrong PORT looks the same as no server.
 */
export async function onServerElseHere<S, T>(o: OnServerElseHere<S, T>): Promise<T> {
  const r = await serverRequest<S>(o.config, o.start.method, o.start.path, o.start.body, o.key);
  if (r.kind === 'ok') return o.follow(r.body);
  if (r.kind === 'error') {
    if (r.status === 401 && !(o.key ?? o.config.apiKey))
      throw new AppError(
        'unauthorized',
        `a server answers at ${o.config.baseUrl}: pass --key or set QK_API_KEY (an admin key) to ${o.what} through it`,
      );
    throw r.error;
  }
  notice(
    `no server answers at ${o.config.baseUrl} (${r.why}); going to ${o.what} in this process instead. If a server runs elsewhere, set PORT and HOST (or QK_BASE_URL) to its address.`,
  );
  return o.here();
}
