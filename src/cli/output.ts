import type { Command } from 'commander';
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

/** Something the operator should know even in scripts: stderr, with --json too (stdout stays one document). */
export function notice(line: string): void {
  process.stderr.write(`queuekeeper: ${line}\n`);
}

/**
 * The command could not be understood (exit 2). `code` is the error document's code: `usage`, or
 * `not_found` for a name or id the command was given that names nothing (an unknown plan, step or
 * run), so a script can tell a typo from a malformed argument.
 */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly code: 'usage' | 'not_found' = 'usage',
  ) {
    super(message);
  }
}

/**
 * The contract's exit statuses, in one place: 2 for bad usage or config (the command could not
 * be understood, an unknown plan, step or run included), 1 for anything that failed once
 * understood: a backup that is asked for and is not there is reported missing, like one that does
 * not verify.
 */
function exitCodeOf(e: unknown): number {
  if (e instanceof ConfigError || e instanceof UsageError) return EXIT.usage;
  if (isAppError(e) && e.code === 'validation_failed') return EXIT.usage;
  return EXIT.failed;
}

/** The one error document: `{error: {code, message}}`, plus the reason and details when there are. */
function errorDocument(e: unknown): { error: Record<string, unknown> } {
  const message = e instanceof Error ? e.message : String(e);
  if (e instanceof ConfigError) return { error: { code: 'config_invalid', message } };
  if (e instanceof UsageError) return { error: { code: e.code, message } };
  if (!isAppError(e)) return { error: { code: 'failed', message } };
  const reason = e.details?.reason;
  return {
    error: {
      code: e.code,
      ...(typeof reason === 'string' ? { reason } : {}),
      message,
      ...(e.details ? { details: e.details } : {}),
    },
  };
}

function fail(e: unknown, json: boolean): never {
  if (json) process.stdout.write(`${JSON.stringify(errorDocument(e))}\n`);
  else
    process.stderr.write(
      `queuekeeper: ${e instanceof ConfigError ? 'configuration error: ' : ''}${e instanceof Error ? e.message : String(e)}\n`,
    );
  process.exit(exitCodeOf(e));
}

/** Runs a command, mapping its errors to exit statuses. */
export const run = (json: boolean, fn: () => Promise<void>): Promise<void> => fn().catch((e: unknown) => fail(e, json));
export type Run = typeof run;

/**
 * Commander's own usage errors (a missing option, an unknown command) follow the same rules: exit
 * 2, and with --json one error document on stdout instead of text on stderr. Call before adding
 * commands: subcommands copy these settings when they are created.
 */
export function configureProgram(program: Command, argv: readonly string[]): Command {
  const json = argv.includes('--json');
  program.configureOutput({ writeErr: (s) => (json ? undefined : process.stderr.write(s)) });
  program.exitOverride((err) => {
    if (err.exitCode === 0) process.exit(0);
    if (json) {
      const message = err.message.replace(/^error: /, '');
      process.stdout.write(`${JSON.stringify({ error: { code: 'usage', message } })}\n`);
    }
    process.exit(EXIT.usage);
  });
  return program;
}
