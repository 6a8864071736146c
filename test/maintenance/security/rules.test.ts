import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readAudit } from '../../../src/maintenance/steps/security/audit.js';
import { assessRuntime } from '../../../src/maintenance/steps/security/runtime.js';
import { weakKeyReason } from '../../../src/maintenance/steps/security/secrets.js';
import { majorOf, updateKind } from '../../../src/maintenance/steps/security/version.js';
import { AUDIT_405, AUDIT_CLEAN, AUDIT_E405, MASTER_KEY } from './support.js';

describe('version rules', () => {
  it('reads the major of a Node version, and nothing from what is not a version', () => {
    assert.equal(majorOf('v20.20.2'), 20);
    assert.equal(majorOf(' 24.11.0 '), 24);
    assert.equal(majorOf('git+https://x'), null);
  });

  it('classifies an update the way a caret range does', () => {
    assert.equal(updateKind('9.14.0', '9.14.1'), 'patch');
    assert.equal(updateKind('5.1.0', '5.2.0'), 'minor');
    assert.equal(updateKind('5.11.1', '6.0.0'), 'major');
    assert.equal(updateKind('0.28.1', '0.29.0'), 'major');
    assert.equal(updateKind('0.28.1', '0.28.19'), 'patch');
    assert.equal(updateKind('0.0.3', '0.0.4'), 'major');
    assert.equal(updateKind('1.0.0', 'linked'), null);
  });
});

describe('weak key rules', () => {
  it('accepts random keys and the test suite key, refuses placeholders, repeats, short and low-entropy keys', () => {
    assert.equal(weakKeyReason(MASTER_KEY), null);
    assert.equal(weakKeyReason('qk_Zx3P9vQ2mT7rW1yK5nB8cD4fG6hJ0lA2sE9uI3oP7aQ'), null);
    assert.equal(weakKeyReason('6f1c0a9e3b7d2c4e8a5f1b3d7c9e2a4f'), null); // 32 random hex digits
    assert.equal(weakKeyReason('changeme-changeme-changeme-changeme'), 'a well-known placeholder value');
    assert.equal(weakKeyReason('your-master-key-here-0123456789abcdef'), 'a well-known placeholder value');
    assert.equal(weakKeyReason('abcdefgh12abcdefgh12abcdefgh12abcdefgh12'), 'a short pattern repeated');
    assert.equal(weakKeyReason('short'), 'shorter than 32 characters (5)');
    assert.match(
      weakKeyReason('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb') ?? '',
      /short pattern repeated|low entropy/,
    );
    assert.equal(weakKeyReason('1111111111111111222222222222222233'), 'low entropy: only 3 distinct characters');
  });
});

describe('npm audit output', () => {
  it('reads a clean report as zero, and every error shape as unavailable', () => {
    const clean = readAudit(AUDIT_CLEAN.code, AUDIT_CLEAN.stdout, () => 'x');
    assert.ok(clean.available && clean.counts.total === 0);
    for (const r of [
      AUDIT_405,
      AUDIT_E405,
      { code: 1, stdout: 'not json', stderr: '' },
      { code: 0, stdout: '{"auditReportVersion":1}', stderr: '' },
      { code: null, stdout: '', stderr: 'npm not found on PATH' },
    ]) {
      const a = readAudit(r.code, r.stdout, () => 'npm audit failed');
      assert.equal(a.available, false, r.stdout);
      assert.ok(!a.available && a.reason.startsWith('audit unavailable: '));
    }
  });
});

describe('Node end-of-life table', () => {
  const at = (iso: string) => new Date(`${iso}T12:00:00Z`);
  it('is end of life from the end day on, warns 90 days before, and names the newest LTS', () => {
    assert.equal(assessRuntime('v20.20.2', at('2026-04-29')).figures.status, 'eol_soon');
    assert.equal(assessRuntime('v20.20.2', at('2026-04-30')).figures.status, 'end_of_life');
    assert.equal(
      assessRuntime('v20.20.2', at('2026-11-27')).findings[0]?.message,
      'Node.js v20.20.2 reached its end of life on 2026-04-30 (211 days ago) and gets no security fixes; move to Node.js 26 LTS (supported until 2029-04-30)',
    );
    assert.equal(assessRuntime('v22.1.0', at('2026-11-27')).figures.status, 'maintenance');
    assert.equal(
      assessRuntime('v25.0.0', at('2026-03-01')).findings.some((f) => f.message.includes('never becomes LTS')),
      true,
    );
    const unknown = assessRuntime('v99.0.0', at('2026-11-27'));
    assert.equal(unknown.figures.status, 'unknown');
    assert.equal(
      assessRuntime('v26.1.0', at('2028-01-01')).findings.some((f) =>
        f.message.startsWith('the Node.js end-of-life table is from 2026-11-27'),
      ),
      true,
    );
  });
});
