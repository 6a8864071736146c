import { api, type ApiResult } from '../common.js';

/** The key lives in session storage only: closing the tab or the browser forgets it. */
const KEY = 'qk-console-key';
const ROLE = 'qk-console-role';
const NOTICE = 'qk-console-notice';

function read(k: string): string | null {
  try {
    return sessionStorage.getItem(k);
  } catch {
    return null;
  }
}
function write(k: string, v: string | null): void {
  try {
    if (v === null) sessionStorage.removeItem(k);
    else sessionStorage.setItem(k, v);
  } catch {
    /* storage blocked: the console asks for the key again on the next load */
  }
}

export type Role = 'admin' | 'operator';

export const session = {
  key: (): string | null => read(KEY),
  role: (): Role => (read(ROLE) === 'admin' ? 'admin' : 'operator'),
  start(key: string, role: Role): void {
    write(KEY, key);
    write(ROLE, role);
  },
  /** Ends the session; the message is shown once on the sign-in form. */
  end(notice: string | null = null): void {
    write(KEY, null);
    write(ROLE, null);
    write(NOTICE, notice);
    location.hash = '';
    location.reload();
  },
  takeNotice(): string | null {
    const n = read(NOTICE);
    write(NOTICE, null);
    return n;
  },
};

export const KEY_REJECTED = 'Your API key is no longer accepted (it expired or was revoked). Sign in again.';

/** An API call with the session's key; a 401 means the key stopped working, so the session ends. */
export async function call<T>(method: string, path: string, body?: unknown): Promise<ApiResult<T>> {
  const r = await api<T>(method, path, {
    headers: { authorization: `Bearer ${session.key() ?? ''}` },
    ...(body !== undefined ? { body } : {}),
  });
  if (r.status === 401) session.end(KEY_REJECTED);
  return r;
}

/** The API's own message, or a plain one when the server did not answer with an error body. */
export const problem = (r: ApiResult<unknown>): string =>
  r.body.error?.message ?? (r.status >= 500 ? 'The server could not answer; try again shortly.' : `Error ${r.status}`);
