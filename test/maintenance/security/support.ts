import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import type { Config } from '../../../src/config/index.js';
import { sha256 } from '../../../src/domain/tokens.js';
import type { StepContext, StepOutcome, StepServices } from '../../../src/maintenance/step.js';
import type { Finding } from '../../../src/maintenance/types.js';
import { securityUpdates, type NpmResult, type RunNpm } from '../../../src/maintenance/steps/security/index.js';
import { COMBOS, MASTER_KEY, type Combo } from '../../support/harness.js';
import { stepContextOf } from '../../support/maintenance.js';
import { openStepNode, type StepNode } from '../../support/step-node.js';

export { COMBOS, MASTER_KEY, type Combo };

/** A Node line that is supported on NOW, for tests whose subject is not the runtime. */
const SUPPORTED_NODE = 'v24.11.0';

/** The findings that change a run's status. */
export const serious = (fs: Finding[]) =>
  fs.filter((f) => f.severity === 'warning' || f.severity === 'error' || f.severity === 'critical');
export const fig = (out: { figures: Record<string, unknown> }) => out.figures as any;

/** The day these tests pretend it is (the day they were written): Node 20 is past its end of life. */
export const NOW = new Date('2026-11-27T06:00:00.000Z');
export const DAY = 86_400_000;
/** A random 256-bit backup key, so a clean system's only open items are the genuine ones. */
const BACKUP_KEY = randomBytes(32).toString('hex');

/** End-of-life days of the LTS lines, written out here so the tests do not trust the table they check. */
const EOL: Record<number, string> = {
  18: '2025-04-30',
  20: '2026-04-30',
  22: '2027-04-30',
  24: '2028-04-30',
  26: '2029-04-30',
};
/** Whether the Node running these tests is past its end of life on NOW: the one expected finding of a clean system. */
export const RUNNING_NODE_EOL = (() => {
  const end = EOL[Number(process.versions.node.split('.')[0])];
  return end !== undefined && Date.parse(end) < NOW.getTime();
})();

/** A node of the combination with a clean security setup unless `env` says otherwise. */
export function openNode(combo: Combo, env: Record<string, string> = {}): Promise<StepNode> {
  return openStepNode(combo, {
    env: { QK_MASTER_KEY: MASTER_KEY, QK_BACKUP_ENCRYPTION_KEY: BACKUP_KEY, NODE_ENV: 'production', ...env },
    maintenance: {},
  });
}

/** The context on the day these tests pretend it is, with a fresh run id: npm answers are shared within one run only. */
export function context(
  node: StepNode,
  services: StepServices,
  opts: { config?: Partial<Config>; runId?: string } = {},
): StepContext {
  return stepContextOf(node, {
    config: opts.config,
    runId: opts.runId ?? `test-${randomBytes(4).toString('hex')}`,
    now: () => NOW,
    services,
  });
}

export async function addKey(
  node: StepNode,
  role: 'admin' | 'operator',
  name: string,
  createdAt: Date,
  lastUsedAt?: Date,
): Promise<string> {
  const id = `k_${randomBytes(6).toString('hex')}`;
  await node.rt.store.createKey({ id, role, name, keyHash: sha256(randomBytes(16).toString('hex')) }, createdAt);
  if (lastUsedAt) await node.rt.store.touchKey(id, lastUsedAt);
  return id;
}

/** A stand-in npm: answers by subcommand and records what it was asked. */
export function fakeNpm(
  replies: Partial<Record<'audit' | 'outdated' | 'view', NpmResult>>,
): RunNpm & { calls: string[][] } {
  const calls: string[][] = [];
  const run = async (args: readonly string[]): Promise<NpmResult> => {
    calls.push([...args]);
    const reply = replies[args[0] as 'audit' | 'outdated' | 'view'];
    if (!reply) throw new Error(`unexpected npm ${args.join(' ')}`);
    return reply;
  };
  return Object.assign(run, { calls });
}

/** An app root with package.json and a lockfile: fastify and kysely ship, tsx is dev only, minimist comes through. */
/** A node and an application folder opened before a describe's tests and closed after them. */
interface SecurityFixture {
  readonly node: StepNode;
  readonly root: { dir: string; cleanup(): Promise<void> };
}

export function securityFixture(combo: Combo): SecurityFixture {
  const f = {} as { node: StepNode; root: SecurityFixture['root'] };
  before(async () => {
    f.node = await openNode(combo);
    f.root = await appRoot();
  });
  after(async () => {
    await f.node?.close();
    await f.root?.cleanup();
  });
  return f;
}

/**
 * securityUpdates over a fixture's node and app root, on a clean dependency tree and a supported
 * Node unless `services` says otherwise: what a test plants is all there is to find.
 */
export function scan(
  sec: SecurityFixture,
  services: StepServices = {},
  opts: { config?: Partial<Config> } = {},
): Promise<StepOutcome> {
  const clean = { runNpm: fakeNpm({ audit: AUDIT_CLEAN }), appRoot: sec.root.dir, nodeVersion: SUPPORTED_NODE };
  return securityUpdates(context(sec.node, { ...clean, ...services }, opts));
}

export async function appRoot(): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'qk-approot-'));
  await writeFile(
    join(dir, 'package.json'),
    JSON.stringify({
      name: 'queuekeeper',
      dependencies: { fastify: '^5.1.0', kysely: '^0.28.1' },
      devDependencies: { tsx: '^4.0.0' },
    }),
  );
  await writeFile(
    join(dir, 'package-lock.json'),
    JSON.stringify({
      name: 'queuekeeper',
      lockfileVersion: 3,
      packages: {
        '': { name: 'queuekeeper' },
        'node_modules/fastify': { version: '5.1.0' },
        'node_modules/kysely': { version: '0.28.1' },
        'node_modules/minimist': { version: '1.2.5' },
        'node_modules/tsx': { version: '4.7.0', dev: true },
        'node_modules/esbuild': { version: '0.19.0', dev: true },
      },
    }),
  );
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

