import { loadConfig } from '../../config/index.js';
import { AppError } from '../../errors/index.js';
import { buildApp } from '../../http/app.js';
import type { Logger } from '../../logging/logger.js';
import { createRuntime } from '../../runtime/runtime.js';
import { openServingClaims } from '../../store/open-dump.js';

const printKey = (key: string): void => {
  process.stdout.write(
    `\nGenerated admin key (shown once; only its hash is stored):\n  ${key}\nKeep it safe. Set QK_MASTER_KEY to choose your own.\n\n`,
  );
};

/** `queuekeeper serve`: the HTTP server with the scheduler (unless QK_SCHEDULER=off). */
export async function serve(): Promise<void> {
  const config = loadConfig();
  // Before the database is opened: a restore in progress must not have it migrated under it.
  let log: Logger | undefined;
  const claim = await openServingClaims(config.database).serve(
    { pid: process.pid, address: config.baseUrl },
    (state, why) => log?.warn({ state, why }, `claim on the database ${state}`),
  );
  const rt = await createRuntime(config).catch(async (e: unknown) => {
    await claim.release();
    throw e;
  });
  log = rt.logger;
  let app: Awaited<ReturnType<typeof buildApp>> | undefined;
  try {
    app = await buildApp(rt);
    await app.listen({ port: config.port, host: config.host });
  } catch (e) {
    await app?.close().catch(() => undefined);
    await rt.close().catch(() => undefined);
    await claim.release();
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES')
      throw new AppError(
        'unavailable',
        `cannot listen on ${config.host}:${config.port} (${code === 'EADDRINUSE' ? 'the port is in use' : 'permission denied'}); set PORT or HOST to another value`,
      );
    throw e;
  }
  const server = app;
  const addr = server.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  const shown = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const base = `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;
  const generated = await rt.keepGeneratedKey();
  if (generated) printKey(generated);
  process.stdout.write(`queuekeeper listening on ${base}\nDashboard: ${base}/dashboard\nAPI docs:  ${base}/docs\n`);
  await rt.start();
  rt.logger.info(
    { port, database: config.database.kind, live: rt.live.kind, nodeId: rt.nodeId },
    'queuekeeper started',
  );

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    rt.logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    await server.close();
    await rt.sampler.sample();
    await rt.close();
    await claim.release();
    rt.logger.flush?.();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}
