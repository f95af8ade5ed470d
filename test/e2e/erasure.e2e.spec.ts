import { clientDecider, clientStream, ERASED_PERSONAL_DETAILS } from '@clientele/clients';
import { commandContext, handleCommand } from '@clientele/eventstore';
import { adminActions } from '@clientele/runtime';
import { PRODUCTS, studioFixtures } from '../support/studio-fixtures';
import { startTestApp, type Reply, type TestApp } from '../support/test-app';

let t: TestApp;
let token: string;
let studioId: string;
let desk: string;
let manager: string;
let pack: string;
let sessionId: string;
let waiverId: string;

const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.from('a tiny picture'),
]);
const pdf = Buffer.from('%PDF-1.7\nintake form\n%%EOF\n');

/** What must never be readable in the log: every personal detail the test records. */
const SECRETS = [
  'Zelda',
  'Quillfeather',
  'zelda.q@erase.example',
  '555-0199',
  'knee surgery',
  'intake-zq',
  'Z. Quillfeather signs',
  'Orchard Lane',
];

beforeAll(async () => {
  t = await startTestApp();
  ({ token, studioId } = await t.createStudio('Erasure Studio'));
  desk = await t.hire(token, 'front_desk');
  manager = await t.hire(token, 'manager');
  await t.call('PUT', '/v1/studio/client-fields', {
    token,
    body: {
      customerGroups: ['Students'],
      customFields: [{ key: 'injury', label: 'Injury', type: 'text' }],
      integrations: [],
    },
  });
  const make = studioFixtures(t, token);
  const classType = await make.classType();
  pack = await make.product(PRODUCTS.tenClasses);
  sessionId = await make.session(classType, 2, { capacity: 5, title: 'Morning flow' });
  waiverId = await make.waiver('Waiver');
});
afterAll(() => t.close());

/** The reply, which must be a success: a failed step says what it was told. */
async function ok(reply: Promise<Reply>): Promise<Reply> {
  const answer = await reply;
  if (answer.status >= 300) throw new Error(`${answer.status}: ${answer.text}`);
  return answer;
}

/** Zelda, with everything a studio holds on a client: the subject of the erasure. */
async function zelda() {
  const id = await register({
    firstName: 'Zelda',
    lastName: 'Quillfeather',
    email: 'Zelda.Q@erase.example',
    phone: '555-0199',
    birthday: '1990-02-03',
    address: { line1: '12 Orchard Lane', city: 'Springfield' },
  });
  const partner = await register({
    firstName: 'Pat',
    lastName: 'Partner',
    email: 'pat@erase.example',
  });
  await ok(
    t.call('POST', `/v1/clients/${id}/memos`, {
      token,
      body: { text: 'Had knee surgery', starred: true },
    }),
  );
  await ok(
    t.call('PATCH', `/v1/clients/${id}/details`, {
      token,
      body: { customerGroup: 'Students', customFields: { injury: 'knee surgery' } },
    }),
  );
  await ok(
    t.call('POST', `/v1/clients/${id}/consents`, {
      token,
      body: { consent: 'data_protection', version: 'v1' },
    }),
  );
  await ok(
    t.call('PUT', `/v1/clients/${id}/image`, {
      token,
      raw: png,
      headers: { 'content-type': 'image/png' },
    }),
  );
  await ok(
    t.call('POST', `/v1/clients/${id}/documents?name=intake-zq.pdf`, {
      token,
      raw: pdf,
      headers: { 'content-type': 'application/pdf' },
    }),
  );
  await ok(
    t.call('POST', `/v1/clients/${id}/signatures`, {
      token,
      body: { waiverId, signature: 'Z. Quillfeather signs' },
    }),
  );
  await ok(
    t.call('POST', `/v1/clients/${id}/relationships`, {
      token,
      body: { clientId: partner, role: 'partner' },
    }),
  );
  await ok(
    t.call('POST', '/v1/sales', {
      token,
      body: { clientId: id, items: [{ productId: pack }], payment: { method: 'cash' } },
    }),
  );
  await ok(
    t.call('POST', `/v1/sessions/${sessionId}/enrollments`, {
      token,
      body: { clientId: id, payWith: 'credit', channel: 'studio' },
    }),
  );
  await ok(t.call('POST', `/v1/sessions/${sessionId}/enrollments/${id}/check-in`, { token }));
  return { id, partner };
}

const register = async (body: object) =>
  (await ok(t.call('POST', '/v1/clients', { token, body }))).body.id as string;

/** Every event row as stored, as text. */
async function rawLog(): Promise<string> {
  const rows = await t.runtime.db.sql.query<{ data: unknown; stream_name: string }>(
    'SELECT stream_name, data FROM events',
  );
  return JSON.stringify(rows);
}

const READ_MODELS: Record<string, string[]> = {
  client_profiles: ['client_profiles', 'client_memos', 'client_documents'],
  waivers: ['waivers', 'waiver_signatures', 'signature_requests', 'waiver_erased_clients'],
  client_relationships: ['client_relationships'],
  client_accounts: ['account_balances', 'credit_grants', 'sales', 'bills', 'payments'],
  schedule: ['sessions', 'session_places'],
};

