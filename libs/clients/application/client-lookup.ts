import type { EventStore } from '@clientele/eventstore';
import { fold, NotFound } from '@clientele/shared';
import { clientDecider, type ClientState } from '../domain/client.decider';
import { clientStream, type ClientEvent } from '../domain/client.events';
import { ClientWasMerged } from '../domain/client.rules';

// A client's studio is fixed at registration and never changes: once read, it stays true.
const studioOfClient = new Map<string, string>();
const REMEMBERED = 100_000;

/**
 * Refuses a command about a client that is not registered in the studio (unknown, or another
 * studio's: invariant 6), from the write side. Reads only the client's first event, once. A
 * merged duplicate passes: the flows that keep its items (renewals, refunds, a booking it made)
 * go on; what staff address to it is refused by `assertClientAddressable`.
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

/** The client as its stream says now. */
export async function readClient(store: EventStore, clientId: string): Promise<ClientState> {
  return fold(
    clientDecider,
    (await store.readStream(clientStream(clientId))) as unknown as ClientEvent[],
  );
}

/**
 * A client staff may address a new command to: the studio's, and not merged into another (a
 * merged duplicate answers 422 `client_merged`, naming the survivor). Returns the clients whose
 * items the command may reach: this one first, then those merged into it, oldest merge first.
 */
export async function assertClientAddressable(
  store: EventStore,
  studioId: string,
  clientId: string,
): Promise<string[]> {
  const client = await readClient(store, clientId);
  if (client.status !== 'registered' || client.studioId !== studioId) {
    throw new NotFound('client', clientId);
  }
  if (client.mergedInto) throw new ClientWasMerged(clientId, client.mergedInto.survivorId);
  return [clientId, ...client.duplicates.keys()];
}

/** The clients merged into this one now (none for an unknown client), oldest merge first. */
export async function duplicatesOf(store: EventStore, clientId: string): Promise<string[]> {
  const client = await readClient(store, clientId);
  return client.status === 'registered' ? [...client.duplicates.keys()] : [];
}

/**
 * Whose accounts may hold what a client's booking reserved: its own, those merged into it now,
 * and those merged into it once (a booking made while merged may still hold their credit).
 */
export async function accountsAnsweredBy(store: EventStore, clientId: string): Promise<string[]> {
  const client = await readClient(store, clientId);
  if (client.status !== 'registered') return [clientId];
  return [...new Set([clientId, ...client.duplicates.keys(), ...client.formerDuplicates])];
}
