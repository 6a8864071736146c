import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { percentile } from '../src/metrics/percentile.js';
import { ownCpuMs, processCpuMs, usPer } from './cpu.js';
import { Crowd } from './live-watchers.js';

/** What a plain Node server costs to write the same events to the same crowd: the floor. */
export interface FloorFigures {
  readonly watchers: number;
  /** From the trigger until every watcher had the event, per round. */
  readonly roundsMs: readonly number[];
  /** CPU per message over the rounds: the floor server's, and the bench client's reading them. */
  readonly rounds: { readonly serverUs: number | null; readonly clientUs: number | null };
  /** Events per watcher per second in the sustained run: the rate the real server's passes sent. */
  readonly eventsPerSecond: number;
  readonly p50LagMs: number;
  readonly maxLagMs: number;
  readonly cpuUsPerMessage: number | null;
  readonly messages: number;
}

const SERVER = join(import.meta.dirname, 'raw-stream-server.mjs');

/**
 * The live bench's rounds and sustained run against bench/raw-stream-server.mjs, writing `sample`
 * (an event a real server sent) with each watcher's position, read by the same client code. The
 * sustained run sends `eventsPerSecond` events to each watcher, the rate the real server's passes
 * reached (it coalesces call-next requests), so both write as often into sockets read as fast.
 */
export async function liveFloor(
  sample: string,
  opts: { watchers: number; rounds: number; sustainSeconds: number; eventsPerSecond: number },
): Promise<FloorFigures> {
  const m = /"position":(\d+)/.exec(sample);
  if (!m) throw new Error(`the sample event shows no position: ${sample.slice(0, 200)}`);
  const before = sample.slice(0, m.index + 11);
  const after = sample.slice(m.index + m[0].length);
  // The positions the real crowd had: the tickets ahead of the watched ones are the calls to come.
  const start = opts.rounds + opts.sustainSeconds * 10 + 11;
  const child = spawn(process.execPath, [SERVER], {
    env: { ...process.env, FLOOR_EVENT: JSON.stringify({ before, after, start }) },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const p = /listening on (\d+)/.exec(out);
        if (p) resolve(Number(p[1]));
      });
      child.on('exit', () => reject(new Error(`the floor server exited: ${out}`)));
    });
    const crowd = new Crowd(Array.from({ length: opts.watchers }, () => ({ port, path: '/' })));
    await crowd.open();
    await new Promise((r) => setTimeout(r, 1000));
    const sentAt: number[] = [];
    let k = 0;
    const roundsMs: number[] = [];
    const roundCpu0 = [processCpuMs(child.pid)];
    const client0 = ownCpuMs();
    const roundM0 = crowd.messages;
    for (let r = 0; r < opts.rounds; r++) {
      sentAt[++k] = performance.now();
      child.stdin.write('\n');
      await crowd.waitFor(k, 60_000);
      roundsMs.push(Math.round((crowd.doneAt[k] ?? Number.NaN) - (sentAt[k] as number)));
      await new Promise((res) => setTimeout(res, 500));
    }
    const rounds = {
      serverUs: usPer(roundCpu0, [processCpuMs(child.pid)], crowd.messages - roundM0),
      clientUs: usPer([client0], [ownCpuMs()], crowd.messages - roundM0),
    };
    const first = k + 1;
    const cpu0 = processCpuMs(child.pid);
    const m0 = crowd.messages;
    const begin = performance.now();
    const gapMs = 1000 / opts.eventsPerSecond;
    for (let i = 0; i < opts.sustainSeconds * opts.eventsPerSecond; i++) {
      const wait = begin + i * gapMs - performance.now();
      if (wait > 0) await new Promise((res) => setTimeout(res, wait));
      sentAt[++k] = performance.now();
      child.stdin.write('\n');
    }
    await crowd.waitFor(k, 30_000);
    const cpu1 = processCpuMs(child.pid);
    const messages = crowd.messages - m0;
    const lags: number[] = [];
    for (let c = first; c <= k; c++) lags.push((crowd.doneAt[c] ?? Number.POSITIVE_INFINITY) - (sentAt[c] as number));
    lags.sort((a, b) => a - b);
    crowd.close();
    return {
      watchers: opts.watchers,
      roundsMs,
      rounds,
      eventsPerSecond: opts.eventsPerSecond,
      p50LagMs: Math.round(percentile(lags, 0.5) ?? 0),
      maxLagMs: Math.round(lags.at(-1) ?? 0),
      cpuUsPerMessage: usPer([cpu0], [cpu1], messages),
      messages,
    };
  } finally {
    child.kill('SIGTERM');
  }
}
