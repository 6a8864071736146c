#!/usr/bin/env node
// Runs the benchmark harness (bench/run.ts) with a collectable heap, so memory figures are real.
import { spawnSync } from 'node:child_process';

// The HTTP figures come from the production build: build it from the current sources first.
const build = spawnSync('npm', ['run', 'build'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
const res = spawnSync(
  process.execPath,
  ['--expose-gc', '--max-old-space-size=4096', '--import', 'tsx', 'bench/run.ts', ...process.argv.slice(2)],
  { stdio: 'inherit' },
);
process.exit(res.status ?? 1);
