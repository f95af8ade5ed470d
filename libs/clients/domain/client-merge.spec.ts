import { fold, NotFound } from '@clientele/shared';
import { deciderSpec } from '@clientele/shared/testing/decider-spec';
import type { ClientCommand, MergeIntoCommand, UnmergeFromCommand } from './client.commands';
import { clientDecider } from './client.decider';
import type { ClientEvent } from './client.events';
import {
  CannotMergeIntoItself,
  CannotMergeIntoMergedClient,
  ClientNotMerged,
  ClientWasMerged,
  DuplicateAlreadyMerged,
  DuplicateHasDuplicates,
  DuplicateNotInStudio,
  ErasedClientMustStayErased,
} from './client.rules';

const now = '2026-12-02T10:00:00.000Z';
const spec = deciderSpec(clientDecider, new Date(now));
const duplicateId = 'd0000000-0000-4000-8000-000000000001';
const survivorId = 'a0000000-0000-4000-8000-000000000002';
const otherSurvivorId = 'a0000000-0000-4000-8000-000000000003';
const studioId = 'b7e0d7a2-0000-4000-8000-000000000002';
const mergeId = 'e0000000-0000-4000-8000-000000000004';

const registered: ClientEvent = {
  type: 'ClientRegistered',
  data: {
    clientId: duplicateId,
    studioId,
    registeredAt: '2026-11-01T10:00:00.000Z',
    personal: {
      firstName: 'Jane',
      lastName: 'Doe',
      email: 'jane.doe@example.com',
      phone: null,
      birthday: null,
      address: null,
      username: null,
    },
  },
};
const mergedInto = (survivor = survivorId, id = mergeId): ClientEvent => ({
  type: 'ClientMergedInto',
  data: { clientId: duplicateId, survivorId: survivor, mergeId: id, mergedAt: now },
});
const unmerged: ClientEvent = {
  type: 'ClientUnmerged',
  data: { clientId: duplicateId, survivorId, mergeId, unmergedAt: now },
};

const merge = (
  survivor: MergeIntoCommand['data']['survivor'] = { clientId: survivorId, mergedInto: null },
  data: Partial<MergeIntoCommand['data']> = {},
): MergeIntoCommand => ({
  type: 'MergeInto',
  data: { clientId: duplicateId, studioId, survivor, mergeId, ...data },
});
const unmerge = (listedMergeId: string | null = mergeId): UnmergeFromCommand => ({
  type: 'UnmergeFrom',
  data: { clientId: duplicateId, studioId, survivorId, listedMergeId },
});

describe('merging a duplicate into a survivor', () => {
  it('records on the duplicate where it went', () => {
    spec.given([registered]).when(merge()).then([mergedInto()]);
  });

  it('decides nothing when the duplicate is already merged into the same survivor', () => {
    spec.given([registered, mergedInto()]).when(merge()).then([]);
  });

  it('refuses a client merged into itself', () => {
    spec
      .given([registered])
      .when(merge({ clientId: duplicateId, mergedInto: null }))
      .thenThrows(CannotMergeIntoItself);
  });

  it('refuses a duplicate of another studio as one it does not know', () => {
    spec
      .given([registered])
      .when(merge(undefined, { studioId: 'b7e0d7a2-0000-4000-8000-00000000ffff' }))
      .thenThrows(DuplicateNotInStudio);
    spec.given([]).when(merge()).thenThrows(DuplicateNotInStudio);
  });

  it('refuses a survivor that was itself merged into another, naming that one', () => {
    spec
      .given([registered])
      .when(merge({ clientId: survivorId, mergedInto: otherSurvivorId }))
      .thenThrows(CannotMergeIntoMergedClient, (e) =>
        expect(e.extensions.mergedInto).toBe(otherSurvivorId),
      );
  });

  it('refuses a duplicate already merged into another survivor', () => {
    spec
      .given([registered, mergedInto(otherSurvivorId)])
      .when(merge())
      .thenThrows(DuplicateAlreadyMerged);
  });

  it('refuses a duplicate that answers for duplicates of its own', () => {
    spec
      .given([
        registered,
        {
          type: 'DuplicateMerged',
          data: { clientId: duplicateId, duplicateId: otherSurvivorId, mergeId, mergedAt: now },
        },
      ])
      .when(merge())
      .thenThrows(DuplicateHasDuplicates);
  });

  it('refuses an erased duplicate', () => {
    spec
      .given([
        registered,
        {
          type: 'ClientErased',
          data: {
            clientId: duplicateId,
            studioId,
            erasedAt: now,
            covers: [duplicateId],
            emailClaims: [],
          },
        },
      ])
      .when(merge())
      .thenThrows(ErasedClientMustStayErased);
  });

  it('can merge again after an unmerge, as a new merge', () => {
    const second = 'e0000000-0000-4000-8000-000000000005';
    spec
      .given([registered, mergedInto(), unmerged])
      .when(merge(undefined, { mergeId: second }))
      .then([mergedInto(survivorId, second)]);
  });
});

