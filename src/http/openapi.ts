import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { z } from 'zod';

/** Set by `transform` on an operation whose body may be left out; `transformObject` consumes it. */
const OPTIONAL_BODY = 'x-optional-body';

type Transform = NonNullable<FastifyDynamicSwaggerOptions['transform']>;
type TransformObject = NonNullable<FastifyDynamicSwaggerOptions['transformObject']>;
type Operation = { [OPTIONAL_BODY]?: boolean; requestBody?: { required?: boolean } };

/**
 * The routes' zod schemas become the OpenAPI description served at `/docs` (docs/api.md). A route
 * whose body schema accepts no body at all (call-next, the ticket actions, a join) is flagged here,
 * because @fastify/swagger marks every declared body as required.
 */
export const transform: Transform = (input) => {
  const out = jsonSchemaTransform(input);
  const body: unknown = input.schema?.body;
  if (out.schema && body instanceof z.ZodType && body.safeParse(undefined).success)
    return { ...out, schema: { ...out.schema, [OPTIONAL_BODY]: true } };
  return out;
};

export const transformObject: TransformObject = (doc) => {
  if (!('openapiObject' in doc)) return doc.swaggerObject;
  for (const path of Object.values(doc.openapiObject.paths ?? {}))
    for (const op of Object.values(path ?? {}) as Operation[]) {
      if (typeof op !== 'object' || op === null || !op[OPTIONAL_BODY]) continue;
      delete op[OPTIONAL_BODY];
      if (op.requestBody) op.requestBody.required = false;
    }
  return doc.openapiObject;
};
