import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';

const ROOT = resolve(import.meta.dirname, '../..');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

/**
 * A TypeScript site as a user writes it: it imports `queuekeeper/site-guard` by the package name,
 * so the compiler finds the types only through the package's `exports`. The `@ts-expect-error`
 * lines fail the compile if the declarations were missing or loose (`any` accepts everything).
 */
const CONSUMER = `
import { createServer } from 'node:http';
import Fastify from 'fastify';
import { PASS_PARAM, passOf, siteGuard, type QueuePass, type SiteGuard, type SiteGuardOptions } from 'queuekeeper/site-guard';

const options: SiteGuardOptions = { queueUrl: 'https://queue.example', queueId: 'q_launch', clockToleranceSeconds: 30 };
const guard: SiteGuard = siteGuard(options);
const param: 'qk_pass' = PASS_PARAM;

createServer(
  guard.node((req, res) => {
    const pass: QueuePass | null = passOf(req);
    const until: Date | undefined = pass?.expiresAt;
    res.end(\`\${param} \${pass?.ticketId ?? ''} \${until?.toISOString() ?? ''}\`);
  }),
);
createServer((req, res) => guard.middleware(req, res, (err?: unknown) => res.end(String(err ?? ''))));

const app = Fastify();
app.addHook('onRequest', guard.fastify);

void guard.decide({} as never).then((d) => {
  if (d.kind === 'redirect') return d.location.length + (d.setCookie?.length ?? 0);
  if (d.kind === 'pass') return d.pass.queueId.length;
  return 0;
});

// @ts-expect-error queueId is required
siteGuard({ queueUrl: 'https://queue.example' });
// @ts-expect-error queueUrl is a string
siteGuard({ queueUrl: 1, queueId: 'q' });
// @ts-expect-error a pass has no such field
void ((p: QueuePass) => p.name);
`;

describe('type declarations of queuekeeper/site-guard', () => {
  const dir = mkdtempSync(join(tmpdir(), 'qk-site-types-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a TypeScript site importing the package by name type-checks against declarations built from the source', () => {
    // The package as a site installs it: its package.json (with `exports`) and the declarations the
    // build emits, made here from the current source so they cannot be stale.
    const pkg = join(dir, 'node_modules/queuekeeper');
    mkdirSync(pkg, { recursive: true });
    copyFileSync(join(ROOT, 'package.json'), join(pkg, 'package.json'));
    const emit = spawnSync(
      process.execPath,
      [TSC, '-p', join(ROOT, 'tsconfig.site-guard.json'), '--outDir', join(pkg, 'dist')],
      { encoding: 'utf8' },
    );
    assert.equal(emit.status, 0, emit.stdout + emit.stderr);
    for (const dep of ['fastify', '@types'])
      symlinkSync(join(ROOT, 'node_modules', dep), join(dir, 'node_modules', dep));

    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'a-site', type: 'module', private: true }));
    writeFileSync(join(dir, 'site.ts'), CONSUMER);
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          strict: true,
          noEmit: true,
          types: ['node'],
        },
        files: ['site.ts'],
      }),
    );
    const check = spawnSync(process.execPath, [TSC, '-p', join(dir, 'tsconfig.json')], { encoding: 'utf8', cwd: dir });
    assert.equal(check.status, 0, check.stdout + check.stderr);
  });
});
