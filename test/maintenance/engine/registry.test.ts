import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { STEP_NAMES } from '../../../src/config/index.js';
import { builtInSteps, STEPS, type StepTable } from '../../../src/maintenance/steps/index.js';
import { quick } from '../../support/maintenance.js';

describe('the step registry', () => {
  it('holds exactly the step names the config knows', () => {
    assert.deepEqual([...builtInSteps().keys()].sort(), [...STEP_NAMES].sort());
  });

  it('cannot drift from the list of step names: a missing or unknown step does not compile', () => {
    const { healthCheck: _dropped, ...missingOne } = STEPS;
    // @ts-expect-error healthCheck is missing
    const missing: StepTable = missingOne;
    // @ts-expect-error a step the config does not know
    const unknown = { ...STEPS, dailyCoffee: quick } satisfies StepTable;
    assert.equal(Object.keys(missing).length, STEP_NAMES.length - 1);
    assert.equal(Object.keys(unknown).length, STEP_NAMES.length + 1);
  });
});