describe('a merged duplicate', () => {
  const commands: ClientCommand[] = [
    {
      type: 'UpdateClientProfile',
      data: { clientId: duplicateId, studioId, changes: { firstName: 'J' } },
    },
    {
      type: 'AddMemo',
      data: { clientId: duplicateId, studioId, memoId: mergeId, text: 'x', starred: false },
    },
    { type: 'RequestPasswordReset', data: { clientId: duplicateId, studioId } },
    {
      type: 'GiveConsent',
      data: { clientId: duplicateId, studioId, consent: 'data_protection', version: '2' },
    },
  ];

  it.each(commands.map((command) => [command.type, command] as const))(
    'refuses %s, naming the survivor',
    (_, command) => {
      spec
        .given([registered, mergedInto()])
        .when(command)
        .thenThrows(ClientWasMerged, (e) => expect(e.extensions.survivorId).toBe(survivorId));
    },
  );

  it('takes commands again once unmerged', () => {
    spec
      .given([registered, mergedInto(), unmerged])
      .when(commands[0]!)
      .then([
        {
          type: 'ClientProfileUpdated',
          data: { clientId: duplicateId, personal: { firstName: 'J' } },
        },
      ]);
  });

  it('is still another studio’s client to that studio (404, not 422)', () => {
    spec
      .given([registered, mergedInto()])
      .when({
        type: 'RequestPasswordReset',
        data: { clientId: duplicateId, studioId: 'b7e0d7a2-0000-4000-8000-00000000ffff' },
      })
      .thenThrows(NotFound);
  });
});

describe('unmerging', () => {
  it('records on the duplicate that it stands alone again, with the merge it ends', () => {
    spec.given([registered, mergedInto()]).when(unmerge()).then([unmerged]);
  });

  it('refuses a duplicate not merged into that survivor', () => {
    spec.given([registered]).when(unmerge(null)).thenThrows(ClientNotMerged);
    spec
      .given([registered, mergedInto(otherSurvivorId)])
      .when(unmerge(null))
      .thenThrows(ClientNotMerged);
  });

  it('decides nothing when the survivor still lists a merge the duplicate already ended', () => {
    spec.given([registered, mergedInto(), unmerged]).when(unmerge()).then([]);
  });
});

describe('the survivor’s side', () => {
  const survivorRegistered: ClientEvent = {
    ...registered,
    data: { ...(registered.data as object), clientId: survivorId },
  } as ClientEvent;
  const recorded: ClientEvent = {
    type: 'DuplicateMerged',
    data: { clientId: survivorId, duplicateId, mergeId, mergedAt: now },
  };

  it('records the duplicate it answers for, once per merge', () => {
    const record: ClientCommand = {
      type: 'RecordDuplicate',
      data: { clientId: survivorId, duplicateId, mergeId, mergedAt: now },
    };
    spec.given([survivorRegistered]).when(record).then([recorded]);
    spec.given([survivorRegistered, recorded]).when(record).then([]);
  });

  it('answers for no one once erased', () => {
    spec
      .given([
        survivorRegistered,
        {
          type: 'ClientErased',
          data: {
            clientId: survivorId,
            studioId,
            erasedAt: now,
            covers: [survivorId],
            emailClaims: [],
          },
        },
      ])
      .when({
        type: 'RecordDuplicate',
        data: { clientId: survivorId, duplicateId, mergeId, mergedAt: now },
      })
      .thenThrows(ErasedClientMustStayErased);
  });

  it('remembers a duplicate once unmerged, whose credit a booking may still hold', () => {
    const state = fold(clientDecider, [
      survivorRegistered,
      recorded,
      {
        type: 'DuplicateUnmerged',
        data: { clientId: survivorId, duplicateId, mergeId, unmergedAt: now },
      },
    ]);
    expect(state.status === 'registered' && [...state.formerDuplicates]).toEqual([duplicateId]);
    expect(state.status === 'registered' && state.duplicates.size).toBe(0);
  });

  it('forgets the duplicate of the merge undone, once', () => {
    const release: ClientCommand = {
      type: 'ReleaseDuplicate',
      data: { clientId: survivorId, duplicateId, mergeId, unmergedAt: now },
    };
    const released: ClientEvent = {
      type: 'DuplicateUnmerged',
      data: { clientId: survivorId, duplicateId, mergeId, unmergedAt: now },
    };
    spec.given([survivorRegistered, recorded]).when(release).then([released]);
    spec.given([survivorRegistered, recorded, released]).when(release).then([]);
  });
});
