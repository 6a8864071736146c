import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { z } from 'zod';
import { serializerCompiler, serializerCompilations } from '../../src/http/serializer.js';

const compile = (schema: z.ZodType) =>
  serializerCompiler({ schema, method: 'GET', url: '/x', httpStatus: '200' }) as (d: unknown) => string;

describe('response serialization from zod schemas', () => {
  const schema = z.object({
    id: z.string().regex(/^[a-z]+$/),
    minimum: z.number().positive().max(10),
    when: z.string().meta({ format: 'date-time' }).nullable(),
    tags: z.record(z.string().max(8), z.unknown()).nullable(),
    note: z.string().optional(),
  });

  test('writes the declared fields only, nulls and nested values intact', () => {
    const out = compile(schema)({ id: 'a', minimum: 2.5, when: null, tags: { x: [1] }, secret: 's', extra: 1 });
    assert.deepEqual(JSON.parse(out), { id: 'a', minimum: 2.5, when: null, tags: { x: [1] } });
  });

  test('a missing required field is an error, not a silent gap', () => {
    assert.throws(() => compile(schema)({ minimum: 1, when: null, tags: null }), /"id" is required/);
  });

  test('one schema compiles once, however many routes or apps use it', () => {
    const shared = z.object({ a: z.number() });
    const before = serializerCompilations();
    const first = compile(shared);
    assert.equal(compile(shared), first);
    assert.equal(serializerCompilations(), before + 1);
  });
});
