import { foldWaiverEvent, waiverRows, type WaiversEvent } from './waivers.fold';

/**
 * The fold of a batch in memory: what used to be a statement per event on rows in the tables now
 * also meets signatures and requests an earlier event of the same batch wrote.
 */
const studioId = 'a1ae0f01-0000-4000-8000-0000000000a1';
const waiverId = 'a1ae0f01-0000-4000-8000-0000000000b1';
const clientId = 'a1ae0f01-0000-4000-8000-0000000000c1';
let revision = 0;

function recorded(event: { type: string; data: unknown }): WaiversEvent {
  revision += 1;
  return {
    ...event,
    revision,
    recordedAt: new Date(Date.UTC(2026, 11, 3, 9, revision)),
  } as unknown as WaiversEvent;
}

const signed = (version: number) =>
  recorded({
    type: 'WaiverSigned',
    data: {
      clientId,
      studioId,
      waiverId,
      version,
      title: 'Liability',
      signedBy: { kind: 'self' },
      signedAt: '2026-12-03T09:00:00.000Z',
      personal: { name: 'Ana' },
    },
  });

const requested = (version: number) =>
  recorded({
    type: 'SignatureRequested',
    data: { clientId, studioId, waiverId, version, title: 'Liability' },
  });

const erased = () =>
  recorded({
    type: 'ClientErased',
    data: { clientId, studioId, erasedAt: '', covers: [clientId], emailClaims: [] },
  });

const empty = () => waiverRows({ waivers: [], requests: [], erased: [] });

describe('the waivers fold', () => {
  it('an erasure in the batch takes the personal data of signatures before and after it', () => {
    const rows = empty();
    foldWaiverEvent(rows, signed(1));
    foldWaiverEvent(rows, erased());
    foldWaiverEvent(rows, signed(2));
    expect(rows.signatures.map((s) => s.personal)).toEqual([null, null]);
    expect([...rows.newlyErased]).toEqual([clientId]);
  });

  it('a signature closes a request asked in the same batch, of its version or an older one', () => {
    const rows = empty();
    foldWaiverEvent(rows, requested(2));
    foldWaiverEvent(rows, signed(1));
    expect([...rows.requests.values()][0]).toMatchObject({ version: 2, open: true });
    const signature = signed(2);
    foldWaiverEvent(rows, signature);
    expect([...rows.requests.values()][0]).toMatchObject({
      open: false,
      revision: signature.revision,
    });
  });

  it('a request older than the row it meets changes nothing', () => {
    const stale = requested(1);
    const rows = waiverRows({
      waivers: [],
      requests: [
        {
          client_id: clientId,
          waiver_id: waiverId,
          studio_id: studioId,
          version: 3,
          title: 'Liability',
          requested_at: new Date(0),
          revision: stale.revision + 10,
          open: false,
        },
      ],
      erased: [],
    });
    foldWaiverEvent(rows, stale);
    expect(rows.changedRequests.size).toBe(0);
  });
});
