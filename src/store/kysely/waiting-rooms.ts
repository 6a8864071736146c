import type { Kysely } from 'kysely';
import type { WaitingRoomStore } from '../waiting-room-contract.js';
import * as admission from './admission.js';
import * as draws from './draw.js';
import * as sessions from './sessions.js';
import type { DialectParts } from './dialect.js';
import type { DB } from './schema.js';

/** The WaitingRoomStore over Kysely: admission in `admission.ts`, session reads in `sessions.ts`, draws and keys in `draw.ts`. */
export function waitingRoomStore(db: Kysely<DB>, background: Kysely<DB>, kind: DialectParts['kind']): WaitingRoomStore {
  return {
    busyRooms: () => admission.busyRooms(db),
    admit: (queueId, now) => admission.admit(db, queueId, now),
    expireIdle: (queueId, now) => admission.expireIdle(background, queueId, now),
    touch: (ticketId, now) => admission.touch(db, ticketId, now),
    setSession: (ticketId, until, now) => admission.setSession(db, ticketId, until, now),
    activeSessions: (queueId, now) => admission.activeSessions(db, queueId, now),
    sessionEnds: (queueId, now, limit) => sessions.sessionEnds(db, queueId, now, limit),
    sessionEndsOf: (limits, now) => sessions.sessionEndsOf(db, kind, limits, now),
    draw: (queueId) => draws.draw(db, queueId),
    commit: (queueId, sealed, commitment) => draws.commit(db, queueId, sealed, commitment),
    runDraw: (queueId, seed, opensAt, now) => draws.runDraw(background, queueId, seed, opensAt, now),
    drawEntries: (queueId, afterRank, limit) => draws.drawEntries(db, queueId, afterRank, limit),
    signingKeys: () => draws.signingKeys(db),
    addSigningKey: (k) => draws.addSigningKey(db, k),
  };
}
