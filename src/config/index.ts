export * from './types.js';
export * from './plans.js';
export { loadConfig, parseDatabase, type Env } from './load.js';
