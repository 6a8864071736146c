import { z } from 'zod';
import type { QueueStats } from '../domain/stats.js';
import { count } from './responses.js';

const seconds = z.number().min(0).nullable();
const spread = z.object({ p50: seconds, p90: seconds }).describe('Nearest-rank percentiles; null without samples');

/** `GET /api/queues/:id/stats` (src/domain/stats.ts). */
export const queueStatsSchema = z
  .object({
    joined: count,
    called: count.describe('Tickets called or admitted in the range (first calls; recalls are not counted)'),
    served: count,
    noShow: count,
    left: count,
    expired: count,
    waitSeconds: spread.describe('Join to call or admission, for tickets called in the range'),
    serviceSeconds: spread.describe('Call to served, for tickets served in the range'),
    etaAccuracy: z.object({
      samples: count,
      coverage: z.number().min(0).max(1).nullable().describe('Share of calls whose wait fell inside the quoted range'),
      medianAbsErrorSeconds: seconds.describe('Median distance of the wait from the middle of the quoted range'),
    }),
  })
  .describe('A queue’s report over [from, to)') satisfies z.ZodType<QueueStats>;
