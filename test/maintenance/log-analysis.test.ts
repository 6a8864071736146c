import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { destination, pino } from 'pino';
import type { Thresholds } from '../../src/config/index.js';
import type { StepContext } from '../../src/maintenance/step.js';
import { analyzeLogs, logAnalysis, type LogFigures } from '../../src/maintenance/steps/log-analysis/index.js';
import type { Store } from '../../src/store/contract.js';
import { COMBOS } from '../support/harness.js';
import { stepContextOf } from '../support/maintenance.js';
import { openStepNode, type StepNode } from '../support/step-node.js';

const NOW = new Date('2025-03-10T02:00:00.000Z');
const HOUR = 3_600_000;
const FROM = new Date(NOW.getTime() - 24 * HOUR);
const THRESHOLDS: Thresholds = {
  maxErrorCount: 100,
  maxAverageResponseMs: 200,
  maxP95ResponseMs: 500,
  minThroughput: 1000,
  maxCpuPercent: 80,
  maxMemoryPercent: 80,
  maxDiskPercent: 90,
  securityBurst: 20,
};

/** One pino line `ago` ms before NOW; `ago` 0 is NOW itself, the window's excluded end. */
function line(ago: number, fields: Record<string, unknown> = {}): string {
  return JSON.stringify({ level: 30, time: NOW.getTime() - ago, pid: 1, hostname: 'qk', msg: 'ok', ...fields });
}
const lines = (n: number, make: (i: number) => string): string =>
  Array.from({ length: n }, (_, i) => `${make(i)}\n`).join('');
const request = (
  ago: number,
  method: string,
  url: string,
  responseTime: number,
  extra: Record<string, unknown> = {},
): string =>
  line(ago, {
    req: { method, url, remoteAddress: '10.0.0.1' },
    res: { statusCode: 200 },
    responseTime,
    msg: 'request completed',
    ...extra,
  });
const denied = (ago: number, ip: string, statusCode = 401): string =>
  line(ago, {
    req: { method: 'GET', url: '/api/keys', remoteAddress: ip },
    res: { statusCode },
    responseTime: 2,
    route: '/api/keys',
  });

let root: string;
/** A fresh log folder per test, so no test depends on another's files. */
async function logDir(files: Record<string, string | Buffer> = {}): Promise<string> {
  const dir = await mkdtemp(join(root, 'logs-'));
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
  return dir;
}
const analyze = (dir: string, thresholds: Thresholds = THRESHOLDS): Promise<LogFigures> =>
  analyzeLogs({ dir, from: FROM, to: NOW, thresholds });

let empty: StepNode;
let closed: StepNode;

/** The real store of a node without runs; the config holds what the step reads. */
function context(
  dir: string,
  opts: { store?: Store; thresholds?: Thresholds; signal?: AbortSignal; logLevel?: string } = {},
): StepContext {
  return stepContextOf(empty, {
    config: { logDir: dir, logLevel: opts.logLevel ?? 'info' },
    maintenance: { thresholds: opts.thresholds ?? THRESHOLDS },
    store: opts.store,
    signal: opts.signal,
    runId: 'run-test',
    plan: 'daily',
    now: () => NOW,
  });
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'qk-log-analysis-'));
  empty = await openStepNode(COMBOS[0]!);
  closed = await openStepNode(COMBOS[0]!);
  await closed.rt.close();
});
after(async () => {
  await empty.close();
  await closed.close().catch(() => undefined);
  await rm(root, { recursive: true, force: true });
});

describe('logAnalysis on clean logs', () => {
  it('succeeds with errorCount 0 and counts every line in the window', async () => {
    const dir = await logDir({
      'queuekeeper.2025-03-09.1.log': lines(50, (i) => request((i + 1) * 60_000, 'GET', '/api/queues/q1', 12)),
    });
    const figures = await analyze(dir);
    assert.equal(figures.errorCount, 0);
    assert.equal(figures.linesRead, 50);
    assert.equal(figures.filesRead, 1);
    assert.deepEqual(figures.performanceIssues, []);
    assert.deepEqual(figures.securityIssues, []);
    assert.deepEqual(figures.logSummary.byLevel, { info: 50 });

    const outcome = await logAnalysis(context(dir));
    assert.equal(outcome.status, 'succeeded');
    assert.equal(outcome.figures.errorCount, 0);
    assert.deepEqual(outcome.figures.window, { from: FROM.toISOString(), to: NOW.toISOString() });
  });
});

