/** Cookies and the pass's query parameter, read and written without a framework. */

export function cookieValue(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return null;
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

/** The request path with the pass parameter taken out, so it leaves the address bar and the history. */
export function withoutParam(pathAndQuery: string, param: string): { pass: string | null; rest: string } {
  const url = new URL(pathAndQuery, 'http://site.invalid');
  const pass = url.searchParams.get(param);
  if (pass === null) return { pass: null, rest: pathAndQuery };
  url.searchParams.delete(param);
  return { pass, rest: `${url.pathname}${url.search}` };
}
