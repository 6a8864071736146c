import { ar } from './catalogues/ar.js';
import { en, type Catalogue } from './catalogues/en.js';
import { es } from './catalogues/es.js';

export type { Catalogue };
export const CATALOGUES = { en, es, ar } as const satisfies Record<string, Catalogue>;
export type Lang = keyof typeof CATALOGUES;
export const LANGS = Object.keys(CATALOGUES) as Lang[];
const RTL: ReadonlySet<Lang> = new Set(['ar']);
export const LANG_COOKIE = 'qk_lang';

const isLang = (s: string | undefined): s is Lang => s !== undefined && Object.hasOwn(CATALOGUES, s);

/** The language of a page: an explicit choice (query, then cookie), else the best Accept-Language match, else English. */
export function chooseLang(
  query: string | undefined,
  cookieHeader: string | undefined,
  accept: string | undefined,
): Lang {
  if (isLang(query)) return query;
  const cookie = /(?:^|;\s*)qk_lang=([a-z]{2})/.exec(cookieHeader ?? '')?.[1];
  if (isLang(cookie)) return cookie;
  const ranked = (accept ?? '')
    .split(',')
    .map((part, i) => {
      const [tag = '', ...params] = part.trim().toLowerCase().split(';');
      const q = Number(params.find((p) => p.trim().startsWith('q='))?.split('=')[1] ?? 1);
      return { base: tag.split('-')[0], q: Number.isFinite(q) ? q : 0, i };
    })
    .filter((r) => r.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  return ranked.map((r) => r.base).find(isLang) ?? 'en';
}

export const dirOf = (lang: Lang): 'rtl' | 'ltr' => (RTL.has(lang) ? 'rtl' : 'ltr');
