import type { RunDocument, StepResult } from '../types.js';
import { MAX_DEPTH, MAX_ROWS, duration, isChart, isRecord, isScalar, scalarText, summaryRows } from './values.js';

/** Text from a run is data, not markup: characters Markdown would act on are escaped. */
function escapeMarkdown(s: string): string {
  return s.replace(/\r?\n/g, ' ').replace(/[\\`*_[\]<>|&~#]/g, (c) => `\\${c}`);
}

/** A run as Markdown, for terminals, tickets and chat (the CLI's `--format md`). */
export function renderMarkdown(run: RunDocument): string {
  const out: string[] = [
    `# Maintenance run: ${escapeMarkdown(run.plan)} (${run.status}${run.measuredNothing ? ', measured nothing' : ''})`,
    '',
  ];
  out.push(
    ...table(
      ['', ''],
      summaryRows(run).map(([k, v]) => [`**${k}**`, escapeMarkdown(v)]),
    ),
    '',
  );
  out.push('## Steps', '');
  if (run.steps.length === 0) out.push('No step results.', '');
  else {
    const rows = run.steps.map((s, i) => [
      String(i + 1),
      escapeMarkdown(s.name),
      s.status,
      duration(s.durationMs),
      escapeMarkdown(s.error ?? ''),
    ]);
    out.push(...table(['#', 'Step', 'Status', 'Duration', 'Error'], rows), '');
  }
  run.steps.forEach((s, i) => out.push(...stepSection(s, i)));
  return `${out.join('\n').trimEnd()}\n`;
}

function stepSection(s: StepResult, i: number): string[] {
  const out = [`### ${i + 1}. ${escapeMarkdown(s.name)}: ${s.status} (${duration(s.durationMs)})`, ''];
  if (s.error) out.push(`**Error:** ${escapeMarkdown(s.error)}`, '');
  if (s.findings.length > 0) {
    out.push('**Findings**', '');
    for (const f of s.findings)
      out.push(`- **${escapeMarkdown(String(f.severity))}**: ${escapeMarkdown(String(f.message))}`);
    out.push('');
  }
  const rows = flatten(s.figures, '', 0);
  if (rows.length > 0) out.push('**Figures**', '', ...table(['Figure', 'Value'], rows), '');
  return out;
}

/** Nested figures become dotted names (`queueMetrics.totalQueues`), so one two-column table holds them. */
function flatten(obj: Record<string, unknown>, prefix: string, depth: number): string[][] {
  const rows: string[][] = [];
  for (const [k, v] of Object.entries(obj)) {
    const name = prefix ? `${prefix}.${k}` : k;
    if (isChart(k, v)) rows.push([escapeMarkdown(name), '(chart: see the HTML report)']);
    else if (isRecord(v) && depth < MAX_DEPTH && Object.keys(v).length > 0) rows.push(...flatten(v, name, depth + 1));
    else rows.push([escapeMarkdown(name), cell(v)]);
  }
  return rows;
}

function cell(v: unknown): string {
  if (isScalar(v)) return escapeMarkdown(scalarText(v));
  if (Array.isArray(v)) {
    if (v.length === 0) return 'none';
    if (v.every(isScalar))
      return (
        escapeMarkdown(v.slice(0, MAX_ROWS).map(scalarText).join(', ')) +
        (v.length > MAX_ROWS ? ` … (${v.length} in all)` : '')
      );
    // Lists of records read badly in one cell; show the first few and the count.
    const shown = v.slice(0, 5).map((x) => escapeMarkdown(JSON.stringify(x) ?? String(x)));
    return `${shown.join('<br>')}${v.length > 5 ? `<br>… (${v.length} in all)` : ''}`;
  }
  if (isRecord(v) && Object.keys(v).length === 0) return '—';
  return escapeMarkdown(JSON.stringify(v) ?? String(v));
}

function table(head: string[], rows: string[][]): string[] {
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ];
}
