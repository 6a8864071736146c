import pg from 'pg';

/** Runs `fn` on a client of its own, which is closed whatever happens. Tests and benchmarks only. */
export async function withPg<T>(
  url: string,
  fn: (c: pg.Client) => Promise<T>,
  opts: { searchPath?: string } = {},
): Promise<T> {
  const c = new pg.Client({
    connectionString: url,
    ...(opts.searchPath ? { options: `-c search_path=${opts.searchPath}` } : {}),
  });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Drops a schema and everything in it; a schema that is not there is fine. */
export async function dropSchema(url: string, schema: string): Promise<void> {
  await withPg(url, (c) => c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
}
