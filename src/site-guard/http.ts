/** Cookies and the pass's query parameter, read and written without a framework. */

export function cookieValue(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decoded(part.slice(eq + 1).trim());
  }
  return null;
}

/** A cookie value that does not decode is no pass at all (anyone can send one). */
function decoded(value: string): string | null {
  try {
    return decodeURIComponent(value);
  } catch {
    return null;
  }
}

export function passCookie(name: string, value: string, maxAgeSeconds: number, secure: boolean): string {
  const attrs = [
    `${name}=${encodeURIComponent(value)}`,
    'Path=/',
    `Max-Age=${maxAgeSeconds}`,
    'HttpOnly',
    'SameSite=Lax',
  ];
  if (secure) attrs.push('Secure');
  return attrs.join('; ');
}

/**
 * The request path with the pass parameter taken out, so it leaves the address bar and the
 * history. The path is read against a fixed origin and sent back with one leading slash, so that
 * `//elsewhere.example/…` (which browsers read as another host) cannot be made a redirect to it.
 * A target that does not parse has no pass in it.
 */
export function withoutParam(pathAndQuery: string, param: string): { pass: string | null; rest: string } {
  let url: URL;
  try {
    url = new URL(`http://site.invalid/${pathAndQuery.replace(/^[/\\]+/, '')}`);
  } catch {
    return { pass: null, rest: '/' };
  }
  const pass = url.searchParams.get(param);
  if (pass === null) return { pass: null, rest: pathAndQuery };
  url.searchParams.delete(param);
  return { pass, rest: `/${url.pathname.replace(/^[/\\]+/, '')}${url.search}` };
}