const ok = (stdout: unknown, code = 0): NpmResult => ({
  code,
  stdout: typeof stdout === 'string' ? stdout : JSON.stringify(stdout, null, 2),
  stderr: '',
});

/** Exactly what `npm audit --json` printed on this machine on 2026-11-27 (npm 11.19.1, registry.npmjs.org). */
export const AUDIT_405: NpmResult = {
  code: 1,
  stdout: JSON.stringify(
    {
      message: '405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk',
      method: 'POST',
      uri: 'https://registry.npmjs.org/-/npm/v1/security/advisories/bulk',
      headers: { allow: ['GET,HEAD'], 'content-length': ['0'], 'x-fetch-attempts': ['1'] },
      statusCode: 405,
      body: '',
      error: { summary: '', detail: '' },
    },
    null,
    2,
  ),
  stderr:
    'npm warn audit 405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk\nnpm error audit endpoint returned an error\n',
};
/** The shape a proxy's refusal takes in npm's JSON error output. */
export const AUDIT_E405: NpmResult = {
  code: 1,
  stdout:
    '{"error":{"code":"E405","summary":"405 Method Not Allowed - POST https://registry.example/-/npm/v1/security/advisories/bulk","detail":""}}',
  stderr: '',
};

const counts = (c: Partial<Record<'info' | 'low' | 'moderate' | 'high' | 'critical', number>>) => {
  const all = { info: 0, low: 0, moderate: 0, high: 0, critical: 0, ...c };
  return { ...all, total: Object.values(all).reduce((a, b) => a + b, 0) };
};
export const AUDIT_CLEAN = ok({
  auditReportVersion: 2,
  vulnerabilities: {},
  metadata: {
    vulnerabilities: counts({}),
    dependencies: { prod: 3, dev: 2, optional: 0, peer: 0, peerOptional: 0, total: 5 },
  },
});

/** A v2 report: minimist (through fastify, fixed by updating fastify) and esbuild (dev only, no fix). */
export const AUDIT_VULNERABLE = ok(
  {
    auditReportVersion: 2,
    vulnerabilities: {
      minimist: {
        name: 'minimist',
        severity: 'critical',
        isDirect: false,
        via: [
          {
            source: 1097678,
            name: 'minimist',
            dependency: 'minimist',
            title: 'Prototype Pollution in minimist',
            url: 'https://github.com/advisories/GHSA-xvch-5gv4-984h',
            severity: 'critical',
            cwe: ['CWE-1321'],
            cvss: { score: 9.8, vectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' },
            range: '<1.2.6',
          },
        ],
        effects: ['fastify'],
        range: '<1.2.6',
        nodes: ['node_modules/minimist'],
        fixAvailable: { name: 'fastify', version: '5.2.0', isSemVerMajor: false },
      },
      fastify: {
        name: 'fastify',
        severity: 'critical',
        isDirect: true,
        via: ['minimist'],
        effects: [],
        range: '5.0.0 - 5.1.0',
        nodes: ['node_modules/fastify'],
        fixAvailable: { name: 'fastify', version: '5.2.0', isSemVerMajor: false },
      },
      esbuild: {
        name: 'esbuild',
        severity: 'high',
        isDirect: false,
        via: [
          {
            source: 1102341,
            name: 'esbuild',
            dependency: 'esbuild',
            title: 'esbuild lets any website read the dev server',
            url: 'https://github.com/advisories/GHSA-67mh-4wv8-2f99',
            severity: 'high',
            range: '<=0.24.2',
          },
        ],
        effects: ['tsx'],
        range: '<=0.24.2',
        nodes: ['node_modules/esbuild'],
        fixAvailable: false,
      },
    },
    metadata: {
      vulnerabilities: counts({ critical: 2, high: 1 }),
      dependencies: { prod: 3, dev: 2, optional: 0, peer: 0, peerOptional: 0, total: 5 },
    },
  },
  1,
);

export const OUTDATED_NONE = ok('', 0);
export const VIEW_OK = ok('"5.2.0"');
/** Patch, minor, 0.x minor (breaking by caret rules), major, one declared but not installed. */
export const OUTDATED_MIXED = ok(
  {
    fastify: {
      current: '5.1.0',
      wanted: '5.2.0',
      latest: '5.2.0',
      dependent: 'queuekeeper',
      location: 'node_modules/fastify',
    },
    pino: {
      current: '9.14.0',
      wanted: '9.14.1',
      latest: '9.14.1',
      dependent: 'queuekeeper',
      location: 'node_modules/pino',
    },
    kysely: {
      current: '0.28.1',
      wanted: '0.28.19',
      latest: '0.29.0',
      dependent: 'queuekeeper',
      location: 'node_modules/kysely',
    },
    ioredis: {
      current: '5.11.1',
      wanted: '5.11.1',
      latest: '6.0.0',
      dependent: 'queuekeeper',
      location: 'node_modules/ioredis',
    },
    yaml: { wanted: '2.9.1', latest: '2.9.1', dependent: 'queuekeeper', location: 'node_modules/yaml' },
  },
  1,
);
export const npmError = (code: string, summary: string): NpmResult => ({
  code: 1,
  stdout: JSON.stringify({ error: { code, summary, detail: '' } }),
  stderr: `npm error code ${code}\nnpm error ${summary}\n`,
});
