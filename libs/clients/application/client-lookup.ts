import type { EventStore } from '@clientele/eventstore';
import { NotFound } from '@clientele/shared';
import { clientStream, type ClientEvent } from '../domain/client.events';

/**
 * Refuses a command about a client that is not registered in the studio (unknown, or another
 * studio's: invariant 6), from the write side. Reads only the client's first event.
 */
export async function assertClientOfStudio(
  store: EventStore,
  studioId: string,
  clientId: string,
): Promise<void> {
  const [first] = await store.readStream(clientStream(clientId), { maxCount: 1 });
  const registered = first as unknown as ClientEvent | undefined;
  if (registered?.type !== 'ClientRegistered' || registered.data.studioId !== studioId) {
    throw new NotFound('client', clientId);
  }
}
