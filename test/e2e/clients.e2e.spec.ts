import { startTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
let token: string;
let studioId: string;

beforeAll(async () => {
  t = await startTestApp();
  ({ token, studioId } = await t.createStudio('Sunrise Yoga'));
});
afterAll(() => t.close());

let n = 0;
const person = (over: Record<string, unknown> = {}) => ({
  firstName: 'Jane',
  lastName: 'Doe',
  email: `jane${++n}@example.com`,
  ...over,
});

describe('registering and reading a client', () => {
  it('answers 201 with the profile, Location and ETag, and the next GET sees it', async () => {
    const created = await t.call('POST', '/v1/clients', {
      token,
      body: person({
        phone: '+1 555 0100',
        birthday: '1990-04-01',
        address: { city: 'Boston', country: 'US' },
      }),
    });
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe(`/v1/clients/${created.body.id}`);
    expect(created.headers.etag).toBe('"0"');
    expect(created.body).toMatchObject({
      studioId,
      firstName: 'Jane',
      birthday: '1990-04-01',
      version: 0,
    });

    const read = await t.call('GET', `/v1/clients/${created.body.id}`, { token });
    expect(read.status).toBe(200);
    expect(read.headers.etag).toBe('"0"');
    expect(read.body).toEqual({
      ...created.body,
      updatedAt: read.body.updatedAt,
      // A new client holds nothing and owes nothing, in the studio's currency.
      balances: {
        credits: [],
        accountCredit: { amount: 0, currency: 'USD' },
        outstanding: { amount: 0, currency: 'USD' },
      },
      paymentSettings: { payLater: true, useAccountCreditForRecurring: false },
      activeItems: { memberships: [], packs: [], vod: [] },
      openBills: [],
      recentSales: [],
      upcomingRegistrations: [],
      paymentMethods: [],
      signedWaivers: [],
      signatureRequests: [],
      relationships: [],
      documents: [],
      memos: [],
      merged: [],
    });
  });

  it('always shows a client to the GET that follows its POST (read-your-writes)', async () => {
    for (let i = 0; i < 15; i++) {
      const created = await t.call('POST', '/v1/clients', { token, body: person() });
      const read = await t.call('GET', `/v1/clients/${created.body.id}`, { token });
      expect(read.status).toBe(200);
    }
  });

  it('refuses a second client with the same email in any case, naming the first', async () => {
    const first = await t.call('POST', '/v1/clients', {
      token,
      body: person({ email: 'Sam@Example.com' }),
    });
    const second = await t.call('POST', '/v1/clients', {
      token,
      body: person({ email: ' sam@EXAMPLE.com' }),
    });
    expect(second.status).toBe(422);
    expect(second.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(second.body).toMatchObject({
      code: 'email_already_registered',
      existingClientId: first.body.id,
    });
  });

  it('lets another studio register the same email', async () => {
    const other = await t.createStudio('Moon Pilates');
    await t.call('POST', '/v1/clients', { token, body: person({ email: 'shared@example.com' }) });
    const there = await t.call('POST', '/v1/clients', {
      token: other.token,
      body: person({ email: 'shared@example.com' }),
    });
    expect(there.status).toBe(201);
  });

  it('registers exactly one of 12 clients sent at the same instant with one email (invariant 8)', async () => {
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        t.call('POST', '/v1/clients', {
          token,
          body: person({ firstName: `Racer${i}`, email: 'race@example.com' }),
        }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 422)).toHaveLength(11);
    const winner = results.find((r) => r.status === 201)!.body.id;
    for (const loser of results.filter((r) => r.status === 422))
      expect(loser.body.existingClientId).toBe(winner);
    const found = await t.call('GET', '/v1/clients?search=race@example.com', { token });
    expect(found.body.items).toHaveLength(1);
  });
});

describe('studio isolation under parallel requests (invariant 6)', () => {
  it('answers each studio with its own clients only, however requests interleave', async () => {
    const other = await t.createStudio('Parallel Pilates');
    const ours = await t.call('POST', '/v1/clients', { token, body: person({ lastName: 'Ours' }) });
    const theirs = await t.call('POST', '/v1/clients', {
      token: other.token,
      body: person({ lastName: 'Theirs' }),
    });
    const calls = Array.from({ length: 40 }, (_, i) => {
      const [who, id] = i % 2 === 0 ? [token, theirs.body.id] : [other.token, ours.body.id];
      return i % 4 < 2
        ? t.call('GET', `/v1/clients/${id}`, { token: who })
        : t.call('PATCH', `/v1/clients/${id}`, { token: who, body: { firstName: `Intruder${i}` } });
    });
    const answers = await Promise.all(calls);
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 404));
    expect((await t.call('GET', `/v1/clients/${ours.body.id}`, { token })).body.firstName).toBe(
      'Jane',
    );
    const stillTheirs = await t.call('GET', `/v1/clients/${theirs.body.id}`, {
      token: other.token,
    });
    expect(stillTheirs.body).toMatchObject({ firstName: 'Jane', version: 0 });
  });
});

