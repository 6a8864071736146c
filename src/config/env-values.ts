import { ConfigError } from '../errors/index.js';

export type Env = Readonly<Record<string, string | undefined>>;

export function intVar(env: Env, name: string, min: number, max: number): number | undefined {
  const v = env[name];
  if (v === undefined || v === '') return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max)
    throw new ConfigError(name, `must be a whole number from ${min} to ${max}, got "${v}"`);
  return Number(v);
}

export function onOff(env: Env, name: string): boolean | undefined {
  const v = env[name]?.toLowerCase();
  if (v === undefined || v === '') return undefined;
  if (['on', 'true', '1', 'yes'].includes(v)) return true;
  if (['off', 'false', '0', 'no'].includes(v)) return false;
  throw new ConfigError(name, `must be on or off, got "${env[name]}"`);
}
