import type { Config } from '../config/index.js';
import type { DumpEngine } from './dump-contract.js';
import { postgresDump } from './postgres/dump.js';
import { sqliteDump } from './sqlite/dump.js';

/** The dump engine for a database kind, working with this installation's tools and scratch space. */
export function openDumpEngine(kind: 'sqlite' | 'postgres', config: Config): DumpEngine {
  return kind === 'sqlite' ? sqliteDump(config) : postgresDump(config);
}
