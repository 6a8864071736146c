import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import roll from 'pino-roll';
import { createLogger, LOG_FILE_MODE, rollOptions, type Logger } from '../../src/logging/logger.js';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'qk-logfiles-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

const modeOf = async (file: string): Promise<number> => (await stat(file)).mode & 0o777;
const logFiles = async (dir: string): Promise<string[]> =>
  (await readdir(dir))
    .filter((f) => /\.log$/.test(f))
    .sort()
    .map((f) => join(dir, f));
const textOf = async (dir: string): Promise<string> =>
  (await Promise.all((await logFiles(dir)).map((f) => readFile(f, 'utf8')))).join('');

/** The transport writes from a worker thread: waits until `marker` reached the folder (5 s at most). */
async function written(log: Logger, dir: string, marker: string): Promise<string> {
  log.flush();
  for (let i = 0; i < 250; i++) {
    const text = await textOf(dir).catch(() => '');
    if (text.includes(marker)) return text;
    await sleep(20);
  }
  assert.fail(`"${marker}" never reached ${dir}`);
}

/** pino-roll in this thread, with the product's options, writing until it has rotated. */
async function rotate(dir: string, maxFiles: number): Promise<void> {
  const dest = await roll(rollOptions(dir, { rotateSize: '1k', maxFiles }));
  const rolled = async (): Promise<boolean> => (await logFiles(dir)).some((f) => /\d\.2\.log$/.test(f));
  for (let i = 0; i < 500 && !(await rolled()); i++) {
    dest.write(`${JSON.stringify({ i, pad: 'x'.repeat(100) })}\n`);
    // pino-roll rolls on the file's next 'drain', which comes once a write has reached the disk.
    await once(dest, 'drain');
  }
  dest.end();
  await new Promise((r) => dest.once('close', r));
}

describe('log files', () => {
  it('are created readable by the owner only, in an owner-only folder', async () => {
    const dir = join(root, 'modes');
    const log = createLogger({ level: 'info', logDir: dir, stdout: false });
    log.info('first line');
    await written(log, dir, 'first line');
    for (const f of await logFiles(dir)) assert.equal(await modeOf(f), LOG_FILE_MODE, f);
    assert.equal(await modeOf(dir), 0o700);
  });

  it('are rotated owner-only too, and the oldest go past the count', async () => {
    const dir = join(root, 'rotation');
    await mkdir(dir, { recursive: true });
    for (let d = 1; d <= 5; d++) await writeFile(join(dir, `queuekeeper.2020-01-0${d}.1.log`), '{}\n');
    await rotate(dir, 3);
    const files = await logFiles(dir);
    assert.ok(files.length <= 3, files.join(', '));
    assert.ok(!files.some((f) => f.includes('2020-01-01')), 'the oldest went first');
    const rotated = files.filter((f) => !f.includes('2020-'));
    assert.ok(rotated.length >= 2, `a rotation happened: ${files.join(', ')}`);
    for (const f of rotated) assert.equal(await modeOf(f), LOG_FILE_MODE, f);
  });

  it('written by an older build are made owner-only at start', async () => {
    const dir = join(root, 'older');
    await mkdir(dir, { recursive: true });
    const old = join(dir, 'queuekeeper.2020-01-01.1.log');
    await writeFile(old, '{}\n');
    await chmod(old, 0o644);
    createLogger({ level: 'info', logDir: dir, stdout: false });
    assert.equal(await modeOf(old), LOG_FILE_MODE);
  });
});

describe('log redaction through the product’s logger', () => {
  it('replaces bearer keys, ticket tokens and secrets in the lines written to the log folder', async () => {
    const dir = join(root, 'redaction');
    const log = createLogger({ level: 'info', logDir: dir, stdout: false });
    log.info(
      {
        req: {
          headers: { authorization: 'Bearer qk_secret_admin', 'x-ticket-token': 'tok123' },
          query: { token: 'tok456' },
        },
      },
      'request',
    );
    log.info(
      { token: 'tok789', key: 'qk_plain', webhook: { secret: 'hmac-secret' }, database: { password: 'pw' } },
      'objects',
    );
    const text = await written(log, dir, '"msg":"objects"');
    for (const secret of ['qk_secret_admin', 'tok123', 'tok456', 'tok789', 'qk_plain', 'hmac-secret', '"pw"'])
      assert.ok(!text.includes(secret), `${secret} leaked: ${text}`);
    assert.equal((text.match(/\[redacted\]/g) ?? []).length, 7);
  });
});
