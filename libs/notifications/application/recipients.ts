import { readClient } from '@clientele/clients';
import type { EventStore } from '@clientele/eventstore';
import { readStudioSettings } from '@clientele/staff';
import type { Recipient, StudioOfMessage } from '../domain/message';

/** Whom a notification goes to, and from which studio, looked up when it is sent. */
export interface RecipientDirectory {
  /** Null when the studio has no such client, or no address is left for them (erased). */
  recipient(studioId: string, clientId: string): Promise<Recipient | null>;
  studio(studioId: string): Promise<StudioOfMessage>;
}

/**
 * From the log, not a read model: the outbox row can be sent as soon as its event commits, with
 * no projection to wait for, and it goes to the address the client has at that moment.
 */
export function eventStoreDirectory(store: EventStore): RecipientDirectory {
  return {
    async recipient(studioId, clientId) {
      const client = await readClient(store, clientId);
      if (client.status !== 'registered' || client.studioId !== studioId) return null;
      if (!client.personal) return null;
      const { firstName, lastName, email } = client.personal;
      return email ? { firstName, lastName, email } : null;
    },
    studio: (studioId) => readStudioSettings(store, studioId),
  };
}
