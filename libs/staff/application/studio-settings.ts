import type { EventStore } from '@clientele/eventstore';
import { fold, NotFound } from '@clientele/shared';
import {
  studioDecider,
  studioStream,
  type BookingPolicy,
  type StudioEvent,
} from '../domain/studio';

export interface StudioSettings {
  studioId: string;
  name: string;
  currency: string;
  timezone: string;
}

// No event changes a studio's currency or time zone, so what was read once stays true. A future
// StudioSettingsChanged must drop this cache.
const known = new Map<string, StudioSettings>();

/** A studio's currency and time zone, read from its stream (write side: commands price with it). */
export async function readStudioSettings(
  store: EventStore,
  studioId: string,
): Promise<StudioSettings> {
  const cached = known.get(studioId);
  if (cached) return cached;
  const state = fold(
    studioDecider,
    (await store.readStream(studioStream(studioId))) as unknown as StudioEvent[],
  );
  if (state.status !== 'open') throw new NotFound('studio', studioId);
  const settings = {
    studioId,
    name: state.name,
    currency: state.currency,
    timezone: state.timezone,
  };
  known.set(studioId, settings);
  return settings;
}

/** The studio's booking policy as it is now: read fresh, since staff change it. */
export async function readBookingPolicy(
  store: EventStore,
  studioId: string,
): Promise<BookingPolicy> {
  const state = fold(
    studioDecider,
    (await store.readStream(studioStream(studioId))) as unknown as StudioEvent[],
  );
  if (state.status !== 'open') throw new NotFound('studio', studioId);
  return state.bookingPolicy;
}
