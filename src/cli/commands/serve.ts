import { loadConfig } from '../../config/index.js';
import { buildApp } from '../../http/app.js';
import { createRuntime } from '../../runtime/runtime.js';

/** `queuekeeper serve`: the HTTP server with the scheduler (unless QK_SCHEDULER=off). */
export async function serve(): Promise<void> {
  const config = loadConfig();
  const rt = await createRuntime(config);
  const app = await buildApp(rt);
  await app.listen({ port: config.port, host: config.host });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  const shown = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const base = `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;
  if (rt.generatedMasterKey) {
    process.stdout.write(
      `\nGenerated admin key (shown once; only its hash is stored):\n  ${rt.generatedMasterKey}\nKeep it safe. Set QK_MASTER_KEY to choose your own.\n\n`,
    );
  }
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
    await app.close();
    await rt.sampler.sample();
    await rt.close();
    rt.logger.flush?.();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}
