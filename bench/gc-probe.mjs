// Preloaded into the live benchmark's servers (node --expose-gc --import): on SIGUSR2, collect
// garbage and print the memory in use, so the bench can count what each open stream keeps.
process.on('SIGUSR2', () => {
  globalThis.gc?.();
  const m = process.memoryUsage();
  process.stdout.write(`memory ${m.heapUsed + m.external + m.arrayBuffers} ${m.rss}\n`);
});
