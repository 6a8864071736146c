import type { Config } from '../config/index.js';
import { AppError, type ErrorCode } from '../errors/index.js';

export type ServerAnswer<T> = { kind: 'ok'; body: T } | { kind: 'error'; error: AppError } | { kind: 'no_server' };

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
  } catch {
    return { kind: 'no_server' };
  }
  const json = (await res.json().catch(() => null)) as { error?: { code: ErrorCode; message: string } } | null;
  if (res.ok) return { kind: 'ok', body: json as T };
  if (res.status === 401 && !apiKey)
    return {
      kind: 'error',
      error: new AppError(
        'unauthorized',
        'a server is running: pass --key or set QK_API_KEY (an admin key) to run maintenance through it',
      ),
    };
  return {
    kind: 'error',
    error: new AppError(json?.error?.code ?? 'internal', json?.error?.message ?? `server answered ${res.status}`),
  };
}
