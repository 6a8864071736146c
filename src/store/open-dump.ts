import type { Config, DatabaseConfig } from '../config/index.js';
import type { DumpEngine } from './dump-contract.js';
import { postgresDump } from './postgres/dump.js';
import { postgresClaims } from './postgres/serving.js';
import type { ServingClaims } from './serving-contract.js';
import { sqliteDump } from './sqlite/dump.js';
import { sqliteClaims } from './sqlite/serving.js';

/** The dump engine for a database kind, working with this installation's tools and scratch space. */
export function openDumpEngine(kind: 'sqlite' | 'postgres', config: Config): DumpEngine {
  return kind === 'sqlite' ? sqliteDump(config) : postgresDump(config);
}

/** Claims on a database by the servers that use it and by restores (serving-contract.ts). */
export function openServingClaims(db: DatabaseConfig): ServingClaims {
  if (db.kind === 'postgres') return postgresClaims(db.url, db.schema);
  if (db.path === ':memory:') return { serve: async () => noClaim, restore: async () => noClaim };
  return sqliteClaims(db.path);
}

/** An in-memory database belongs to its process: nobody else can use it. */
const noClaim = { release: async () => undefined };
