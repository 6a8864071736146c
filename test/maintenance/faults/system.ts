import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../../../src/config/index.js';
import { createLogger } from '../../../src/logging/logger.js';
import type { StepContext, StepServices } from '../../../src/maintenance/step.js';
import type { Runtime } from '../../../src/runtime/runtime.js';
import { LENIENT, stepContextOf } from '../../support/maintenance.js';
import { openStepNode } from '../../support/step-node.js';
import { appRoot, AUDIT_CLEAN, fakeNpm, MASTER_KEY, OUTDATED_NONE, VIEW_OK, type Combo } from '../security/support.js';

/** A Node line supported on the day the security steps compare with: the clean system runs no outdated runtime. */
const SUPPORTED_NODE = 'v24.11.0';

/**
 * A running node as an operator would have it: HTTP listening, the product's own logger writing
 * to the log folder at `info`, a few customers served, and one metrics sample stored.
 */
export interface CleanSystem {
  readonly rt: Runtime;
  readonly config: Config;
  readonly url: string;
  readonly services: StepServices;
  context(opts?: { config?: Partial<Config>; services?: StepServices }): StepContext;
  /** Waits until the log folder holds `marker` (the logger writes from a worker thread). */
  logged(marker: string): Promise<void>;
  close(): Promise<void>;
}

export async function cleanSystem(combo: Combo): Promise<CleanSystem> {
  const node = await openStepNode(combo, {
    env: {
      LOG_LEVEL: 'info',
      QK_MASTER_KEY: MASTER_KEY,
      QK_BACKUP_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      QK_JOIN_RATE_LIMIT: '0',
      NODE_ENV: 'production',
    },
    // The seed's thresholds where they judge this product; throughput and memory depend on the
    // shared test machine, not on the product, so they stay lenient.
    maintenance: {
      thresholds: { ...LENIENT, maxErrorCount: 1, maxAverageResponseMs: 200, maxCpuPercent: 80, maxDiskPercent: 99 },
      probeMs: 300,
    },
    logger: (c) => createLogger({ level: 'info', logDir: c.logDir, stdout: false }),
  });
  const { rt } = node;
  const url = await node.listen();
  const root = await appRoot();
  const services: StepServices = {
    trimCaches: () => rt.service.trimCaches(),
    runNpm: fakeNpm({ audit: AUDIT_CLEAN, outdated: OUTDATED_NONE, view: VIEW_OK }),
    appRoot: root.dir,
    nodeVersion: SUPPORTED_NODE,
  };

  const q = await rt.service.createQueue({ name: 'desk', mode: 'service' });
  for (let i = 0; i < 5; i++) await rt.service.join(q.id, { name: `c${i}` }, null);
  await fetch(`${url}/api/queues/${q.id}`);
  await rt.sampler.sample();

  const logFolderText = async (): Promise<string> => {
    const names = (await readdir(node.config.logDir)).filter((n) => n.endsWith('.log'));
    return (await Promise.all(names.map((n) => readFile(join(node.config.logDir, n), 'utf8')))).join('');
  };
  const system: CleanSystem = {
    rt,
    config: node.config,
    url,
    services,
    context(opts = {}) {
      return stepContextOf(node, {
        config: opts.config,
        logger: rt.logger,
        runId: `faults-${randomBytes(4).toString('hex')}`,
        plan: 'faults',
        services: { ...services, ...opts.services },
      });
    },
    async logged(marker) {
      rt.logger.flush();
      for (let i = 0; i < 250; i++) {
        if ((await logFolderText().catch(() => '')).includes(marker)) return;
        await sleep(20);
      }
      throw new Error(`"${marker}" never reached ${node.config.logDir}`);
    },
    async close() {
      await node.close();
      await root.cleanup();
    },
  };
  await system.logged('request completed');
  return system;
}
