import { ConfigError, EXIT, isAppError } from '../errors/index.js';

/** Prints exactly one JSON document (for --json) or human text; the CLI's only output path. */
export function emit(json: boolean, doc: unknown, human: () => string): void {
  if (json) process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  else process.stdout.write(`${human()}\n`);
}

/** Progress goes to stderr and only when a person is watching. */
export function progress(json: boolean, line: string): void {
  if (!json && process.stdout.isTTY) process.stderr.write(`${line}\n`);
}

export class UsageError extends Error {}

/** Maps an error to the contract's exit statuses: 2 for bad usage or config, 1 for failure. */
export function fail(e: unknown, json: boolean): never {
  const usage =
    e instanceof ConfigError ||
    e instanceof UsageError ||
    (isAppError(e) && (e.code === 'validation_failed' || e.code === 'not_found'));
  const code = e instanceof ConfigError ? 'config_invalid' : isAppError(e) ? e.code : usage ? 'usage' : 'failed';
  const message = e instanceof Error ? e.message : String(e);
  if (json) process.stdout.write(`${JSON.stringify({ error: { code, message } })}\n`);
  else process.stderr.write(`queuekeeper: ${e instanceof ConfigError ? 'configuration error: ' : ''}${message}\n`);
  process.exit(usage ? EXIT.usage : EXIT.failed);
}
