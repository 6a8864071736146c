export * from './types.js';
export * from './plans.js';
export { loadConfig, parseDatabase } from './load.js';
