import { startTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
let token: string;
let desk: string;

beforeAll(async () => {
  t = await startTestApp();
  ({ token } = await t.createStudio('Export Studio'));
  desk = await t.hire(token, 'front_desk');
});
afterAll(() => t.close());

const newClient = async (first: string) =>
  (
    await t.call('POST', '/v1/clients', {
      token,
      body: {
        firstName: first,
        lastName: 'Export',
        email: `${first.toLowerCase()}@export.example`,
      },
    })
  ).body.id as string;

describe('GET /v1/clients/{id}/export', () => {
  it('holds everything on the client in one document, every event of their streams included', async () => {
    const id = await newClient('Ada');
    const partner = await newClient('Bea');
    await t.call('POST', `/v1/clients/${id}/credits`, {
      token,
      body: { eventTypes: ['yoga'], count: 3, reason: 'welcome' },
    });
    await t.call('POST', `/v1/clients/${id}/memos`, { token, body: { text: 'Knee injury' } });
    await t.call('POST', `/v1/clients/${id}/relationships`, {
      token,
      body: { clientId: partner, role: 'partner' },
    });
    const waiverId = (
      await t.call('POST', '/v1/waivers', { token, body: { title: 'Waiver', body: 'Terms.' } })
    ).body.waiverId;
    await t.call('POST', `/v1/clients/${id}/signatures`, {
      token,
      body: { waiverId, signature: 'Ada Export' },
    });
    await t.call('POST', `/v1/clients/${id}/consents`, {
      token,
      body: { consent: 'data_protection', version: '2026-01' },
    });

    const exported = await t.call('GET', `/v1/clients/${id}/export`, { token });
    expect(exported.status).toBe(200);
    const doc = exported.body;
    expect(doc.profile).toMatchObject({
      id,
      firstName: 'Ada',
      consents: { data_protection: expect.any(Object) },
    });
    expect(doc.account.credits).toEqual([
      expect.objectContaining({ eventType: 'yoga', available: 3 }),
    ]);
    expect(doc.memos).toEqual([expect.objectContaining({ text: 'Knee injury' })]);
    expect(doc.relationships).toEqual([
      expect.objectContaining({ clientId: partner, role: 'partner' }),
    ]);
    expect(doc.waivers.signatures).toEqual([
      expect.objectContaining({
        waiverId,
        personal: expect.objectContaining({ signature: { kind: 'typed', name: 'Ada Export' } }),
      }),
    ]);
    const types = doc.events.map((e: { type: string }) => e.type);
    expect(types).toEqual(
      expect.arrayContaining([
        'ClientRegistered',
        'CreditsGranted',
        'MemoAdded',
        'RelationshipAdded',
        'WaiverSigned',
        'ConsentGiven',
      ]),
    );
    expect(doc.notifications.map((m: { kind: string }) => m.kind)).toEqual(
      expect.arrayContaining(['welcome', 'credits_issued']),
    );
    expect(doc.events[0]).toMatchObject({ stream: `client-${id}`, actor: expect.any(Object) });
  });

  it('is for owners and managers (clients:audit), and never another studio', async () => {
    const id = await newClient('Cy');
    expect((await t.call('GET', `/v1/clients/${id}/export`, { token: desk })).status).toBe(403);
    const { token: theirs } = await t.createStudio('Other Export Studio');
    expect((await t.call('GET', `/v1/clients/${id}/export`, { token: theirs })).status).toBe(404);
  });
});
