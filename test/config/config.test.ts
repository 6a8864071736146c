import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors/index.js';

const bad = (env: Record<string, string>, variable: string) =>
  assert.throws(
    () => loadConfig(env),
    (e: unknown) => e instanceof ConfigError && e.variable === variable,
  );

describe('configuration', () => {
  it('resolves the embedded defaults and freezes the result', () => {
    const c = loadConfig({});
    assert.equal(c.port, 8080);
    assert.equal(c.host, '127.0.0.1');
    assert.equal(c.database.kind, 'sqlite');
    assert.equal(c.redis, null);
    assert.equal(c.joinRateLimit, 30);
    assert.deepEqual(
      c.maintenance.plans.map((p) => [p.name, p.cron, p.priority]),
      [
        ['daily', '0 2 * * *', 'high'],
        ['weekly', '0 3 * * 0', 'high'],
        ['monthly', '0 4 1 * *', 'medium'],
        ['quarterly', '0 5 1 1,4,7,10 *', 'medium'],
        ['preventive', null, 'medium'],
        ['backup', '0 * * * *', 'high'],
      ],
    );
    assert.ok(Object.isFrozen(c) && Object.isFrozen(c.maintenance.plans[0]));
  });

  it('names the variable and the problem for every bad value', () => {
    bad({ PORT: 'eighty' }, 'PORT');
    bad({ PORT: '70000' }, 'PORT');
    bad({ QK_TIMEZONE: 'Mars/Olympus' }, 'QK_TIMEZONE');
    bad({ QK_MASTER_KEY: 'short' }, 'QK_MASTER_KEY');
    bad({ QK_SCHEDULER: 'maybe' }, 'QK_SCHEDULER');
    bad({ QK_JOIN_RATE_LIMIT: '-1' }, 'QK_JOIN_RATE_LIMIT');
    bad({ LOG_LEVEL: 'loud' }, 'LOG_LEVEL');
    bad({ REDIS_URL: 'http://x' }, 'REDIS_URL');
    bad({ DATABASE_URL: 'mysql://x/y' }, 'DATABASE_URL');
    bad({ QK_PLAN_DAILY_CRON: '61 * * * *' }, 'QK_PLAN_DAILY_CRON');
    bad({ QK_PLAN_DAILY_CRON: '* * *' }, 'QK_PLAN_DAILY_CRON');
    bad({ QK_PLAN_NIGHTLY_CRON: '0 1 * * *' }, 'QK_PLAN_NIGHTLY_CRON');
    bad({ QK_PLAN_WEEKLY_ENABLED: 'perhaps' }, 'QK_PLAN_WEEKLY_ENABLED');
    bad({ QK_BACKUP_ENCRYPTION_KEY: 'abc' }, 'QK_BACKUP_ENCRYPTION_KEY');
  });

  it('lets env win over the config file, and rejects unknown keys and bad files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qk-cfg-'));
    const file = join(dir, 'qk.json');
    writeFileSync(
      file,
      JSON.stringify({
        port: 9000,
        maintenance: { plans: { nightly: { cron: '*/5 * * * * *', steps: ['healthCheck'] } } },
      }),
    );
    const c = loadConfig({ QK_CONFIG: file, PORT: '9100', QK_PLAN_DAILY_ENABLED: 'false' });
    assert.equal(c.port, 9100);
    assert.deepEqual(c.maintenance.plans.find((p) => p.name === 'nightly')?.steps, ['healthCheck']);
    assert.equal(c.maintenance.plans.find((p) => p.name === 'daily')?.enabled, false);

    writeFileSync(file, JSON.stringify({ prot: 9000 }));
    bad({ QK_CONFIG: file }, 'QK_CONFIG');
    writeFileSync(file, '{ not json');
    bad({ QK_CONFIG: file }, 'QK_CONFIG');
    writeFileSync(file, JSON.stringify({ maintenance: { plans: { nightly: { cron: '0 1 * * *' } } } }));
    bad({ QK_CONFIG: file }, 'QK_CONFIG');
    writeFileSync(file, JSON.stringify({ maintenance: { plans: { daily: { steps: ['noSuchStep'] } } } }));
    bad({ QK_CONFIG: file }, 'QK_CONFIG');
    bad({ QK_CONFIG: join(dir, 'missing.yaml') }, 'QK_CONFIG');
  });

  it('reads YAML files and six-field (seconds-first) crons', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qk-cfg-'));
    const file = join(dir, 'qk.yaml');
    writeFileSync(file, 'maintenance:\n  plans:\n    daily:\n      cron: "*/10 * * * * *"\n');
    assert.equal(
      loadConfig({ QK_CONFIG: file }).maintenance.plans.find((p) => p.name === 'daily')?.cron,
      '*/10 * * * * *',
    );
  });
});
