import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

const DIR = new URL('../../src/live/redis/lua/', import.meta.url);

describe('Lua scripts', () => {
  for (const file of readdirSync(DIR).filter((f) => f.endsWith('.lua'))) {
    it(`${file} documents every KEYS and ARGV entry it reads`, () => {
      const text = readFileSync(new URL(file, DIR), 'utf8');
      const header = /^--\[\[([\s\S]*?)\]\]/.exec(text);
      assert.ok(header, 'starts with a --[[ ... ]] header');
      const doc = header[1] as string;
      assert.match(doc, /Input:/);
      assert.match(doc, /Output:/);
      const body = text.slice(header[0].length);
      for (const [ref] of body.matchAll(/\b(KEYS|ARGV)\[\d+\]/g))
        assert.ok(doc.includes(ref) || doc.includes(`${ref.replace(/\]$/, '')}..]`), `${ref} is documented`);
    });
  }
});
