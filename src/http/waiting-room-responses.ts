import { z } from 'zod';
import type { DrawView } from '../domain/waiting-rooms.js';
import type { PassCheck } from '../domain/passes.js';
import { isoTime } from './responses.js';

/** Bodies of the waiting-room routes (docs/waiting-room.md). */

export const jwksSchema = z
  .object({
    keys: z.array(
      z
        .object({
          kty: z.string(),
          crv: z.string(),
          x: z.string(),
          y: z.string(),
          kid: z.string(),
          alg: z.string(),
          use: z.string(),
        })
        .describe('A public ES256 key (JWK)'),
    ),
  })
  .describe('The keys that sign passes; retired keys stay until every pass they signed has expired');

export const passCheckSchema = z
  .object({
    valid: z.boolean(),
    queueId: z.string().nullable(),
    ticketId: z.string().nullable(),
    expiresAt: isoTime.nullable(),
  })
  .describe('Whether the pass is genuine, unexpired and its session still open') satisfies z.ZodType<PassCheck>;

export const drawSchema = z
  .object({
    queueId: z.string(),
    method: z.string(),
    opensAt: isoTime.nullable(),
    commitment: z.string().nullable().describe('sha256 (hex) of the secret seed, published before the draw'),
    seed: z.string().nullable().describe('The seed, published once the draw is made'),
    drawnAt: isoTime.nullable(),
    drawnCount: z.number().int().nullable().describe('Tickets the draw ordered'),
  })
  .describe(
    'A waiting room’s draw; order = tickets sorted by HMAC-SHA256(seed, ticket id)',
  ) satisfies z.ZodType<DrawView>;

export const drawEntriesSchema = z
  .object({
    items: z.array(
      z.object({
        rank: z.number().int().describe('Place in the drawn order, 0 first'),
        ticketId: z.string(),
        priority: z.enum(['high', 'normal']),
      }),
    ),
    nextCursor: z.string().nullable(),
  })
  .describe('The tickets a draw ordered, in that order; empty before the draw');
