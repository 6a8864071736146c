import type { Kysely, Migration, MigrationProvider } from 'kysely';
import * as m001 from './001_core.js';
import * as m002 from './002_waiting_by_priority.js';
import * as m003 from './003_waiting_room.js';
import * as m004 from './004_webhooks.js';
import * as m005 from './005_eta_at_join.js';
import * as m006 from './006_daily_numbering.js';
import * as m007 from './007_ticket_language.js';
import * as m008 from './008_now_serving.js';
import * as m009 from './009_recalls.js';
import * as m010 from './010_sealed_webhook_secrets.js';
import * as m011 from './011_draw_entries.js';
import * as m012 from './012_hooks_tag.js';
import * as m013 from './013_site_keys.js';
import * as m014 from './014_waiting_seen.js';
import * as m015 from './015_announced_order.js';
import * as m016 from './016_outbox_lane_order.js';
import * as m017 from './017_active_sessions.js';

export type DialectKind = 'sqlite' | 'postgres';

type Step = { up(db: Kysely<unknown>, kind: DialectKind): Promise<void> };

/** Numbered migrations, applied in order on both dialects at start and by `queuekeeper migrate`. */
const MIGRATIONS: Record<string, Step> = {
  '001_core': m001,
  '002_waiting_by_priority': m002,
  '003_waiting_room': m003,
  '004_webhooks': m004,
  '005_eta_at_join': m005,
  '006_daily_numbering': m006,
  '007_ticket_language': m007,
  '008_now_serving': m008,
  '009_recalls': m009,
  '010_sealed_webhook_secrets': m010,
  '011_draw_entries': m011,
  '012_hooks_tag': m012,
  '013_site_keys': m013,
  '014_waiting_seen': m014,
  '015_announced_order': m015,
  '016_outbox_lane_order': m016,
  '017_active_sessions': m017,
};

export function migrationProvider(kind: DialectKind): MigrationProvider {
  return {
    async getMigrations(): Promise<Record<string, Migration>> {
      const out: Record<string, Migration> = {};
      for (const [name, m] of Object.entries(MIGRATIONS)) out[name] = { up: (db) => m.up(db, kind) };
      return out;
    },
  };
}
