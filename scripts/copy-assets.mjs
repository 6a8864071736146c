#!/usr/bin/env node
// Copies the files the build needs beside the compiled modules: tsc emits only JavaScript, and the
// Redis Lua scripts are read from the folder of the module that runs them.
import { cpSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ASSETS = /\.lua$/;
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (ASSETS.test(name)) cpSync(p, join('dist', relative('src', p)));
  }
}
walk('src');
