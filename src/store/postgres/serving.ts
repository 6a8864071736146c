import { createHash } from 'node:crypto';
import pg from 'pg';
import { BackupError } from '../../errors/index.js';
import { inUseMessage, type Claim, type ClaimHolder, type ServingClaims } from '../serving-contract.js';

/** First key of our advisory locks ("qk"); the second is derived from the schema. */
const CLASS_KEY = 0x716b;
const schemaKey = (schema: string): number => createHash('sha256').update(schema).digest().readUInt32BE(0) >>> 1;
const APP = 'queuekeeper';
const RETAKE_MS = 2000;

/**
 * Claims on a PostgreSQL schema are advisory locks held by a connection of their own: shared for
 * each server node, exclusive for a restore. PostgreSQL drops them with the connection. Holders
 * are named from pg_stat_activity, where each server's lock connection shows its pid and address.
 */
export function postgresClaims(url: string, schema: string): ServingClaims {
  const key = schemaKey(schema);
  const connect = async (name: string): Promise<pg.Client> => {
    const c = new pg.Client({
      connectionString: url,
      connectionTimeoutMillis: 5000,
      application_name: name.slice(0, 63),
    });
    c.on('error', () => undefined);
    await c.connect();
    return c;
  };
  const releaser = (c: pg.Client): Claim => ({ release: () => c.end().catch(() => undefined) });
  const holders = async (c: pg.Client): Promise<ClaimHolder[]> => {
    const r = await c.query<{ app: string; addr: string | null }>(
      `SELECT a.application_name AS app, a.client_addr::text AS addr FROM pg_locks l
       JOIN pg_stat_activity a ON a.pid = l.pid
       WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1 AND l.objid = $2 AND l.objsubid = 2
         AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      [CLASS_KEY, key],
    );
    return r.rows.map((row) => {
      const m = /^queuekeeper pid (\d+) at (\S+)$/.exec(row.app);
      return { pid: m ? Number(m[1]) : null, address: m?.[2] ?? null, host: row.addr };
    });
  };

  return {
    async serve(info, onLost) {
      const name = `${APP} pid ${info.pid} at ${info.address}`;
      const take = async (): Promise<pg.Client> => {
        const c = await connect(name);
        try {
          const r = await c.query<{ ok: boolean }>('SELECT pg_try_advisory_lock_shared($1, $2) AS ok', [
            CLASS_KEY,
            key,
          ]);
          if (!r.rows[0]?.ok)
            throw new BackupError(
              'target_in_use',
              `a restore is putting a backup into schema ${schema}; start the server again once it has finished`,
            );
          return c;
        } catch (e) {
          await c.end().catch(() => undefined);
          throw e;
        }
      };
      let client = await take();
      let released = false;
      let timer: NodeJS.Timeout | undefined;
      // The lock lives as long as its connection: when PostgreSQL drops it (a restart, a network
      // cut), it is taken again, or a restore could start under this server.
      const watch = (c: pg.Client): void => {
        c.once('end', () => {
          if (released) return;
          onLost?.('lost', 'the connection holding the claim ended');
          const retry = (): void => {
            timer = setTimeout(() => {
              take().then(
                (next) => {
                  if (released) return void next.end().catch(() => undefined);
                  client = next;
                  watch(next);
                  onLost?.('retaken', 'the claim was taken again');
                },
                () => {
                  if (!released) retry();
                },
              );
            }, RETAKE_MS);
            timer.unref();
          };
          retry();
        });
      };
      watch(client);
      return {
        release: async () => {
          released = true;
          clearTimeout(timer);
          await client.end().catch(() => undefined);
        },
      };
    },

    async restore() {
      const c = await connect(`${APP} restore pid ${process.pid}`);
      try {
        const r = await c.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [CLASS_KEY, key]);
        if (!r.rows[0]?.ok) {
          const known = await holders(c);
          throw new BackupError('target_in_use', inUseMessage(`schema ${schema}`, known), {
            details: { servers: known },
          });
        }
        return releaser(c);
      } catch (e) {
        await c.end().catch(() => undefined);
        throw e;
      }
    },
  };
}
