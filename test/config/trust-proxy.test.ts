import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors/index.js';

/** QK_TRUST_PROXY takes a hop count or proxy addresses, never "trust everything" (contract §11). */
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
