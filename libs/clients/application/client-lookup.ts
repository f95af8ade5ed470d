import type { EventStore } from '@clientele/eventstore';
import { NotFound } from '@clientele/shared';
import { clientStream, type ClientEvent } from '../domain/client.events';

// A client's studio is fixed at registration and never changes: once read, it stays true.
const studioOfClient = new Map<string, string>();
const REMEMBERED = 100_000;

/**
 * Refuses a command about a client that is not registered in the studio (unknown, or another
 * studio's: invariant 6), from the write side. Reads only the client's first event, once.
 */
export async function assertClientOfStudio(
  store: EventStore,
  studioId: string,
  clientId: string,
): Promise<void> {
  let known = studioOfClient.get(clientId);
  if (known === undefined) {
    const [first] = await store.readStream(clientStream(clientId), { maxCount: 1 });
    const registered = first as unknown as ClientEvent | undefined;
    if (registered?.type !== 'ClientRegistered') throw new NotFound('client', clientId);
    known = registered.data.studioId;
    if (studioOfClient.size >= REMEMBERED) studioOfClient.clear();
    studioOfClient.set(clientId, known);
  }
  if (known !== studioId) throw new NotFound('client', clientId);
}
