import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

type Call = (...args: (string | number)[]) => Promise<unknown>;

/**
 * One Lua script of `lua/` (each file documents its KEYS and ARGV at the top). ioredis sends it by
 * SHA, and the source again on a new connection or after a SCRIPT FLUSH.
 */
class LuaCommand {
  readonly lua: string;

  constructor(
    readonly name: string,
    file: string,
  ) {
    // Beside this module both in src/ (tsx) and in dist/ (the build copies the .lua files).
    this.lua = readFileSync(new URL(`./lua/${file}`, import.meta.url), 'utf8');
  }

  run(client: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    const call = (client as unknown as Record<string, Call | undefined>)[this.name];
    if (call === undefined) throw new Error(`Lua command ${this.name} was not defined on this client`);
    return call.call(client, keys.length, ...keys, ...args);
  }
}

export const REMOVE = new LuaCommand('qkRemove', 'remove.lua');
export const ADD_JOINED = new LuaCommand('qkAddJoined', 'add-joined.lua');
export const SWAP = new LuaCommand('qkSwapIndex', 'swap-index.lua');
export const SLIDING_HIT = new LuaCommand('qkSlidingHit', 'sliding-hit.lua');
export const DELETE_ORPHANS = new LuaCommand('qkDeleteOrphans', 'delete-orphans.lua');

/**
 * Registers every script on a new client before it sends anything (each user of the scripts calls
 * this when it is made; a second call adds nothing). Defining one lazily, on its
 * first use, breaks under auto-pipelining: when a pipeline is already open in that tick, ioredis
 * throws from `process.nextTick` and the node exits (seen on the first join burst after a start).
 */
export function defineScripts(client: Redis): void {
  const commands = client as unknown as Record<string, Call | undefined>;
  for (const c of [REMOVE, ADD_JOINED, SWAP, SLIDING_HIT, DELETE_ORPHANS])
    if (commands[c.name] === undefined) client.defineCommand(c.name, { lua: c.lua });
}
