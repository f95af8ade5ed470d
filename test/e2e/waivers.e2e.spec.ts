import { relationshipId } from '@clientele/clients';
import { startTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
let token: string;
let frontDesk: string;
let flow: string;

beforeAll(async () => {
  t = await startTestApp();
  ({ token } = await t.createStudio('Waiver Studio'));
  frontDesk = await t.hire(token, 'front_desk');
  flow = (
    await t.call('POST', '/v1/class-types', {
      token,
      body: { name: 'Aerial', format: 'in_person', eventType: 'aerial' },
    })
  ).body.id;
});
afterAll(() => t.close());

let n = 0;
async function client(extra: object = {}): Promise<string> {
  const id = (
    await t.call('POST', '/v1/clients', {
      token,
      body: { firstName: 'Wai', lastName: `Ver${++n}`, email: `w${n}@waiver.example`, ...extra },
    })
  ).body.id as string;
  await t.call('POST', `/v1/clients/${id}/credits`, {
    token,
    body: { eventTypes: ['aerial'], count: 5, reason: 'test' },
  });
  return id;
}

async function waiver(title = 'Aerial liability waiver'): Promise<string> {
  const created = await t.call('POST', '/v1/waivers', {
    token,
    body: { title, body: 'Aerial work is at my own risk.' },
  });
  expect(created.status).toBe(201);
  return created.body.waiverId;
}

async function sessionRequiring(waiverId: string | null): Promise<string> {
  const created = await t.call('POST', '/v1/sessions', {
    token,
    body: {
      classTypeId: flow,
      startsAt: new Date(Date.now() + 3 * 86_400_000).toISOString(),
      durationMinutes: 60,
      capacity: 10,
      waiverId,
    },
  });
  expect(created.status).toBe(201);
  return created.body.id;
}

const enroll = (sessionId: string, clientId: string) =>
  t.call('POST', `/v1/sessions/${sessionId}/enrollments`, {
    token,
    body: { clientId, payWith: 'credit', channel: 'studio' },
  });

const sign = (clientId: string, body: object, headers: Record<string, string> = {}) =>
  t.call('POST', `/v1/clients/${clientId}/signatures`, { token: frontDesk, body, headers });

const profile = async (clientId: string) =>
  (await t.call('GET', `/v1/clients/${clientId}`, { token })).body;

describe('waivers', () => {
  it('are written by a manager in versions; the desk reads them but cannot write one', async () => {
    const waiverId = await waiver('House rules');
    const refused = await t.call('POST', '/v1/waivers', {
      token: frontDesk,
      body: { title: 'Mine', body: 'x' },
    });
    expect(refused.status).toBe(403);
    const v2 = await t.call('POST', `/v1/waivers/${waiverId}/versions`, {
      token,
      body: { body: 'Shoes off in the studio.', requiresResigning: false },
    });
    expect(v2.status).toBe(201);
    expect(v2.body).toMatchObject({ title: 'House rules', version: 2, oldestValidVersion: 1 });
    const read = await t.call('GET', `/v1/waivers/${waiverId}`, { token: frontDesk });
    expect(read.body.versions.map((v: { version: number; body: string }) => v.body)).toEqual([
      'Aerial work is at my own risk.',
      'Shoes off in the studio.',
    ]);
    const listed = await t.call('GET', '/v1/waivers', { token: frontDesk });
    expect(listed.body).toContainEqual(expect.objectContaining({ waiverId, version: 2 }));
    const invalid = await t.call('POST', '/v1/waivers', { token, body: { title: '', body: 'x' } });
    expect(invalid.status).toBe(400);
  });

  it('creates one waiver however often the request is retried with its key', async () => {
    const headers = { 'idempotency-key': 'waiver-retry' };
    const body = { title: 'Retried waiver', body: 'Once.' };
    const first = await t.call('POST', '/v1/waivers', { token, body, headers });
    const again = await t.call('POST', '/v1/waivers', { token, body, headers });
    expect(again.body.waiverId).toBe(first.body.waiverId);
    const listed = await t.call('GET', '/v1/waivers', { token });
    expect(listed.body.filter((w: { title: string }) => w.title === 'Retried waiver')).toHaveLength(
      1,
    );
  });

  it('refuses a booking until the current version is signed, then books it', async () => {
    const waiverId = await waiver();
    const sessionId = await sessionRequiring(waiverId);
    const clientId = await client();
    const refused = await enroll(sessionId, clientId);
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ code: 'waiver_unsigned', waiverId, version: 1 });
    const signed = await sign(
      clientId,
      { waiverId, signature: 'Wai Ver' },
      { 'user-agent': 'Front desk tablet' },
    );
    expect(signed.status).toBe(201);
    expect(signed.body).toMatchObject({
      waiverId,
      version: 1,
      signedBy: { clientId, as: 'self' },
    });
    expect((await enroll(sessionId, clientId)).body.status).toBe('confirmed');
    expect((await profile(clientId)).signedWaivers).toEqual([
      expect.objectContaining({
        waiverId,
        title: 'Aerial liability waiver',
        version: 1,
        valid: true,
        signedAt: expect.any(String),
      }),
    ]);
    const all = await t.call('GET', `/v1/clients/${clientId}/signatures`, { token });
    expect(all.body[0].personal).toEqual({
      signature: { kind: 'typed', name: 'Wai Ver' },
      ip: expect.any(String),
      userAgent: 'Front desk tablet',
    });
    // A session without a waiver asks for none.
    const other = await client();
    expect((await enroll(await sessionRequiring(null), other)).status).toBe(201);
  });

  it('records one signature when the same version is signed several times at once', async () => {
    const waiverId = await waiver('Signed at once');
    const clientId = await client();
    const replies = await Promise.all(
      [1, 2, 3, 4].map(() => sign(clientId, { waiverId, signature: 'Wai Ver' })),
    );
    expect(replies.map((r) => r.status)).toEqual([201, 201, 201, 201]);
    const signatures = await t.runtime.store.readStream(`signatures-${clientId}`);
    expect(signatures.map((e) => e.type)).toEqual(['WaiverSigned']);
  });

  it('a version that needs signing again refuses the old signature; one that does not keeps it', async () => {
    const waiverId = await waiver('Versioned waiver');
    const clientId = await client();
    await sign(clientId, { waiverId, signature: 'Wai Ver' });
    await t.call('POST', `/v1/waivers/${waiverId}/versions`, {
      token,
      body: { body: 'New terms.', requiresResigning: true },
    });
    const refused = await enroll(await sessionRequiring(waiverId), clientId);
    expect(refused.body).toMatchObject({ code: 'waiver_unsigned', version: 2 });
    expect((await profile(clientId)).signedWaivers[0]).toMatchObject({ version: 1, valid: false });
    await sign(clientId, { waiverId, signature: 'Wai Ver' });
    await t.call('POST', `/v1/waivers/${waiverId}/versions`, {
      token,
      body: { body: 'A typo fixed.', requiresResigning: false },
    });
    expect((await enroll(await sessionRequiring(waiverId), clientId)).status).toBe(201);
  });

  it('shows on the roster and the registrations whose signature lapsed with a new version', async () => {
    const waiverId = await waiver('Roster waiver');
    const sessionId = await sessionRequiring(waiverId);
    const clientId = await client();
    await sign(clientId, { waiverId, signature: 'Wai Ver' });
    await enroll(sessionId, clientId);
    const state = async () => {
      const roster = await t.call('GET', `/v1/sessions/${sessionId}/roster`, { token });
      const upcoming = await t.call('GET', `/v1/clients/${clientId}/registrations`, { token });
      return {
        waiver: roster.body.places[0].waiver,
        requires: upcoming.body.items[0].requires,
      };
    };
    expect(await state()).toEqual({ waiver: 'signed', requires: [] });
    await t.call('POST', `/v1/waivers/${waiverId}/versions`, {
      token,
      body: { body: 'Harness rules changed.', requiresResigning: true },
    });
    expect(await state()).toEqual({ waiver: 'unsigned', requires: ['waiver'] });
    expect((await profile(clientId)).upcomingRegistrations[0].requires).toEqual(['waiver']);
    await sign(clientId, { waiverId, signature: 'Wai Ver' });
    expect(await state()).toEqual({ waiver: 'signed', requires: [] });
    const plain = await sessionRequiring(null);
    await enroll(plain, clientId);
    const roster = await t.call('GET', `/v1/sessions/${plain}/roster`, { token });
    expect(roster.body.places[0].waiver).toBeNull();
  });

  it('a guardian signs for a minor through their relationship, and only a guardian', async () => {
    const waiverId = await waiver('Kids waiver');
    const child = await client({ birthday: '2016-05-01' });
    const parent = await client({ birthday: '1985-02-03' });
    const self = await sign(child, { waiverId, signature: 'Kid' });
    expect(self.status).toBe(422);
    expect(self.body.code).toBe('guardian_signature_required');
    const stranger = await sign(child, { waiverId, signature: 'Parent', guardianId: parent });
    expect(stranger.body.code).toBe('not_guardian');

    const related = await t.call('POST', `/v1/clients/${child}/relationships`, {
      token: frontDesk,
      body: { clientId: parent, role: 'guardian' },
    });
    expect(related.status).toBe(201);
    const signed = await sign(child, { waiverId, signature: 'Parent', guardianId: parent });
    expect(signed.status).toBe(201);
    expect(signed.body.signedBy).toEqual({ clientId: parent, as: 'guardian' });
    expect((await enroll(await sessionRequiring(waiverId), child)).status).toBe(201);
  });

  it('takes a drawn signature as a PNG or JPEG data URL, and refuses anything else', async () => {
    const waiverId = await waiver('Drawn waiver');
    const clientId = await client();
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).toString('base64');
    const fake = Buffer.from('GIF89a').toString('base64');
    const bad = await sign(clientId, { waiverId, signature: `data:image/png;base64,${fake}` });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([
      { field: 'signature.data', message: 'is not a file of type image/png' },
    ]);
    const drawn = await sign(clientId, { waiverId, signature: `data:image/png;base64,${png}` });
    expect(drawn.status).toBe(201);
    const all = await t.call('GET', `/v1/clients/${clientId}/signatures`, { token });
    expect(all.body[0].personal.signature).toEqual({
      kind: 'image',
      mediaType: 'image/png',
      data: png,
    });
  });

  it('asks a client to sign, lists the request until they do, and refuses to ask again after', async () => {
    const waiverId = await waiver('Requested waiver');
    const clientId = await client();
    const asked = await t.call('POST', `/v1/clients/${clientId}/signature-requests`, {
      token: frontDesk,
      body: { waiverId },
    });
    expect(asked.status).toBe(201);
    expect((await profile(clientId)).signatureRequests).toEqual([
      expect.objectContaining({ waiverId, title: 'Requested waiver', version: 1 }),
    ]);
    await sign(clientId, { waiverId, signature: 'Wai Ver' });
    expect((await profile(clientId)).signatureRequests).toEqual([]);
    const again = await t.call('POST', `/v1/clients/${clientId}/signature-requests`, {
      token: frontDesk,
      body: { waiverId },
    });
    expect(again.status).toBe(422);
    expect(again.body.code).toBe('already_signed');
  });

  it("keeps another studio's waiver out of reach", async () => {
    const { token: theirs } = await t.createStudio('Other Waiver Studio');
    const theirWaiver = (
      await t.call('POST', '/v1/waivers', { token: theirs, body: { title: 'Theirs', body: 'x' } })
    ).body.waiverId;
    const clientId = await client();
    expect((await sign(clientId, { waiverId: theirWaiver, signature: 'X' })).status).toBe(404);
    expect((await t.call('GET', `/v1/waivers/${theirWaiver}`, { token })).status).toBe(404);
    const session = await t.call('POST', '/v1/sessions', {
      token,
      body: {
        classTypeId: flow,
        startsAt: new Date(Date.now() + 86_400_000).toISOString(),
        durationMinutes: 60,
        capacity: 5,
        waiverId: theirWaiver,
      },
    });
    expect(session.status).toBe(404);
  });
});

