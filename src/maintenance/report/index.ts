/** Readable reports of one run's result document (docs/maintenance.md), for the HTTP API and the CLI. */
export { renderHtml } from './html.js';
export { renderMarkdown } from './markdown.js';
