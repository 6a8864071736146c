import { randomBytes } from 'node:crypto';

/** Where the PostgreSQL and Redis tests connect; unset means those tests are skipped, and say so. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? '';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? '';

export const skipPg = TEST_DATABASE_URL ? false : 'skipped: TEST_DATABASE_URL is not set';
export const skipRedis = TEST_REDIS_URL ? false : 'skipped: TEST_REDIS_URL is not set';

/** A name unique to this test process and call, for schemas, key prefixes and folders. */
export function uniqueName(label: string): string {
  return `${label}_${process.pid}_${randomBytes(4).toString('hex')}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
}
