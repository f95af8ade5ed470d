import { uuidFrom } from '@clientele/shared';
import { notificationsFor, type SourceEvent } from './notification';

const studioId = 'b7e0d7a2-0000-4000-8000-000000000002';
const clientId = '3f1c2a9e-0000-4000-8000-000000000001';
const eventId = '9d0e4b1a-0000-4000-8000-000000000009';

const given = (type: string, data: object, id = eventId): SourceEvent => ({
  id,
  type,
  data: { clientId, ...data },
  metadata: { studioId },
});
const idOf = (kind: string, id = eventId) => uuidFrom(`notification:${kind}:${id}`);
const grant = (source: object, extra: object = {}) =>
  given('CreditsGranted', {
    grantId: 'g1',
    eventTypes: ['yoga', 'pilates'],
    count: 5,
    expiresAt: '2027-03-01T04:59:59.999Z',
    validityDaysFromFirstUse: null,
    source,
    ...extra,
  });

describe('the notifications an event causes', () => {
  it('welcomes a client once registered, without reading their personal data', () => {
    const registered = given('ClientRegistered', {
      studioId,
      registeredAt: '2026-11-27T09:00:00.000Z',
      personal: 'sealed: ada@example.com',
    });
    const notifications = notificationsFor(registered);
    expect(notifications).toEqual([
      { id: idOf('welcome'), kind: 'welcome', studioId, clientId, data: {} },
    ]);
    expect(JSON.stringify(notifications)).not.toContain('ada@example.com');
  });

  it('does not welcome a client brought by an import: the studio sends it when it chooses', () => {
    const imported = given('ClientRegistered', {
      studioId,
      registeredAt: '2026-11-27T09:00:00.000Z',
      personal: 'sealed',
      importedFrom: { jobId: 'j1', fileName: 'clients.csv', fileSha256: 'ab12', row: 2 },
    });
    expect(notificationsFor(imported)).toEqual([]);
  });

  it('welcomes again when staff ask for it', () => {
    expect(notificationsFor(given('WelcomeMessageRequested', {}))).toEqual([
      { id: idOf('welcome'), kind: 'welcome', studioId, clientId, data: {} },
    ]);
  });

  it('tells of a password reset staff asked for', () => {
    expect(notificationsFor(given('PasswordResetRequested', {}))).toEqual([
      { id: idOf('password_reset'), kind: 'password_reset', studioId, clientId, data: {} },
    ]);
  });

  it('asks for a signature, naming the waiver and its version', () => {
    const requested = given('SignatureRequested', {
      studioId,
      waiverId: 'w1',
      version: 2,
      title: 'Aerial liability waiver',
    });
    expect(notificationsFor(requested)).toEqual([
      {
        id: idOf('signature_request'),
        kind: 'signature_request',
        studioId,
        clientId,
        data: { waiverId: 'w1', title: 'Aerial liability waiver', version: 2 },
      },
    ]);
  });

  it('tells of complimentary credits, keeping staff’s reason to the studio', () => {
    expect(
      notificationsFor(grant({ kind: 'complimentary', reason: 'sorry for the cold room' })),
    ).toEqual([
      {
        id: idOf('credits_issued'),
        kind: 'credits_issued',
        studioId,
        clientId,
        data: {
          count: 5,
          eventTypes: ['yoga', 'pilates'],
          expiresAt: '2027-03-01T04:59:59.999Z',
          validityDaysFromFirstUse: null,
          from: { kind: 'complimentary' },
        },
      },
    ]);
  });

  it('tells of credits that came with a sale, naming the product', () => {
    const [notification] = notificationsFor(
      grant(
        { kind: 'sale', saleId: 's1', productId: 'p1', productName: '10-class pack' },
        { expiresAt: null, validityDaysFromFirstUse: 60 },
      ),
    );
    expect(notification).toMatchObject({
      kind: 'credits_issued',
      data: { from: { kind: 'sale', productName: '10-class pack' }, validityDaysFromFirstUse: 60 },
    });
  });

  it('says nothing of the credits each membership period brings', () => {
    expect(
      notificationsFor(grant({ kind: 'membership', membershipId: 'm1', periodFrom: '2026-12-01' })),
    ).toEqual([]);
  });

  it.each(['ClientProfileUpdated', 'WaiverSigned', 'CreditsSpent', 'MemoAdded'])(
    'says nothing of %s',
    (type) => {
      expect(notificationsFor(given(type, { personal: {} }))).toEqual([]);
    },
  );

  it('names the same notification however often the same event is read', () => {
    const [once] = notificationsFor(given('PasswordResetRequested', {}));
    const [again] = notificationsFor(given('PasswordResetRequested', {}));
    const [other] = notificationsFor(
      given('PasswordResetRequested', {}, '9d0e4b1a-0000-4000-8000-00000000000a'),
    );
    expect(again!.id).toBe(once!.id);
    expect(other!.id).not.toBe(once!.id);
  });
});