describe('relationships', () => {
  it('shows each side on its profile, once, and ends on both', async () => {
    const ana = await client();
    const bo = await client();
    const relate = (role: string, headers: Record<string, string> = {}) =>
      t.call('POST', `/v1/clients/${ana}/relationships`, {
        token: frontDesk,
        body: { clientId: bo, role },
        headers,
      });
    expect((await relate('partner')).body).toEqual({
      clientId: ana,
      otherClientId: bo,
      role: 'partner',
    });
    expect((await relate('partner')).status).toBe(201);
    const refused = await relate('family');
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('relationship_exists');
    expect((await profile(ana)).relationships).toEqual([
      expect.objectContaining({ clientId: bo, role: 'partner' }),
    ]);
    expect((await profile(bo)).relationships).toEqual([
      expect.objectContaining({ clientId: ana, role: 'partner' }),
    ]);
    const ended = await t.call('DELETE', `/v1/clients/${bo}/relationships/${ana}`, {
      token: frontDesk,
    });
    expect(ended.status).toBe(204);
    expect((await profile(ana)).relationships).toEqual([]);
    expect((await profile(bo)).relationships).toEqual([]);
  });

  it('records one relationship when both sides are related at the same instant', async () => {
    const ana = await client();
    const bo = await client();
    const replies = await Promise.all([
      t.call('POST', `/v1/clients/${ana}/relationships`, {
        token,
        body: { clientId: bo, role: 'partner' },
      }),
      t.call('POST', `/v1/clients/${bo}/relationships`, {
        token,
        body: { clientId: ana, role: 'child' },
      }),
      t.call('POST', `/v1/clients/${ana}/relationships`, {
        token,
        body: { clientId: bo, role: 'family' },
      }),
    ]);
    expect(replies.filter((r) => r.status === 201)).toHaveLength(1);
    expect(replies.filter((r) => r.body.code === 'relationship_exists')).toHaveLength(2);
    const pair = await t.runtime.store.readStream(`relationship-${relationshipId(ana, bo)}`);
    expect(pair.map((e) => e.type)).toEqual(['RelationshipAdded']);
  });

  it('shows a guardian as guardian to the child and the child as child to the guardian', async () => {
    const child = await client();
    const parent = await client();
    await t.call('POST', `/v1/clients/${parent}/relationships`, {
      token,
      body: { clientId: child, role: 'child' },
    });
    expect((await profile(child)).relationships).toEqual([
      expect.objectContaining({ clientId: parent, role: 'guardian' }),
    ]);
    expect((await profile(parent)).relationships).toEqual([
      expect.objectContaining({ clientId: child, role: 'child' }),
    ]);
  });

  it("refuses a client related to themselves, another studio's client, and an unknown role", async () => {
    const ana = await client();
    const self = await t.call('POST', `/v1/clients/${ana}/relationships`, {
      token,
      body: { clientId: ana, role: 'family' },
    });
    expect(self.status).toBe(400);
    const { token: theirs } = await t.createStudio('Other Family Studio');
    const theirClient = (
      await t.call('POST', '/v1/clients', {
        token: theirs,
        body: { firstName: 'T', lastName: 'Heirs', email: 'theirs@family.example' },
      })
    ).body.id;
    const across = await t.call('POST', `/v1/clients/${ana}/relationships`, {
      token,
      body: { clientId: theirClient, role: 'family' },
    });
    expect(across.status).toBe(404);
    const unknown = await t.call('POST', `/v1/clients/${ana}/relationships`, {
      token,
      body: { clientId: theirClient, role: 'cousin' },
    });
    expect(unknown.status).toBe(400);
  });
});
