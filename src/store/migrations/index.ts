import type { Kysely, Migration, MigrationProvider } from 'kysely';
import * as m001 from './001_core.js';
import * as m002 from './002_waiting_by_priority.js';
import * as m003 from './003_waiting_room.js';
import * as m004 from './004_webhooks.js';
import * as m005 from './005_eta_at_join.js';
import * as m006 from './006_hooks_tag.js';

export type DialectKind = 'sqlite' | 'postgres';

type Step = { up(db: Kysely<unknown>, kind: DialectKind): Promise<void> };

/** Numbered migrations, applied in order on both dialects at start and by `queuekeeper migrate`. */
const MIGRATIONS: Record<string, Step> = {
  '001_core': m001,
  '002_waiting_by_priority': m002,
  '003_waiting_room': m003,
  '004_webhooks': m004,
  '005_eta_at_join': m005,
  '006_hooks_tag': m006,
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
