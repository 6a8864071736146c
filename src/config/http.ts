import { isIP } from 'node:net';
import { ConfigError } from '../errors/index.js';
import { intVar, type Env } from './env-values.js';
import type { FileConfig } from './schema.js';
import type { HttpConfig, TrustProxy } from './types.js';

/** proxy-addr's names for whole address ranges, which Fastify accepts beside addresses. */
const RANGE_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

function validProxy(s: string): boolean {
  if (RANGE_NAMES.includes(s)) return true;
  const [addr = '', bits, extra] = s.split('/');
  const family = isIP(addr);
  if (family === 0 || extra !== undefined) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

/**
 * `QK_TRUST_PROXY`: how many proxies stand in front, or their addresses. The client is the first
 * address, walking `X-Forwarded-For` back from the connection, that is not a trusted proxy.
 * "Trust everything" is refused: it lets any client choose the address it is limited by.
 */
export function trustProxy(env: Env, file: FileConfig): TrustProxy {
  const v = env.QK_TRUST_PROXY?.trim();
  const fromFile = file.trustProxy;
  const refuse = (): never => {
    throw new ConfigError(
      'QK_TRUST_PROXY',
      'trusting every proxy lets any client choose its address; give the number of proxies in front (e.g. 1) or their addresses',
    );
  };
  if (v === undefined || v === '') {
    if (fromFile === undefined || fromFile === false || fromFile === 0) return false;
    if (fromFile === true) return refuse();
    return typeof fromFile === 'number' ? fromFile : parseList(fromFile.join(','));
  }
  const lower = v.toLowerCase();
  if (['off', 'false', 'no', '0'].includes(lower)) return false;
  if (['on', 'true', 'yes'].includes(lower)) return refuse();
  if (/^\d+$/.test(v)) return intVar(env, 'QK_TRUST_PROXY', 1, 10) as number;
  return parseList(v);
}

function parseList(v: string): readonly string[] {
  const list = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = list.find((s) => !validProxy(s));
  if (bad !== undefined || list.length === 0)
    throw new ConfigError(
      'QK_TRUST_PROXY',
      `"${bad ?? v}" is not a hop count, an IP address, a CIDR range or one of ${RANGE_NAMES.join(', ')}`,
    );
  return list;
}

/** Limits that keep slow or hostile clients from exhausting a node. */
export function httpSettings(env: Env, file: FileConfig): HttpConfig {
  const h = file.http ?? {};
  const metricsToken = env.QK_METRICS_TOKEN ?? h.metricsToken ?? null;
  if (metricsToken !== null && metricsToken.length < 32)
    throw new ConfigError('QK_METRICS_TOKEN', 'must be at least 32 characters');
  return {
    maxConnections: intVar(env, 'QK_MAX_CONNECTIONS', 1, 1_000_000) ?? h.maxConnections ?? 10_000,
    maxConnectionsPerIp: intVar(env, 'QK_MAX_CONNECTIONS_PER_IP', 0, 1_000_000) ?? h.maxConnectionsPerIp ?? 512,
    requestTimeoutMs: intVar(env, 'QK_REQUEST_TIMEOUT_MS', 100, 600_000) ?? h.requestTimeoutMs ?? 30_000,
    requestBudgetMs: intVar(env, 'QK_REQUEST_BUDGET_MS', 500, 600_000) ?? h.requestBudgetMs ?? 5_000,
    tokenGuessLimit: intVar(env, 'QK_TOKEN_GUESS_LIMIT', 0, 1_000_000) ?? h.tokenGuessLimit ?? 30,
    // Nested under `token` so that the backup's configuration snapshot redacts it like every secret.
    metrics: { token: metricsToken },
  };
}
