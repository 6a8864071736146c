import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

type Call = (...args: (string | number)[]) => Promise<unknown>;

/**
 * One Lua script of `lua/` (each file documents its KEYS and ARGV at the top), registered on a
 * client with ioredis `defineCommand` the first time it runs there. ioredis then sends it by SHA,
 * and the source again on a new connection or after a SCRIPT FLUSH.
 */
class LuaCommand {
  private readonly lua: string;

  constructor(
    private readonly name: string,
    file: string,
  ) {
    // Beside this module both in src/ (tsx) and in dist/ (the build copies the .lua files).
    this.lua = readFileSync(new URL(`./lua/${file}`, import.meta.url), 'utf8');
  }

  run(client: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    const commands = client as unknown as Record<string, Call | undefined>;
    let call = commands[this.name];
    if (call === undefined) {
      client.defineCommand(this.name, { lua: this.lua });
      call = commands[this.name] as Call;
    }
    return call.call(client, keys.length, ...keys, ...args);
  }
}

export const REMOVE = new LuaCommand('qkRemove', 'remove.lua');
export const ADD_JOINED = new LuaCommand('qkAddJoined', 'add-joined.lua');
export const SWAP = new LuaCommand('qkSwapIndex', 'swap-index.lua');
export const SLIDING_HIT = new LuaCommand('qkSlidingHit', 'sliding-hit.lua');
export const DELETE_ORPHANS = new LuaCommand('qkDeleteOrphans', 'delete-orphans.lua');
