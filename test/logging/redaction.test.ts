import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { REDACT_PATHS } from '../../src/logging/logger.js';

describe('log redaction', () => {
  it('replaces bearer keys, ticket tokens and secrets wherever the server logs them', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const log = pino({ redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, sink);
    log.info(
      {
        req: {
          headers: { authorization: 'Bearer qk_secret_admin', 'x-ticket-token': 'tok123' },
          query: { token: 'tok456' },
        },
      },
      'request',
    );
    log.info(
      { token: 'tok789', key: 'qk_plain', webhook: { secret: 'hmac-secret' }, database: { password: 'pw' } },
      'objects',
    );
    const text = lines.join('');
    for (const secret of ['qk_secret_admin', 'tok123', 'tok456', 'tok789', 'qk_plain', 'hmac-secret', '"pw"'])
      assert.ok(!text.includes(secret), `${secret} leaked: ${text}`);
    assert.equal((text.match(/\[redacted\]/g) ?? []).length, 7);
  });
});