describe('changing a profile', () => {
  it('applies a PATCH, moves the ETag, and refuses a stale If-Match with 412', async () => {
    const created = await t.call('POST', '/v1/clients', { token, body: person() });
    const id = created.body.id;
    const changed = await t.call('PATCH', `/v1/clients/${id}`, {
      token,
      body: { lastName: 'Smith', phone: '+44 20 7946 0000' },
      headers: { 'if-match': '"0"' },
    });
    expect(changed.status).toBe(200);
    expect(changed.headers.etag).toBe('"1"');
    expect(changed.body).toMatchObject({
      lastName: 'Smith',
      phone: '+44 20 7946 0000',
      version: 1,
    });

    const stale = await t.call('PATCH', `/v1/clients/${id}`, {
      token,
      body: { lastName: 'Jones' },
      headers: { 'if-match': '"0"' },
    });
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ code: 'precondition_failed', currentVersion: 1 });
    expect((await t.call('GET', `/v1/clients/${id}`, { token })).body.lastName).toBe('Smith');
  });

  it('takes an Idempotency-Key on PATCH too: same body replays, another body is a 409', async () => {
    const created = await t.call('POST', '/v1/clients', { token, body: person() });
    const url = `/v1/clients/${created.body.id}`;
    const headers = { 'idempotency-key': 'rename-1' };
    const first = await t.call('PATCH', url, { token, body: { firstName: 'Anna' }, headers });
    expect(first.status).toBe(200);
    const again = await t.call('PATCH', url, { token, body: { firstName: 'Anna' }, headers });
    expect(again.status).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    const other = await t.call('PATCH', url, { token, body: { firstName: 'Bella' }, headers });
    expect(other.status).toBe(409);
    expect(other.body.code).toBe('idempotency_key_reused');
    expect((await t.call('GET', url, { token })).body).toMatchObject({
      firstName: 'Anna',
      version: 1,
    });
  });

  it('keeps no Idempotency-Key for a request refused as invalid: the desk fixes it and sends it again', async () => {
    const headers = { 'idempotency-key': 'typo-then-fixed' };
    const body = person();
    const typo = await t.call('POST', '/v1/clients', {
      token,
      body: { ...body, email: 'not an email' },
      headers,
    });
    expect(typo.status).toBe(400);
    const fixed = await t.call('POST', '/v1/clients', { token, body, headers });
    expect(fixed.status).toBe(201);
    const again = await t.call('POST', '/v1/clients', { token, body, headers });
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.id).toBe(fixed.body.id);
  });

  it('clears an optional field with null', async () => {
    const created = await t.call('POST', '/v1/clients', {
      token,
      body: person({ phone: '555 0101' }),
    });
    const cleared = await t.call('PATCH', `/v1/clients/${created.body.id}`, {
      token,
      body: { phone: null },
    });
    expect(cleared.body.phone).toBeNull();
    expect(
      (await t.call('GET', `/v1/clients/${created.body.id}`, { token })).body.phone,
    ).toBeNull();
  });

  it('moves the email: the new one is taken, the old one is free again', async () => {
    const a = await t.call('POST', '/v1/clients', {
      token,
      body: person({ email: 'old@example.com' }),
    });
    const b = await t.call('POST', '/v1/clients', {
      token,
      body: person({ email: 'taken@example.com' }),
    });
    const clash = await t.call('PATCH', `/v1/clients/${a.body.id}`, {
      token,
      body: { email: 'TAKEN@example.com' },
    });
    expect(clash.status).toBe(422);
    expect(clash.body.existingClientId).toBe(b.body.id);
    const moved = await t.call('PATCH', `/v1/clients/${a.body.id}`, {
      token,
      body: { email: 'new@example.com' },
    });
    expect(moved.status).toBe(200);
    const reuse = await t.call('POST', '/v1/clients', {
      token,
      body: person({ email: 'old@example.com' }),
    });
    expect(reuse.status).toBe(201);
    const again = await t.call('POST', '/v1/clients', {
      token,
      body: person({ email: 'new@example.com' }),
    });
    expect(again.status).toBe(422);
  });
});

