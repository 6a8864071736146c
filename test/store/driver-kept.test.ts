import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { openDatabase, prepareKept } from '../../src/store/sqlite/driver.js';

// A collection on demand, without starting the test process with --expose-gc.
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

/**
 * With better-sqlite3 12 built for Node 24, collecting any of the driver's objects aborts the
 * process; on Node 20 and 22 the collector frees them. Either way, the ones we made must still
 * be there after a full collection, which they can only be if the process never lets them go.
 */
describe('connections and statements outlive their last use', () => {
  it('a closed connection and its statements survive a full garbage collection', async () => {
    const refs: WeakRef<object>[] = [];
    for (let i = 0; i < 50; i++) {
      const db = openDatabase(':memory:');
      refs.push(new WeakRef(db));
      const stmt = prepareKept(db, 'SELECT ? AS n');
      assert.deepEqual(stmt.get(i), { n: i });
      refs.push(new WeakRef(stmt));
      db.close();
    }
    // A WeakRef holds its target until the current job ends: collect in a later one.
    await nextTurn();
    collect();
    assert.equal(refs.filter((r) => r.deref() === undefined).length, 0);
  });
});