describe('fault injection: error lines', () => {
  it('grows errorCount by exactly the number of error lines written', async () => {
    const dir = await logDir({ 'queuekeeper.2025-03-09.1.log': lines(20, (i) => line((i + 1) * 1000)) });
    const file = join(dir, 'queuekeeper.2025-03-09.1.log');
    const before = await analyze(dir);
    const N = 7;
    await appendFile(
      file,
      lines(N, (i) => line((i + 1) * 1000, { level: 50, msg: 'db write failed' })),
    );
    await appendFile(file, line(1000, { level: 60, msg: 'fatal crash' }) + '\n');
    const after = await analyze(dir);
    assert.equal(after.errorCount - before.errorCount, N + 1); // level >= 50 includes fatal
    assert.deepEqual(after.logSummary.topErrors[0], { message: 'db write failed', count: N });
    assert.equal(after.logSummary.byLevel.fatal, 1);
  });

  it('fails the step with an error finding once errorCount reaches maxErrorCount', async () => {
    const dir = await logDir({ 'a.log': lines(5, (i) => line((i + 1) * 1000, { level: 50, msg: 'boom' })) });
    const outcome = await logAnalysis(context(dir, { thresholds: { ...THRESHOLDS, maxErrorCount: 5 } }));
    assert.equal(outcome.status, 'failed');
    assert.ok(outcome.findings.some((f) => f.severity === 'error' && f.message.includes('5 error lines')));
  });
});

describe('the window', () => {
  it('counts only lines whose time is in [from, to)', async () => {
    const inside = [line(1, { level: 50 }), line(24 * HOUR, { level: 50 })]; // just before NOW, exactly FROM
    const outside = [line(24 * HOUR + 1, { level: 50 }), line(0, { level: 50 }), line(-HOUR, { level: 50 })];
    const dir = await logDir({ 'a.log': [...inside, ...outside].join('\n') });
    const figures = await analyze(dir);
    assert.equal(figures.linesRead, 2);
    assert.equal(figures.errorCount, 2);
  });

  it('reads the last 24 h when the store cannot say where the previous window ended, and notes it', async () => {
    const dir = await logDir({ 'a.log': line(HOUR) });
    const outcome = await logAnalysis(context(dir, { store: closed.rt.store }));
    assert.equal(outcome.status, 'succeeded');
    assert.deepEqual(outcome.figures.window, { from: FROM.toISOString(), to: NOW.toISOString() });
    assert.ok(outcome.findings.some((f) => f.severity === 'info' && f.message.includes('window unknown')));
  });
});

describe('what the log level lets the step measure', () => {
  for (const level of ['silent', 'fatal']) {
    it(`is skipped with the reason at LOG_LEVEL=${level}, not "0 errors"`, async () => {
      const dir = await logDir({ 'a.log': line(HOUR) });
      const outcome = await logAnalysis(context(dir, { logLevel: level }));
      assert.equal(outcome.status, 'skipped');
      assert.match(outcome.error ?? '', new RegExp(`LOG_LEVEL=${level} writes no error lines`));
      assert.equal(outcome.figures.errorCount, undefined, 'no error count is invented');
    });
  }

  it('measures at LOG_LEVEL=error and says that slow routes rest on 4xx and 5xx lines only', async () => {
    const dir = await logDir({ 'a.log': line(HOUR, { level: 50 }) });
    const outcome = await logAnalysis(context(dir, { logLevel: 'error' }));
    assert.equal(outcome.status, 'succeeded');
    assert.equal(outcome.figures.errorCount, 1);
    assert.ok(outcome.findings.some((f) => f.message.includes('4xx and 5xx')));
  });
});

