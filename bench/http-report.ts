import type { HttpFigures, Measured } from './http.js';
import { SURGE_CONNECTIONS } from './http.js';

const ratio = (a: number, b: number): string => (b > 0 ? (a / b).toFixed(2) : 'n/a');
const us = (v: number | null): string => (v === null ? 'n/a' : String(v));

/** One backend's HTTP table: every route's throughput against the bare route of the same run. */
export function httpLines(h: HttpFigures): string[] {
  const base = h.hello.rps;
  const sh = h.combo.startsWith('PostgreSQL');
  const row = (name: string, r: Measured) =>
    `| ${name} | ${r.rps.toLocaleString('en')} | ${r.p50} | ${r.p99} | ${ratio(r.rps, base)} | ${r.non2xx + r.errors} | ${us(r.serverCpuUs)} |${sh ? ` ${us(r.postgresCpuUs)} | ${us(r.redisCpuUs)} |` : ''}`;
  return [
    `## HTTP, ${h.combo}`,
    '',
    `| route | req/s | p50 ms | p99 ms | ratio to bare | non-2xx + errors | server CPU µs/req |${sh ? ' PostgreSQL CPU µs/req | Redis CPU µs/req |' : ''}`,
    `|---|---|---|---|---|---|---|${sh ? '---|---|' : ''}`,
    row(
      `(a) bare Fastify hello (faster of ${h.helloRuns.map((r) => r.toLocaleString('en')).join(' and ')}, measured before and after the others)`,
      h.hello,
    ),
    row('(b) join `POST /api/queues/:id/tickets`', h.join),
    row(`(b′) join, ${SURGE_CONNECTIONS} connections`, h.joinSurge),
    row(`(c) status \`GET /api/tickets/:id\` (${h.waitingDuringStatus.toLocaleString('en')} waiting)`, h.status),
    row('(d) call-next', h.callNext),
    '',
  ];
}

const verdict = (ok: boolean): string => (ok ? 'met' : '**not met**');

/** The status target's row: the ratio and both routes' server CPU per request, from one run. */
export function statusTarget(h: HttpFigures): string {
  const cpu = `server CPU ${us(h.status.serverCpuUs)} µs/req against ${us(h.hello.serverCpuUs)}`;
  return `| status, embedded ≥ 0.8 × bare | ${ratio(h.status.rps, h.hello.rps)} × (${cpu}) | ${verdict(h.status.rps >= 0.8 * h.hello.rps)} |`;
}

/** The embedded join target's row. */
export function joinTarget(h: HttpFigures): string {
  return `| join, embedded ≥ 0.5 × bare | ${ratio(h.join.rps, h.hello.rps)} × at 32 connections; ${ratio(h.joinSurge.rps, h.hello.rps)} × at ${SURGE_CONNECTIONS} | ${verdict(Math.max(h.join.rps, h.joinSurge.rps) >= 0.5 * h.hello.rps)} |`;
}
