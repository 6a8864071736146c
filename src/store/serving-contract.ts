/**
 * Who uses a database. A server holds a shared claim for as long as it runs; a restore takes the
 * claim alone, so it refuses while any server runs on the target and no server starts while the
 * restore replaces the data under it. Claims end with their process, even when it is killed.
 */
interface ServerInfo {
  readonly pid: number;
  /** The address the server means to answer on. */
  readonly address: string;
}

/** A server known to hold the claim, as far as it could be told (see each backend). */
export interface ClaimHolder {
  readonly pid: number | null;
  readonly address: string | null;
  /** Where it runs: a host name or a client address; null when unknown. */
  readonly host: string | null;
}

export interface Claim {
  release(): Promise<void>;
}

export interface ServingClaims {
  /**
   * A server's shared claim; rejects with `target_in_use` while a restore holds the database.
   * `onLost` hears when a claim that lives on a connection (PostgreSQL) lost it and when it has
   * been taken again: the claim is retaken by itself.
   */
  serve(info: ServerInfo, onLost?: (state: 'lost' | 'retaken', why: string) => void): Promise<Claim>;
  /** A restore's sole claim; rejects with `target_in_use`, naming the servers, while one runs. */
  restore(): Promise<Claim>;
}

/** One line for the operator: who holds the database, and how to stop it. */
export function inUseMessage(target: string, holders: readonly ClaimHolder[]): string {
  const who = holders
    .map((h) =>
      [
        h.pid !== null ? `pid ${h.pid}` : null,
        h.host !== null ? `on ${h.host}` : null,
        h.address !== null ? `answering at ${h.address}` : null,
      ]
        .filter((x) => x !== null)
        .join(' '),
    )
    .filter((s) => s !== '');
  const named = who.length > 0 ? ` (${who.join('; ')})` : '';
  return `a queuekeeper server is using ${target}${named}; stop it first (Ctrl-C in its terminal, kill -TERM <pid>, or stop its service), then run the restore again`;
}