describe('finding clients', () => {
  let searchToken: string;
  beforeAll(async () => {
    ({ token: searchToken } = await t.createStudio('Search Studio'));
    const people = [
      ['Zoë', 'Müller', 'zoe.mueller@example.com'],
      ['Zoe', 'Miller', 'zmiller@example.org'],
      ['José', 'Álvarez', 'jose@example.com'],
      ['Анна', 'Иванова', 'anna@example.ru'],
      ['Ann', 'Smith', 'ann.smith@example.com'],
    ];
    for (const [firstName, lastName, email] of people) {
      const r = await t.call('POST', '/v1/clients', {
        token: searchToken,
        body: { firstName, lastName, email },
      });
      expect(r.status).toBe(201);
    }
  });
  const names = async (query: string) =>
    (await t.call('GET', `/v1/clients?${query}`, { token: searchToken })).body.items.map(
      (c: { firstName: string; lastName: string }) => `${c.firstName} ${c.lastName}`,
    );

  it('ignores case and accents', async () => {
    expect(await names('search=ZOE')).toEqual(['Zoe Miller', 'Zoë Müller']);
    expect(await names('search=muller')).toEqual(['Zoë Müller']);
    expect(await names('search=alvarez')).toEqual(['José Álvarez']);
    expect(await names(`search=${encodeURIComponent('иван')}`)).toEqual(['Анна Иванова']);
  });

  it('matches a prefix, a substring, an email, and several words', async () => {
    // "an" is a prefix of Ann and of anna@example.ru
    expect(await names('search=an')).toEqual(['Ann Smith', 'Анна Иванова']);
    expect(await names('search=ille')).toEqual(['Zoe Miller']);
    expect(await names('search=example.org')).toEqual(['Zoe Miller']);
    expect(await names('search=zoe%20mu')).toEqual(['Zoë Müller']);
  });

  it('treats LIKE wildcards and quotes as text', async () => {
    expect(await names('search=%25')).toEqual([]);
    expect(await names(`search=${encodeURIComponent("' OR 1=1 --")}`)).toEqual([]);
  });

  it('pages with limit and an opaque cursor, each client once', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { id: string }[]; nextCursor: string | null } } = await t.call(
        'GET',
        `/v1/clients?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        { token: searchToken },
      );
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((c) => c.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);
  });
});

describe('the audit history', () => {
  it('lists every event with actor and correlation id, and folds the account as of an instant', async () => {
    const created = await t.call('POST', '/v1/clients', {
      token,
      body: person({ firstName: 'Before' }),
      headers: { 'x-correlation-id': 'desk-42' },
    });
    const between = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await t.call('PATCH', `/v1/clients/${created.body.id}`, {
      token,
      body: { firstName: 'After' },
    });

    const now = await t.call('GET', `/v1/clients/${created.body.id}/history`, { token });
    expect(now.status).toBe(200);
    expect(now.body.events.map((e: { type: string }) => e.type)).toEqual([
      'ClientRegistered',
      'ClientProfileUpdated',
    ]);
    expect(now.body.events[0]).toMatchObject({
      revision: 0,
      correlationId: 'desk-42',
      actor: { type: 'staff' },
    });
    expect(now.body.profile.firstName).toBe('After');

    const then = await t.call(
      'GET',
      `/v1/clients/${created.body.id}/history?asOf=${encodeURIComponent(between)}`,
      { token },
    );
    expect(then.body.events).toHaveLength(1);
    expect(then.body.profile.firstName).toBe('Before');

    const before = await t.call(
      'GET',
      `/v1/clients/${created.body.id}/history?asOf=2000-01-01T00:00:00Z`,
      { token },
    );
    expect(before.body).toMatchObject({ events: [], profile: null });
  });
});
