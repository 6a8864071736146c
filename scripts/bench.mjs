#!/usr/bin/env node
// Runs the benchmark harness (bench/run.ts) with a collectable heap, so memory figures are real.
import { spawnSync } from 'node:child_process';

const res = spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=4096', '--import', 'tsx', 'bench/run.ts', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(res.status ?? 1);
