import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { CronExpressionParser } from 'cron-parser';
import { DEFAULT_PLANS } from '../../../src/config/index.js';
import { cronOf, nextSlot } from '../../../src/maintenance/engine/index.js';
import { engineSuite, registry, type Node } from '../../support/maintenance.js';

const SCHEDULED = Object.entries(DEFAULT_PLANS)
  .filter(([, p]) => p.cron !== null)
  .map(([name]) => name);
const ZONES = ['UTC', 'America/New_York', 'Europe/Berlin'];
/** Ordinary days, quarter and year ends, and both 2026 DST changes in New York and Berlin. */
const REFERENCES = [
  '2026-01-01T00:00:00Z',
  '2026-02-28T23:59:59Z',
  '2026-03-07T12:00:00Z',
  '2026-03-08T05:30:00Z',
  '2026-03-08T06:30:00Z',
  '2026-03-28T12:00:00Z',
  '2026-03-29T00:30:00Z',
  '2026-06-30T23:59:59Z',
  '2026-09-30T12:00:00Z',
  '2026-10-24T12:00:00Z',
  '2026-10-25T00:30:00Z',
  '2026-10-31T12:00:00Z',
  '2026-11-01T05:30:00Z',
  '2026-12-31T23:00:00Z',
];

/**
 * Where croner (the engine's library) and cron-parser disagree: only when a wall-clock time
 * occurs twice as clocks go back. cron-parser then fires at every occurrence; croner fires once,
 * and not even on the same occurrence in every zone (the second 02:00 in Berlin, the first 01:00
 * in New York). Either way each slot still runs once, so we keep croner and pin what it does.
 * Nonexistent times (clocks going forward) agree: both move to the first valid instant after.
 */
const KNOWN_DIFFERENCES: Record<string, { croner: string; cronParser: string }> = {
  'daily Europe/Berlin 2026-10-24T12:00:00Z': {
    croner: '2026-10-25T01:00:00.000Z',
    cronParser: '2026-10-25T00:00:00.000Z',
  },
  'backup Europe/Berlin 2026-10-25T00:30:00Z': {
    croner: '2026-10-25T02:00:00.000Z',
    cronParser: '2026-10-25T01:00:00.000Z',
  },
  'backup America/New_York 2026-11-01T05:30:00Z': {
    croner: '2026-11-01T07:00:00.000Z',
    cronParser: '2026-11-01T06:00:00.000Z',
  },
};

function cronParserNext(expr: string, tz: string, from: Date): string {
  return CronExpressionParser.parse(expr, { currentDate: from, tz }).next().toDate().toISOString();
}

describe('nextRun of every shipped plan', () => {
  const suite = engineSuite('sqlite');
  const nodes = new Map<string, Node>();
  let clock = new Date();

  before(async () => {
    const plans = Object.fromEntries(SCHEDULED.map((n) => [n, { enabled: true }]));
    for (const tz of ZONES)
      nodes.set(
        tz,
        await suite.open(suite.config({ plans, env: { QK_TIMEZONE: tz } }), { steps: registry({}), now: () => clock }),
      );
  });

  it('covers daily, weekly, monthly, quarterly and backup', () => {
    assert.deepEqual(SCHEDULED.sort(), ['backup', 'daily', 'monthly', 'quarterly', 'weekly']);
  });

  for (const tz of ZONES) {
    it(`equals cron-parser's answer in ${tz}, DST changes included`, async () => {
      for (const ref of REFERENCES) {
        clock = new Date(ref);
        const entries = await nodes.get(tz)!.m.schedule();
        for (const name of SCHEDULED) {
          const entry = entries.find((e) => e.name === name)!;
          assert.equal(entry.timezone, tz);
          const expected = cronParserNext(entry.cron!, tz, clock);
          const known = KNOWN_DIFFERENCES[`${name} ${tz} ${ref}`];
          if (known) {
            assert.equal(expected, known.cronParser, `cron-parser changed its answer for ${name} ${tz} ${ref}`);
            assert.equal(entry.nextRun, known.croner, `${name} ${tz} from ${ref}`);
          } else assert.equal(entry.nextRun, expected, `${name} ${tz} from ${ref}`);
        }
      }
    });
  }

  it('moves daily 02:00 to 03:00 EDT on 2026-03-08 in New York, where 02:00 does not exist', async () => {
    clock = new Date('2026-03-07T12:00:00Z');
    const daily = (await nodes.get('America/New_York')!.m.schedule()).find((e) => e.name === 'daily')!;
    assert.equal(daily.nextRun, '2026-03-08T07:00:00.000Z');
    assert.equal(cronParserNext('0 2 * * *', 'America/New_York', clock), '2026-03-08T07:00:00.000Z');
  });

  it('walks the repeated hour of a fall-back strictly forward, each slot once', () => {
    for (const tz of ['America/New_York', 'Europe/Berlin']) {
      const cron = cronOf({
        name: 'backup',
        cron: '0 * * * *',
        steps: ['backup'],
        priority: 'high',
        enabled: true,
        timezone: tz,
      })!;
      let cur = new Date(tz === 'Europe/Berlin' ? '2026-10-24T20:00:00Z' : '2026-11-01T02:00:00Z');
      const seen = new Set<number>();
      for (let i = 0; i < 10; i++) {
        const next = nextSlot(cron, cur)!;
        assert.ok(next > cur);
        assert.ok(!seen.has(next.getTime()));
        seen.add(next.getTime());
        cur = next;
      }
    }
  });

  it('shows no nextRun for an on-demand plan', async () => {
    const preventive = (await nodes.get('UTC')!.m.schedule()).find((e) => e.name === 'preventive')!;
    assert.equal(preventive.cron, null);
    assert.equal(preventive.nextRun, null);
  });
});
