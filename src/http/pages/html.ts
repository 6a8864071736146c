import { CATALOGUES, LANGS, dirOf, type Catalogue, type Lang } from './i18n.js';

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const esc = (s: unknown): string => String(s ?? '').replace(/[&<>"']/g, (c) => ESC[c] as string);

/** JSON for a `<script type="application/json">` block: `<` escaped so no text can close the tag. */
const inlineJson = (v: unknown): string => JSON.stringify(v).replace(/</g, '\\u003c');

/**
 * Every page's own sources: scripts, styles and images from this server only. Inline SVG needs no
 * source; `data:` covers the empty favicon that stops the browser asking for /favicon.ico.
 */
export const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export interface PageInput {
  readonly lang: Lang;
  readonly title: string;
  /** The bundle to load (`join`, `ticket`, `board`), or none for a page that needs no script. */
  readonly script?: 'join' | 'ticket' | 'board';
  readonly bodyClass: string;
  readonly main: string;
  /** Data the page's script starts from. */
  readonly boot?: Record<string, unknown>;
  /** The path the language links point to (the page's own path). */
  readonly path: string;
}

function languageNav(lang: Lang, path: string, t: Catalogue): string {
  const links = LANGS.map((l) => {
    const current = l === lang ? ' aria-current="true"' : '';
    return `<a href="${esc(path)}?lang=${l}" lang="${l}" hreflang="${l}"${current}>${esc(CATALOGUES[l].languageName)}</a>`;
  }).join('');
  return `<nav class="langs" aria-label="${esc(t.language)}">${links}</nav>`;
}

export function page(p: PageInput): string {
  const t = CATALOGUES[p.lang];
  const script = p.script ? `<script type="module" src="/assets/${p.script}.js"></script>` : '';
  const boot = p.boot
    ? `<script type="application/json" id="qk-boot">${inlineJson({ ...p.boot, lang: p.lang, t })}</script>`
    : '';
  return `<!doctype html>
<html lang="${p.lang}" dir="${dirOf(p.lang)}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${esc(p.title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/style.css">${script}</head>
<body class="${esc(p.bodyClass)}">
<header class="bar"><span class="brand">queuekeeper</span>${languageNav(p.lang, p.path, t)}</header>
<main id="main">${p.main}</main>${boot}
</body></html>`;
}

export function notFoundPage(lang: Lang, path: string): string {
  const t = CATALOGUES[lang];
  return page({
    lang,
    title: t.notFoundTitle,
    bodyClass: 'page-missing',
    path,
    main: `<div class="card"><h1>${esc(t.notFoundTitle)}</h1><p>${esc(t.notFoundText)}</p></div>`,
  });
}
