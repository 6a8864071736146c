import {
  CompiledQuery,
  sql,
  type Kysely,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type RootOperationNode,
} from 'kysely';
import type { DialectParts } from '../../src/store/kysely/dialect.js';
import type { DB } from '../../src/store/kysely/schema.js';

/**
 * Records the statements a Kysely instance sends, compiled as the driver receives them (text and
 * bound values), so that a test can ask the database how it plans the very statement the code runs.
 */
export class SentSql implements KyselyPlugin {
  readonly sent: CompiledQuery[] = [];
  // Subqueries pass through plugins too; only the statements that ran are kept.
  private readonly compiled = new WeakMap<object, CompiledQuery>();
  constructor(private readonly db: Kysely<DB>) {}
  transformQuery({ node, queryId }: PluginTransformQueryArgs): RootOperationNode {
    this.compiled.set(queryId, this.db.getExecutor().compileQuery(node, queryId));
    return node;
  }
  transformResult<T>({ result, queryId }: { result: T; queryId: object }): Promise<T> {
    const q = this.compiled.get(queryId);
    if (q) this.sent.push(q);
    return Promise.resolve(result);
  }
}

/**
 * The plan the database uses for a statement as sent. PostgreSQL: our client runs every
 * parameterised text as a named prepared statement, which PostgreSQL soon serves with a generic
 * plan (one made without the bound values), so the statement is prepared and explained with
 * generic plans forced. SQLite: EXPLAIN QUERY PLAN with the same bound values.
 */
export async function sentPlan(parts: DialectParts, q: CompiledQuery): Promise<string> {
  if (parts.kind === 'sqlite') {
    const r = await parts.db.executeQuery<{ detail: string }>(
      CompiledQuery.raw(`EXPLAIN QUERY PLAN ${q.sql}`, [...q.parameters]),
    );
    return r.rows.map((x) => x.detail).join('\n');
  }
  return parts.db.connection().execute(async (c) => {
    await sql`SET plan_cache_mode = force_generic_plan`.execute(c);
    // A few rows would be read sequentially anyway; the question is whether the index serves.
    await sql`SET enable_seqscan = off`.execute(c);
    await c.executeQuery(CompiledQuery.raw(`PREPARE qk_sent_plan AS ${q.sql}`));
    try {
      // EXECUTE is a utility statement: its arguments are written in, as values of the prepared types.
      const args = q.parameters.map(literal).join(', ');
      const r = await c.executeQuery<{ 'QUERY PLAN': string }>(
        CompiledQuery.raw(`EXPLAIN EXECUTE qk_sent_plan(${args})`),
      );
      return r.rows.map((x) => x['QUERY PLAN']).join('\n');
    } finally {
      await sql`DEALLOCATE qk_sent_plan`.execute(c);
      await sql`RESET plan_cache_mode`.execute(c);
      await sql`RESET enable_seqscan`.execute(c);
    }
  });
}

function literal(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return `'${v.replaceAll("'", "''")}'`;
  if (Array.isArray(v)) return `ARRAY[${v.map(literal).join(', ')}]`;
  throw new Error(`no literal for ${typeof v}`);
}
