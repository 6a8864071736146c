import { AppError } from '../errors/index.js';
import type { QueuePatch } from '../store/contract.js';
import { DEFAULT_QUEUE_SETTINGS, type Queue, type QueueMode, type QueueSettings } from './types.js';

export interface QueueChange {
  name?: string;
  status?: Queue['status'];
  capacity?: number | null;
  settings?: Partial<QueueSettings>;
}

/** Daily numbering chosen without a zone keeps the queue's zone, else takes the server's. */
function withZone<S extends Partial<QueueSettings>>(settings: S, zone: string): S {
  if (settings.numbering !== 'daily' || settings.timezone !== undefined) return settings;
  return { ...settings, timezone: zone };
}

const onlyRooms = (mode: QueueMode, settings: Partial<QueueSettings> | undefined): void => {
  if (settings?.admission !== undefined && mode !== 'waiting_room')
    throw new AppError('validation_failed', 'settings.admission: applies to waiting-room queues only');
};

/** A new queue's settings: the defaults under what was given. */
export function newQueueSettings(
  mode: QueueMode,
  given: Partial<QueueSettings> | undefined,
  defaultZone: string,
): QueueSettings {
  onlyRooms(mode, given);
  return withZone({ ...DEFAULT_QUEUE_SETTINGS, ...given }, defaultZone);
}

/**
 * The store's patch for a change; `current` is read only when the change needs it (admission
 * settings, which only a waiting room takes, or daily numbering without a zone).
 */
export async function queuePatch(
  change: QueueChange,
  current: () => Promise<Queue>,
  defaultZone: string,
): Promise<QueuePatch> {
  let settings = change.settings;
  if (settings?.admission !== undefined) onlyRooms((await current()).mode, settings);
  if (settings?.numbering === 'daily' && settings.timezone === undefined)
    settings = withZone(settings, (await current()).settings.timezone ?? defaultZone);
  return {
    ...(change.name !== undefined ? { name: change.name } : {}),
    ...(change.status !== undefined ? { status: change.status } : {}),
    ...(change.capacity !== undefined ? { capacity: change.capacity } : {}),
    ...(settings !== undefined ? { settings } : {}),
  };
}