async function rowsOf(name: string) {
  return Promise.all(
    READ_MODELS[name]!.map(async (table) =>
      (await t.runtime.db.kysely.selectFrom(table).selectAll().execute())
        .map((row) => JSON.stringify(row))
        .sort(),
    ),
  );
}

describe('POST /v1/clients/{id}/erase', () => {
  let id: string;
  let partner: string;
  let report: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- asserted below
  let pending: number;
  let before: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- asserted below

  beforeAll(async () => {
    ({ id, partner } = await zelda());
    before = (await t.call('GET', `/v1/clients/${id}`, { token })).body;
  });

  it('keeps no personal detail in plain text in the log, even before erasure', async () => {
    const log = await rawLog();
    expect(log).toContain(id);
    for (const secret of SECRETS) expect(log.toLowerCase()).not.toContain(secret.toLowerCase());
  });

  it('is the owner’s and managers’, not the desk’s', async () => {
    const refused = await t.call('POST', `/v1/clients/${id}/erase`, { token: desk });
    expect(refused.status).toBe(403);
    expect(refused.body.permission).toBe('clients:erase');
    const other = await t.createStudio('Another Studio');
    expect((await t.call('POST', `/v1/clients/${id}/erase`, { token: other.token })).status).toBe(
      404,
    );
  });

  it('answers the erasure report, and the same again for the same request', async () => {
    const headers = { 'idempotency-key': `erase-${id}` };
    pending = (
      await t.runtime.db.sql.query(
        `SELECT message_id FROM outbox WHERE subject_id = $1 AND status = 'pending'`,
        [id],
      )
    ).length;
    expect(pending).toBeGreaterThan(0);

    const erased = await t.call('POST', `/v1/clients/${id}/erase`, { token: manager, headers });
    expect(erased.status).toBe(200);
    report = erased.body;
    expect(report).toMatchObject({
      clientId: id,
      studioId,
      erasedBy: { type: 'staff' },
      complete: true,
      covers: [id],
      keys: [{ clientId: id, destroyed: true, destroyedAt: expect.any(String) }],
      files: { deleted: 2, bytes: png.length + pdf.length },
      notifications: { cancelled: pending },
      emailClaims: [
        { stream: expect.stringMatching(/^clientEmail-[0-9a-f]{40}$/), released: true },
      ],
    });
    const byType = Object.fromEntries(
      report.events.byStream.map((e: { stream: string; type: string; count: number }) => [
        `${e.stream.split('-')[0]} ${e.type}`,
        e.count,
      ]),
    );
    expect(byType).toEqual({
      'client ClientRegistered': 1,
      'client MemoAdded': 1,
      'client ClientDetailsChanged': 1,
      'client DocumentAttached': 1,
      'signatures WaiverSigned': 1,
    });
    expect(report.events.unreadable).toBe(5);
    expect(report.kept.map((k: { what: string }) => k.what).join(' ')).toMatch(/Sales.*Bookings/s);
    expect(JSON.stringify(report)).not.toMatch(/zelda|quillfeather/i);

    const again = await t.call('POST', `/v1/clients/${id}/erase`, { token: manager, headers });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(report);
    expect((await t.call('GET', `/v1/clients/${id}/erasure`, { token })).body).toEqual(report);
    const left = await t.runtime.db.sql.query(
      `SELECT status, payload FROM outbox WHERE subject_id = $1`,
      [id],
    );
    expect(left).toEqual(left.map(() => ({ status: 'cancelled', payload: null })));
  });

  it('refuses a second erasure', async () => {
    const second = await t.call('POST', `/v1/clients/${id}/erase`, { token });
    expect(second.status).toBe(422);
    expect(second.body).toMatchObject({ code: 'client_already_erased', erasedAt: report.erasedAt });
  });

  it('shows the profile as erased, with money and attendance as they were', async () => {
    const profile = (await t.call('GET', `/v1/clients/${id}`, { token })).body;
    expect(profile).toMatchObject({
      erased: true,
      erasedAt: report.erasedAt,
      ...ERASED_PERSONAL_DETAILS,
      customFields: {},
      image: null,
      customerGroup: 'Students',
      consents: { data_protection: expect.any(Object) },
    });
    expect(profile.balances).toEqual(before.balances);
    expect(profile.recentSales).toEqual(before.recentSales);
    expect(profile.activeItems).toEqual(before.activeItems);
    expect(profile.memos).toEqual([expect.objectContaining({ text: null, starred: true })]);
    expect(profile.documents).toEqual([expect.objectContaining({ name: null, size: pdf.length })]);
    const roster = (await t.call('GET', `/v1/sessions/${sessionId}/roster`, { token })).body;
    expect(roster.places).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ clientId: id, firstName: null, attendance: 'checked_in' }),
      ]),
    );
    const signatures = (await t.call('GET', `/v1/clients/${id}/signatures`, { token })).body;
    expect(signatures).toEqual([expect.objectContaining({ waiverId, version: 1, personal: null })]);
    const related = (await t.call('GET', `/v1/clients/${partner}`, { token })).body.relationships;
    expect(related).toEqual([
      expect.objectContaining({ clientId: id, firstName: null, role: 'partner' }),
    ]);
    expect((await t.call('GET', `/v1/clients/${id}/image`, { token })).status).toBe(404);
  });

  it('is found by no search, by name or email', async () => {
    for (const search of ['Zelda', 'quill', 'zelda.q@erase.example', 'Ze']) {
      const found = await t.call('GET', `/v1/clients?search=${encodeURIComponent(search)}`, {
        token,
      });
      expect(found.body.items).toEqual([]);
    }
    const all = await t.call('GET', '/v1/clients?limit=100', { token });
    expect(all.body.items.map((c: { id: string }) => c.id)).not.toContain(id);
  });

  it('records nothing personal about them any more', async () => {
    const refusals = await Promise.all([
      t.call('PATCH', `/v1/clients/${id}`, { token, body: { lastName: 'Other' } }),
      t.call('POST', `/v1/clients/${id}/memos`, { token, body: { text: 'again' } }),
      t.call('POST', `/v1/clients/${id}/signatures`, {
        token,
        body: { waiverId, signature: 'Again' },
      }),
      t.call('POST', `/v1/clients/${id}/documents?name=x.pdf`, {
        token,
        raw: pdf,
        headers: { 'content-type': 'application/pdf' },
      }),
    ]);
    expect(refusals.map((r) => [r.status, r.body.code])).toEqual(
      refusals.map(() => [422, 'client_erased']),
    );
  });

  it('frees the email for a new registration', async () => {
    const again = await t.call('POST', '/v1/clients', {
      token,
      body: { firstName: 'New', lastName: 'Person', email: 'zelda.q@ERASE.example' },
    });
    expect(again.status).toBe(201);
  });

  it('exports what is left, saying it was erased', async () => {
    const exported = (await t.call('GET', `/v1/clients/${id}/export`, { token })).body;
    expect(exported.erased).toBe(true);
    expect(exported.erasure).toEqual(report);
    expect(exported.profile).toMatchObject({ firstName: null, erased: true });
    expect(exported.account.sales).toHaveLength(1);
    for (const event of exported.events) {
      if ('personal' in event.data) expect(event.data.personal).toBeNull();
    }
    expect(exported.events.map((e: { type: string }) => e.type)).toContain('ClientErased');
    const text = JSON.stringify(exported).toLowerCase();
    for (const secret of SECRETS) expect(text).not.toContain(secret.toLowerCase());
  });

  it('leaves the log with no plain text of them either', async () => {
    const log = await rawLog();
    for (const secret of SECRETS) expect(log.toLowerCase()).not.toContain(secret.toLowerCase());
  });

  it('leaves read models equal to a rebuild from the log', async () => {
    for (const name of Object.keys(READ_MODELS)) {
      await t.runtime.runner.catchUp(name);
      const live = await rowsOf(name);
      await adminActions['projections.rebuild'](t.runtime, { name });
      expect({ name, rows: await rowsOf(name) }).toEqual({ name, rows: live });
    }
    const profile = (await t.call('GET', `/v1/clients/${id}`, { token })).body;
    expect(profile.balances).toEqual(before.balances);
  });
});

