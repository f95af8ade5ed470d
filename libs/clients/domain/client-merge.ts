import type { MergeCommand } from './client.commands';
import type { ClientEvent, MergeEvent } from './client.events';
import {
  CannotMergeIntoItself,
  CannotMergeIntoMergedClient,
  ClientNotMerged,
  DuplicateAlreadyMerged,
  DuplicateHasDuplicates,
  DuplicateNotInStudio,
  ErasedClientMustStayErased,
} from './client.rules';

/** One merge of this client into a survivor, kept after an unmerge so a retry can finish it. */
export interface MergeLink {
  survivorId: string;
  mergedAt: string;
  unmergedAt: string | null;
}

/** Who a client answers for, and who answers for it. */
export interface MergeState {
  /** The merge in force that made this client a duplicate, if any. */
  mergedInto: { survivorId: string; mergeId: string; mergedAt: string } | null;
  /** Every merge of this client as a duplicate, by merge id. */
  merges: ReadonlyMap<string, MergeLink>;
  /** Clients merged into this one now, by client id. */
  duplicates: ReadonlyMap<string, { mergeId: string; mergedAt: string }>;
  /** Clients once merged into this one: a booking made meanwhile may hold their credit still. */
  formerDuplicates: ReadonlySet<string>;
}

export const NO_MERGES: MergeState = {
  mergedInto: null,
  merges: new Map(),
  duplicates: new Map(),
  formerDuplicates: new Set(),
};

interface Client extends MergeState {
  clientId: string;
  studioId: string;
  erasedAt: string | null;
}

/**
 * The duplicate's side decides. `client` is the duplicate as its stream says, or null when the
 * studio has no such client. A retried merge into the same survivor decides nothing, so the
 * handler can finish what a crash left undone.
 */
export function decideMerge(
  command: MergeCommand,
  client: Client | null,
  now: Date,
): ClientEvent[] {
  switch (command.type) {
    case 'MergeInto': {
      const { clientId, studioId, survivor, mergeId } = command.data;
      if (survivor.clientId === clientId) throw new CannotMergeIntoItself(clientId);
      if (!client || client.studioId !== studioId) throw new DuplicateNotInStudio(clientId);
      if (survivor.mergedInto) {
        throw new CannotMergeIntoMergedClient(survivor.clientId, survivor.mergedInto);
      }
      if (client.mergedInto?.survivorId === survivor.clientId) return [];
      if (client.mergedInto)
        throw new DuplicateAlreadyMerged(clientId, client.mergedInto.survivorId);
      if (client.duplicates.size > 0) {
        throw new DuplicateHasDuplicates(clientId, [...client.duplicates.keys()]);
      }
      return [
        {
          type: 'ClientMergedInto',
          data: { clientId, survivorId: survivor.clientId, mergeId, mergedAt: now.toISOString() },
        },
      ];
    }
    case 'UnmergeFrom': {
      const { clientId, studioId, survivorId, listedMergeId } = command.data;
      if (!client || client.studioId !== studioId) throw new DuplicateNotInStudio(clientId);
      const current = client.mergedInto;
      if (current?.survivorId === survivorId) {
        return [
          {
            type: 'ClientUnmerged',
            data: {
              clientId,
              survivorId,
              mergeId: current.mergeId,
              unmergedAt: now.toISOString(),
            },
          },
        ];
      }
      // Undone here already, still listed by the survivor: the handler finishes the unmerge.
      const listed = listedMergeId ? client.merges.get(listedMergeId) : undefined;
      if (listed?.survivorId === survivorId && listed.unmergedAt) return [];
      throw new ClientNotMerged(clientId, survivorId);
    }
    case 'RecordDuplicate': {
      if (!client) return [];
      // Erased meanwhile: it answers for no one any more; the duplicate can be unmerged.
      if (client.erasedAt !== null) throw new ErasedClientMustStayErased(client.clientId);
      const { clientId, duplicateId, mergeId, mergedAt } = command.data;
      if (client.duplicates.get(duplicateId)?.mergeId === mergeId) return [];
      return [{ type: 'DuplicateMerged', data: { clientId, duplicateId, mergeId, mergedAt } }];
    }
    case 'ReleaseDuplicate': {
      if (!client) return [];
      const { clientId, duplicateId, mergeId, unmergedAt } = command.data;
      if (client.duplicates.get(duplicateId)?.mergeId !== mergeId) return [];
      return [{ type: 'DuplicateUnmerged', data: { clientId, duplicateId, mergeId, unmergedAt } }];
    }
  }
}

export function evolveMerges(state: MergeState, event: MergeEvent): MergeState {
  switch (event.type) {
    case 'ClientMergedInto': {
      const { survivorId, mergeId, mergedAt } = event.data;
      return {
        ...state,
        mergedInto: { survivorId, mergeId, mergedAt },
        merges: new Map(state.merges).set(mergeId, { survivorId, mergedAt, unmergedAt: null }),
      };
    }
    case 'ClientUnmerged': {
      const link = state.merges.get(event.data.mergeId);
      const merges = link
        ? new Map(state.merges).set(event.data.mergeId, {
            ...link,
            unmergedAt: event.data.unmergedAt,
          })
        : state.merges;
      return { ...state, mergedInto: null, merges };
    }
    case 'DuplicateMerged': {
      const { duplicateId, mergeId, mergedAt } = event.data;
      return {
        ...state,
        duplicates: new Map(state.duplicates).set(duplicateId, { mergeId, mergedAt }),
      };
    }
    case 'DuplicateUnmerged': {
      const duplicates = new Map(state.duplicates);
      duplicates.delete(event.data.duplicateId);
      const formerDuplicates = new Set(state.formerDuplicates).add(event.data.duplicateId);
      return { ...state, duplicates, formerDuplicates };
    }
  }
}