describe('lines that are not user latency or not the product’s own errors', () => {
  it('leaves long-polls and event streams out of the slow routes', async () => {
    const wait = lines(20, (i) =>
      request((i + 1) * 1000, 'GET', `/api/maintenance/runs/r${i}/wait`, 30_000, {
        route: '/api/maintenance/runs/:id/wait',
      }),
    );
    const stream = lines(20, (i) =>
      request((i + 1) * 1000, 'GET', `/api/tickets/t${i}/events`, 600_000, { route: '/api/tickets/:ticketId/events' }),
    );
    const slow = lines(20, (i) => request((i + 1) * 1000, 'GET', '/api/queues/q1', 900, { route: '/api/queues/:id' }));
    const figures = await analyze(await logDir({ 'a.log': wait + stream + slow }));
    assert.deepEqual(figures.performanceIssues, [{ route: 'GET /api/queues/:id', count: 20, p95Ms: 900 }]);
    assert.equal(figures.linesRead, 60, 'the lines are still read');
  });

  it('counts maintenance’s own error lines apart from the error count', async () => {
    const own = lines(3, (i) =>
      line((i + 1) * 1000, { level: 50, component: 'maintenance', msg: 'maintenance step failed' }),
    );
    const alert = line(5000, { level: 50, component: 'alerts', msg: 'alert webhook delivery failed' });
    const product = line(6000, { level: 50, msg: 'db write failed' });
    const figures = await analyze(await logDir({ 'a.log': `${own}${alert}\n${product}\n` }));
    assert.equal(figures.errorCount, 1);
    assert.equal(figures.ownMaintenanceErrors, 4);
    assert.deepEqual(figures.logSummary.topErrors, [{ message: 'db write failed', count: 1 }]);
  });
});

describe('rotated and damaged files', () => {
  it('reads rotated .log.gz files', async () => {
    const gz = gzipSync(lines(3, (i) => line(2 * HOUR + i, { level: 50, msg: 'old' })));
    const dir = await logDir({
      'queuekeeper.2025-03-08.1.log.gz': gz,
      'queuekeeper.2025-03-09.1.log': line(HOUR) + '\n',
    });
    const figures = await analyze(dir);
    assert.equal(figures.filesRead, 2);
    assert.equal(figures.linesRead, 4);
    assert.equal(figures.errorCount, 3);
  });

  it('skips a corrupt gzip file whole, with a warning, and reads the others', async () => {
    const good = gzipSync(lines(2000, (i) => line(HOUR + i, { level: 50 })));
    const dir = await logDir({
      'bad.log.gz': 'this is not gzip\n',
      'truncated.log.gz': good.subarray(0, good.length - 40),
      'ok.log': line(HOUR) + '\n',
      'notes.txt': line(HOUR, { level: 50 }), // not a log file: ignored
    });
    const figures = await analyze(dir);
    assert.equal(figures.filesFound, 3);
    assert.equal(figures.filesRead, 1);
    assert.equal(figures.errorCount, 0, 'no line of a truncated gzip counts');
    assert.deepEqual(
      figures.unreadableFiles.map((f) => f.file),
      ['bad.log.gz', 'truncated.log.gz'],
    );
    const outcome = await logAnalysis(context(dir));
    assert.equal(outcome.status, 'warning');
    assert.equal(outcome.findings.filter((f) => f.severity === 'warning' && f.message.includes('.log.gz')).length, 2);
  });

  it('counts malformed lines and skips them', async () => {
    const bad = ['not json', '{"time":"yesterday","level":30}', '{"time":1}', '[1,2]', 'null', '{"level":30,"time":17'];
    const dir = await logDir({ 'a.log': [line(HOUR), ...bad, '', line(2 * HOUR)].join('\n') });
    const figures = await analyze(dir);
    assert.equal(figures.malformedLines, bad.length);
    assert.equal(figures.linesRead, 2);
    const outcome = await logAnalysis(context(dir));
    assert.equal(outcome.status, 'succeeded');
  });
});

describe('performance issues', () => {
  it('names a route whose p95 exceeds maxP95ResponseMs, grouped by route pattern', async () => {
    const slow = lines(40, (i) =>
      request((i + 1) * 1000, 'GET', `/api/tickets/t${i}?x=1`, i < 30 ? 50 : 900, { route: '/api/tickets/:ticketId' }),
    );
    const fast = lines(40, (i) => request((i + 1) * 1000, 'GET', `/api/queues/q1?cursor=${i}`, 20));
    const dir = await logDir({ 'a.log': slow + fast });
    const figures = await analyze(dir);
    assert.deepEqual(figures.performanceIssues, [{ route: 'GET /api/tickets/:ticketId', count: 40, p95Ms: 900 }]);
    const outcome = await logAnalysis(context(dir));
    assert.equal(outcome.status, 'warning');
    assert.ok(outcome.findings.some((f) => f.message.includes('GET /api/tickets/:ticketId')));
  });

  it('groups lines without a route pattern by URL path, query string dropped', async () => {
    const dir = await logDir({
      'a.log': lines(10, (i) => request((i + 1) * 1000, 'POST', `/api/queues/q1/call-next?n=${i}`, 700)),
    });
    const figures = await analyze(dir);
    assert.deepEqual(figures.performanceIssues, [{ route: 'POST /api/queues/q1/call-next', count: 10, p95Ms: 700 }]);
  });
});

