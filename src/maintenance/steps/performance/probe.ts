import http from 'node:http';
import https from 'node:https';
import { PROBE_USER_AGENT } from '../../../metrics/window.js';

export interface ProbeOptions {
  readonly url: string;
  readonly durationMs: number;
  /** Requests in flight at once; each loop reuses one keep-alive connection. */
  readonly concurrency?: number;
  /** Hard cap, so a very fast node does not spend minutes of log lines on the probe. */
  readonly maxRequests?: number;
  readonly signal: AbortSignal;
  /** How long the first request may take before the server counts as not reachable. */
  readonly preflightTimeoutMs?: number;
}

export interface ProbeResult {
  readonly url: string;
  readonly requestsPerSecond: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly durationMs: number;
  readonly concurrency: number;
  readonly stoppedBy: 'time' | 'count' | 'abort' | 'failures';
}

/** The server did not answer the first request: there is nothing to measure. */
export class ProbeUnreachableError extends Error {
  override readonly name = 'ProbeUnreachableError';
}

type Outcome = 'ok' | 'bad' | 'error';

function once(url: URL, agent: http.Agent, timeoutMs: number): Promise<{ outcome: Outcome; detail: string }> {
  const mod = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    const req = mod.get(url, { agent, headers: { 'user-agent': PROBE_USER_AGENT }, timeout: timeoutMs }, (res) => {
      res.resume();
      res.once('end', () =>
        resolve({ outcome: res.statusCode === 200 ? 'ok' : 'bad', detail: `HTTP ${res.statusCode}` }),
      );
      res.once('error', (e) => resolve({ outcome: 'error', detail: e.message }));
      // After 'end' this is a no-op; without it, a connection cut mid-body would hang its loop.
      res.once('close', () => resolve({ outcome: 'error', detail: 'connection closed before the answer ended' }));
    });
    req.once('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.once('error', (e: NodeJS.ErrnoException) => resolve({ outcome: 'error', detail: e.code ?? e.message }));
  });
}

/**
 * Measures the requests per second the server sustains on a cheap read route: `concurrency`
 * loops, each sending its next GET as soon as the last answer arrives, for `durationMs` or
 * `maxRequests`, whichever ends first. Only 200 answers count. When the step runs inside the
 * server, client and server share one event loop, so the figure is a lower bound.
 */
export async function probeThroughput(opts: ProbeOptions): Promise<ProbeResult> {
  const url = new URL(opts.url);
  const concurrency = opts.concurrency ?? 32;
  const maxRequests = opts.maxRequests ?? 200_000;
  const agent = new (url.protocol === 'https:' ? https.Agent : http.Agent)({
    keepAlive: true,
    maxSockets: concurrency,
  });
  try {
    const first = await once(url, agent, opts.preflightTimeoutMs ?? 2000);
    if (first.outcome !== 'ok') throw new ProbeUnreachableError(`GET ${opts.url} answered ${first.detail}`);

    let issued = 0;
    let succeeded = 0;
    let failed = 0;
    let stoppedBy: ProbeResult['stoppedBy'] = 'time';
    const started = performance.now();
    const endAt = started + opts.durationMs;
    const loop = async (): Promise<void> => {
      for (;;) {
        if (opts.signal.aborted) return void (stoppedBy = 'abort');
        if (performance.now() >= endAt) return;
        if (issued >= maxRequests) return void (stoppedBy = 'count');
        // A server that went away would make every loop spin on instant errors; stop instead.
        if (failed > 100 && failed > succeeded) return void (stoppedBy = 'failures');
        issued++;
        const r = await once(url, agent, 5000);
        if (r.outcome === 'ok') succeeded++;
        else failed++;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, loop));
    const durationMs = performance.now() - started;
    return {
      url: opts.url,
      requestsPerSecond: Math.round((succeeded / durationMs) * 1000 * 10) / 10,
      succeeded,
      failed,
      durationMs: Math.round(durationMs),
      concurrency,
      stoppedBy,
    };
  } finally {
    agent.destroy();
  }
}