describe('an erasure interrupted after its event', () => {
  it('is finished by the next request, which answers the report', async () => {
    const id = await register({
      firstName: 'Crash',
      lastName: 'Test',
      email: 'crash@erase.example',
    });
    // The process died right after appending ClientErased: nothing else was done.
    await handleCommand(
      t.runtime.store,
      clientStream(id),
      clientDecider,
      { type: 'EraseClient', data: { clientId: id, studioId } },
      commandContext({
        studioId,
        actor: { type: 'system', id: 'test' },
        correlationId: 'crash',
        now: new Date(),
      }),
    );
    const unfinished = (await t.call('GET', `/v1/clients/${id}/erasure`, { token })).body;
    expect(unfinished).toMatchObject({ complete: false, keys: [{ destroyed: false }] });

    const finished = await t.call('POST', `/v1/clients/${id}/erase`, { token });
    expect(finished.status).toBe(200);
    expect(finished.body).toMatchObject({
      complete: true,
      keys: [{ destroyed: true }],
      emailClaims: [{ released: true }],
      notifications: { cancelled: 1 },
    });
    expect((await t.call('POST', `/v1/clients/${id}/erase`, { token })).status).toBe(422);
  });

  it('answers 404 for a client never erased', async () => {
    const id = await register({
      firstName: 'Kept',
      lastName: 'Client',
      email: 'kept@erase.example',
    });
    const reply = await t.call('GET', `/v1/clients/${id}/erasure`, { token });
    expect(reply.status).toBe(404);
    expect(reply.body.code).toBe('erasure_not_found');
  });
});