describe('lines written by pino itself', () => {
  it('parses the real format: epoch-ms time, numeric level', async () => {
    const dir = await logDir();
    const file = join(dir, 'queuekeeper.2025-03-09.1.log');
    const log = pino({ base: { pid: 1 } }, destination({ dest: file, sync: true }));
    log.info('started');
    log.error({ err: new Error('disk full') }, 'backup failed');
    log.info(
      {
        req: { method: 'GET', url: '/api/tickets/t1', remoteAddress: '10.0.0.2' },
        res: { statusCode: 200 },
        responseTime: 3.25,
        route: '/api/tickets/:ticketId',
      },
      'request completed',
    );
    const now = new Date(Date.now() + 1000);
    const figures = await analyzeLogs({ dir, from: new Date(now.getTime() - HOUR), to: now, thresholds: THRESHOLDS });
    assert.equal(figures.linesRead, 3);
    assert.equal(figures.malformedLines, 0);
    assert.deepEqual(figures.logSummary.topErrors, [{ message: 'backup failed', count: 1 }]);
  });
});

describe('security issues', () => {
  it('reports a burst of 401s from one IP within 60 s, not spread-out denials', async () => {
    const burst = lines(25, (i) => denied(HOUR + i * 1000, '203.0.113.9'));
    const spread = lines(25, (i) => denied(HOUR + i * 5 * 60_000, '198.51.100.4', 429));
    const dir = await logDir({ 'a.log': burst + spread });
    const figures = await analyze(dir);
    assert.equal(figures.securityIssues.length, 1);
    const issue = figures.securityIssues[0]!;
    assert.equal(issue.kind, 'denied_burst');
    assert.equal(issue.ip, '203.0.113.9');
    assert.equal(issue.count, 25);
    assert.equal(issue.firstAt, new Date(NOW.getTime() - HOUR - 24_000).toISOString());
    assert.equal(issue.lastAt, new Date(NOW.getTime() - HOUR).toISOString());
    const outcome = await logAnalysis(context(dir));
    assert.equal(outcome.status, 'warning');
  });

  it('counts invalid ticket tokens and failed key checks', async () => {
    const dir = await logDir({
      'a.log':
        lines(3, (i) => line(HOUR + i, { event: 'ticket_token_invalid', level: 40 })) +
        lines(2, (i) => line(HOUR + i, { event: 'auth_failed', level: 40 })),
    });
    const figures = await analyze(dir);
    const byKind = Object.fromEntries(figures.securityIssues.map((s) => [s.kind, s.count]));
    assert.deepEqual(byKind, { ticket_token_invalid: 3, auth_failed: 2 });
  });
});

describe('nothing to measure', () => {
  it('is skipped with the reason when the folder holds no log files', async () => {
    const dir = await logDir({ 'readme.txt': 'x' });
    const figures = await analyze(dir);
    assert.equal(figures.filesFound, 0);
    const outcome = await logAnalysis(context(dir));
    assert.equal(outcome.status, 'skipped');
    assert.match(outcome.error ?? '', /no \*\.log/);
  });

  it('is skipped with the reason when the folder is missing', async () => {
    const outcome = await logAnalysis(context(join(root, 'does-not-exist')));
    assert.equal(outcome.status, 'skipped');
    assert.match(outcome.error ?? '', /ENOENT/);
  });

  it('stops when its signal is aborted', async () => {
    const dir = await logDir({ 'a.log': line(HOUR) });
    const ac = new AbortController();
    ac.abort(new Error('step timeout'));
    await assert.rejects(
      analyzeLogs({ dir, from: FROM, to: NOW, thresholds: THRESHOLDS, signal: ac.signal }),
      /step timeout/,
    );
    const outcome = await logAnalysis(context(dir, { signal: ac.signal }));
    assert.equal(outcome.status, 'failed');
  });
});
