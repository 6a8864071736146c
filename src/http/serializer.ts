import type { FastifySerializerCompiler } from 'fastify/types/schema.js';
import fastJson from 'fast-json-stringify';
import { z } from 'zod';

type Serialize = (data: unknown) => string;

const compiled = new WeakMap<z.ZodType, Serialize>();
let compilations = 0;

/**
 * Response serialization from the routes' zod schemas: each schema becomes a JSON Schema once and
 * is compiled by fast-json-stringify, which writes only the declared fields (a field missing from
 * the schema never leaves the server) and is faster than `JSON.stringify` on the hot routes. The
 * zod serializer of fastify-type-provider-zod would instead parse every response with zod, and
 * then `JSON.stringify` it.
 *
 * The OpenAPI 3.0 target gives `nullable: true` rather than `anyOf` with null, which
 * fast-json-stringify writes without a validator. Schemas shared between routes (the error
 * bodies) compile once per process.
 */
export const serializerCompiler: FastifySerializerCompiler<z.ZodType> = ({ schema }) => {
  let fn = compiled.get(schema);
  if (!fn) {
    const json = z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'output', unrepresentable: 'any' });
    fn = fastJson(withoutBounds(json) as Parameters<typeof fastJson>[0]) as Serialize;
    compiled.set(schema, fn);
    compilations++;
  }
  return fn;
};

/**
 * Bounds only validate, and a serializer does not validate; OpenAPI 3.0 also writes
 * `exclusiveMinimum` as a boolean, which the JSON Schema draft fast-json-stringify reads refuses.
 */
const BOUNDS = new Set(['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'pattern']);

function withoutBounds(node: unknown, isPropertyMap = false): unknown {
  if (Array.isArray(node)) return node.map((n) => withoutBounds(n));
  if (typeof node !== 'object' || node === null) return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([k]) => isPropertyMap || !BOUNDS.has(k))
      .map(([k, v]) => [k, withoutBounds(v, !isPropertyMap && k === 'properties')]),
  );
}

/** How many schemas have been compiled so far; tests use it to prove compilation is not per request. */
export const serializerCompilations = (): number => compilations;
