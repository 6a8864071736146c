import type { RunDocument, StepResult } from '../types.js';
import {
  MAX_DEPTH,
  MAX_ROWS,
  chartDataUri,
  columnsOf,
  duration,
  isChart,
  isRecord,
  isScalar,
  scalarText,
  summaryRows,
} from './values.js';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Every piece of text from a run (step output, error messages) goes through here. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

const STYLE = `
body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:70rem;padding:0 1rem;color:#1b1f24}
table{border-collapse:collapse;margin:.4rem 0 1rem}th,td{border:1px solid #d0d7de;padding:.25rem .55rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}td table{margin:0}.st{font-weight:600;padding:.05rem .45rem;border-radius:.3rem}
.succeeded{background:#dafbe1}.failed,.interrupted,.error,.critical{background:#ffebe9}.warning,.nothing{background:#fff8c5}
.skipped,.running,.info{background:#eaeef2}.err{color:#a40e26}.chart img{max-width:100%;border:1px solid #d0d7de}
section{border-top:1px solid #d0d7de;margin-top:1.5rem}`;

/**
 * A run as one self-contained HTML page. The CSP forbids scripts and remote loads, and charts are
 * shown as data: images, which cannot run script even if a figure carried some.
 */
export function renderHtml(run: RunDocument): string {
  const title = `Maintenance ${run.plan}: ${run.status}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>
<h1>Maintenance run: ${escapeHtml(run.plan)} ${badge(run.status)}${run.measuredNothing ? ' <span class="st nothing">measured nothing</span>' : ''}</h1>
${keyValueTable(summaryRows(run))}
<h2>Steps</h2>
${overview(run.steps)}
${run.steps.map(stepSection).join('\n')}
</body></html>
`;
}

function badge(status: string): string {
  return `<span class="st ${escapeHtml(status)}">${escapeHtml(status)}</span>`;
}

function keyValueTable(rows: [string, string][]): string {
  return `<table>${rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</table>`;
}

function overview(steps: readonly StepResult[]): string {
  if (steps.length === 0) return '<p>No step results.</p>';
  const rows = steps.map(
    (s, i) =>
      `<tr><td>${i + 1}</td><td><a href="#step-${i + 1}">${escapeHtml(s.name)}</a></td><td>${badge(s.status)}</td><td>${escapeHtml(duration(s.durationMs))}</td><td class="err">${escapeHtml(s.error ?? '')}</td></tr>`,
  );
  return `<table><tr><th>#</th><th>Step</th><th>Status</th><th>Duration</th><th>Error</th></tr>${rows.join('')}</table>`;
}

function stepSection(s: StepResult, i: number): string {
  const parts = [
    `<section id="step-${i + 1}"><h3>${i + 1}. ${escapeHtml(s.name)} ${badge(s.status)} <small>${escapeHtml(duration(s.durationMs))}</small></h3>`,
  ];
  if (s.error) parts.push(`<p class="err"><strong>Error:</strong> ${escapeHtml(s.error)}</p>`);
  if (s.findings.length > 0) {
    const items = s.findings.map((f) => `<li>${badge(String(f.severity))} ${escapeHtml(String(f.message))}</li>`);
    parts.push(`<h4>Findings</h4><ul>${items.join('')}</ul>`);
  }
  if (Object.keys(s.figures).length > 0) parts.push(`<h4>Figures</h4>${recordTable(s.figures, 0)}`);
  parts.push('</section>');
  return parts.join('\n');
}

function recordTable(obj: Record<string, unknown>, depth: number): string {
  const rows = Object.entries(obj).map(
    ([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${value(k, v, depth + 1)}</td></tr>`,
  );
  return `<table>${rows.join('')}</table>`;
}

function value(key: string, v: unknown, depth: number): string {
  if (isChart(key, v)) return `<div class="chart"><img alt="chart" src="${chartDataUri(v)}"></div>`;
  if (isScalar(v)) return escapeHtml(scalarText(v));
  if (depth > MAX_DEPTH) return `<code>${escapeHtml(JSON.stringify(v))}</code>`;
  if (Array.isArray(v)) return list(v, depth);
  if (isRecord(v)) return Object.keys(v).length === 0 ? '—' : recordTable(v, depth);
  return escapeHtml(scalarText(v));
}

function list(items: readonly unknown[], depth: number): string {
  if (items.length === 0) return 'none';
  if (items.every(isScalar)) return escapeHtml(items.map(scalarText).join(', '));
  const more = items.length > MAX_ROWS ? `<p>… and ${items.length - MAX_ROWS} more</p>` : '';
  const shown = items.slice(0, MAX_ROWS);
  if (shown.every(isRecord)) {
    const cols = columnsOf(shown);
    const head = `<tr>${cols.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr>`;
    const body = shown.map((r) => `<tr>${cols.map((c) => `<td>${value(c, r[c], depth + 1)}</td>`).join('')}</tr>`);
    return `<table>${head}${body.join('')}</table>${more}`;
  }
  return `<ol>${shown.map((x) => `<li>${value('', x, depth + 1)}</li>`).join('')}</ol>${more}`;
}
