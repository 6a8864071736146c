/** Readable reports of one run's result document (docs/maintenance.md), for the HTTP API and the CLI. */
export { renderHtml, escapeHtml } from './html.js';
export { renderMarkdown, escapeMarkdown } from './markdown.js';
export { CHART_KEY } from './values.js';
