import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { configSnapshot } from '../../src/backup/config-snapshot.js';
import { loadConfig } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors/index.js';

/** HTTP settings: QK_TRUST_PROXY takes a hop count or proxy addresses, never "trust everything" (docs/http-limits.md). */
describe('QK_TRUST_PROXY', () => {
  const load = (v: string) => loadConfig({ QK_DATA_DIR: '/tmp/qk-trust', QK_TRUST_PROXY: v }).trustProxy;

  test('unset, off or 0 trust no proxy', () => {
    assert.equal(loadConfig({ QK_DATA_DIR: '/tmp/qk-trust' }).trustProxy, false);
    for (const v of ['off', 'false', '0', '']) assert.equal(load(v), false, v);
  });

  test('a hop count or a list of addresses and ranges', () => {
    assert.equal(load('2'), 2);
    assert.deepEqual(load('10.0.0.1, 192.168.0.0/16,::1,loopback'), ['10.0.0.1', '192.168.0.0/16', '::1', 'loopback']);
  });

  test('"trust everything" and nonsense stop the start, naming the variable', () => {
    for (const v of ['on', 'true', 'yes', '11', '10.0.0.1/33', 'proxy.example.com', '1.2.3']) {
      assert.throws(
        () => load(v),
        (e: unknown) => e instanceof ConfigError && e.variable === 'QK_TRUST_PROXY',
        v,
      );
    }
  });
});

describe('QK_METRICS_TOKEN', () => {
  const token = 'scrape-token-0123456789abcdef0123456789';

  test('is kept out of the backup configuration snapshot', () => {
    const config = loadConfig({ QK_DATA_DIR: '/tmp/qk-trust', QK_METRICS_TOKEN: token });
    assert.equal(config.http.metrics.token, token);
    const snapshot = JSON.stringify(configSnapshot(config, new Date()));
    assert.ok(!snapshot.includes(token), 'the scrape token is in the snapshot');
  });

  test('shorter than 32 characters stops the start', () => {
    assert.throws(
      () => loadConfig({ QK_DATA_DIR: '/tmp/qk-trust', QK_METRICS_TOKEN: 'short' }),
      (e: unknown) => e instanceof ConfigError && e.variable === 'QK_METRICS_TOKEN',
    );
  });
});

describe('QK_REQUEST_BUDGET_MS', () => {
  const load = (v?: string) =>
    loadConfig({ QK_DATA_DIR: '/tmp/qk-trust', ...(v === undefined ? {} : { QK_REQUEST_BUDGET_MS: v }) }).http
      .requestBudgetMs;

  test('defaults to 5 seconds and takes milliseconds', () => {
    assert.equal(load(), 5000);
    assert.equal(load('1500'), 1500);
  });

  test('a value out of range or not a number stops the start, naming the variable', () => {
    for (const v of ['0', '499', '600001', 'soon', '2.5'])
      assert.throws(
        () => load(v),
        (e: unknown) => e instanceof ConfigError && e.variable === 'QK_REQUEST_BUDGET_MS',
        v,
      );
  });
});
