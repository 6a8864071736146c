import { newId } from '../../src/domain/tokens.js';
import type { JoinRequest } from '../../src/store/contract.js';

/** A join as the service hands it to the store: a fresh id, a normal priority, nothing else unless `over` says so. */
export const joinRequest = (over: Partial<JoinRequest> = {}): JoinRequest => ({
  id: newId('t'),
  tokenHash: 'h'.repeat(64),
  priority: 'normal',
  name: null,
  contact: null,
  metadata: null,
  idempotencyKey: null,
  sealedToken: null,
  ...over,
});
