import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderHtml, renderMarkdown } from '../../../src/maintenance/report/index.js';
import type { RunDocument } from '../../../src/maintenance/types.js';

const EVIL = '<script>alert(1)</script>';
const CHART = '<svg viewBox="0 0 10 10"><rect width="10" height="5"/></svg>';

const run: RunDocument = {
  id: 'run_abc',
  plan: 'daily',
  trigger: 'schedule',
  scheduledFor: '2026-01-15T02:00:00.000Z',
  startedAt: '2026-01-15T02:00:00.100Z',
  endedAt: '2026-01-15T02:00:03.600Z',
  durationMs: 3500,
  status: 'failed',
  success: false,
  measuredNothing: false,
  steps: [
    {
      name: 'healthCheck',
      status: 'failed',
      durationMs: 12,
      figures: { databaseHealth: 'Unhealthy', latencies: { databaseMs: 1.23456, redisMs: null } },
      findings: [{ severity: 'error', message: `database said ${EVIL}` }],
      error: `connect ECONNREFUSED ${EVIL}`,
    },
    {
      name: 'capacityPlanning',
      status: 'succeeded',
      durationMs: 40,
      figures: {
        svgChart: CHART,
        forecast: [
          { day: '2026-02-01', joined: 1200, note: EVIL },
          { day: '2026-02-02', joined: 1300 },
        ],
        tags: ['a|b', 'c'],
      },
      findings: [],
      error: null,
    },
  ],
};

describe('HTML report', () => {
  const html = renderHtml(run);

  it('escapes everything that came from the run', () => {
    assert.ok(!html.includes('<script'), 'no script element, whatever the steps said');
    assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  });

  it('is self-contained and forbids scripts and remote loads', () => {
    assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
    assert.ok(!/(src|href)="https?:/.test(html));
  });

  it('shows the summary, every step, and figures as tables', () => {
    for (const text of [
      'run_abc',
      'daily',
      'healthCheck',
      'capacityPlanning',
      'Unhealthy',
      '1.235',
      '3.5 s',
      '2026-02-02',
      '1,300',
    ])
      assert.ok(html.includes(text), text);
    assert.match(html, /<th>day<\/th><th>joined<\/th><th>note<\/th>/);
  });

  it('embeds an svgChart figure as an image that cannot run script', () => {
    const m = /<img alt="chart" src="data:image\/svg\+xml;base64,([A-Za-z0-9+/=]+)">/.exec(html);
    assert.ok(m, 'the chart is embedded');
    const svg = Buffer.from(m[1]!, 'base64').toString('utf8');
    assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" viewBox/);
    assert.ok(!html.includes('<svg'), 'not inlined as markup');
  });
});

describe('Markdown report', () => {
  const md = renderMarkdown(run);

  it('has the summary, a step table and each step with its figures', () => {
    assert.match(md, /^# Maintenance run: daily \(failed\)/);
    assert.match(md, /\| 1 \| healthCheck \| failed \| 12 ms \|/);
    assert.match(md, /\| latencies\.databaseMs \| 1\.235 \|/);
    assert.match(md, /\| svgChart \| \(chart: see the HTML report\) \|/);
  });

  it('escapes text that would break the tables or become markup', () => {
    assert.ok(!md.includes('<script>'));
    assert.ok(md.includes('a\\|b, c'));
  });
});
