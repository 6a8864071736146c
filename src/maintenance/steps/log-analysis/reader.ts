import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/** Plain logs written by pino-roll and the ones the weekly step has gzipped. */
const LOG_FILE = /\.log(\.gz)?$/;

/**
 * The log files in `dir`, sorted by name. Only regular files: a symlink (pino-roll can keep a
 * `current.log` link to the active file) would make the same lines count twice. Rejects when the
 * folder is missing or unreadable, which the caller reports as "nothing to measure".
 */
export async function listLogFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && LOG_FILE.test(e.name))
    .map((e) => join(dir, e.name))
    .sort();
}

/**
 * Every line of one file, streamed so a 50 MB log never sits in memory whole. A `.gz` file is
 * decompressed on the fly; `pipeline` forwards a read error or a corrupt stream to the gunzip
 * stream, and readline turns that into a rejection of the iteration.
 */
export async function* readLogLines(file: string): AsyncGenerator<string> {
  const source = createReadStream(file);
  let input: Readable = source;
  if (file.endsWith('.gz')) {
    // The callback only silences the unhandled-error path; readline sees the error on gunzip.
    input = pipeline(source, createGunzip(), () => undefined);
  }
  const lines = createInterface({ input, crlfDelay: Infinity });
  try {
    for await (const line of lines) yield line;
  } finally {
    // Also runs when the consumer stops early (abort), so the file descriptor is released.
    lines.close();
    input.destroy();
    source.destroy();
  }
}
