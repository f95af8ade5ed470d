import { randomUUID } from 'node:crypto';
import { startTestApp, type Reply, type TestApp } from '../support/test-app';

let t: TestApp;
/** Studio A: the owner's token and the studio id. */
let owner: string;
let studioId: string;

beforeAll(async () => {
  t = await startTestApp();
  ({ token: owner, studioId } = await t.createStudio('Auth Studio A'));
});
afterAll(() => t.close());

let n = 0;
const person = (over: Record<string, unknown> = {}) => ({
  firstName: 'Jane',
  lastName: 'Doe',
  email: `auth${++n}@example.com`,
  ...over,
});

/** An RFC 9457 problem with the status asked for, and the code when one is given. */
function expectProblem(reply: Reply, status: number, code?: string): void {
  expect({ status: reply.status, contentType: reply.headers['content-type'] }).toEqual({
    status,
    contentType: expect.stringMatching(/^application\/problem\+json/),
  });
  expect(reply.body).toMatchObject({
    type: expect.stringMatching(/^https?:\/\/\S+$/),
    title: expect.any(String),
    status,
    detail: expect.any(String),
  });
  expect(reply.body.detail.length).toBeGreaterThan(0);
  if (code !== undefined) expect(reply.body.code).toBe(code);
}

interface StaffView {
  id: string;
  name: string;
  email: string;
  role: string;
  tokens: { id: string; label: string; revokedAt: string | null }[];
}

async function staffList(token: string): Promise<StaffView[]> {
  const listed = await t.call('GET', '/v1/staff', { token });
  expect(listed.status).toBe(200);
  return listed.body.items;
}

/** The owner adds a member of staff over the API and issues them a token. */
async function hire(
  role: 'manager' | 'front_desk' | 'instructor',
  ownerToken = owner,
): Promise<{ staffId: string; tokenId: string; token: string }> {
  const email = `${role}${++n}@example.com`;
  const added = await t.call('POST', '/v1/staff', {
    token: ownerToken,
    body: { name: `A ${role}`, email, role },
  });
  expect(added.status).toBe(201);
  expect(added.body).toMatchObject({ id: expect.any(String), email, role });
  const issued = await t.call('POST', `/v1/staff/${added.body.id}/tokens`, {
    token: ownerToken,
    body: { label: `${role} tablet` },
  });
  expect(issued.status).toBe(201);
  expect(issued.body).toMatchObject({
    staffId: added.body.id,
    tokenId: expect.any(String),
    token: expect.stringMatching(/^\S{20,}$/),
  });
  return { staffId: added.body.id, tokenId: issued.body.tokenId, token: issued.body.token };
}

describe('authentication', () => {
  it.each<[string, Record<string, string>]>([
    ['no Authorization header', {}],
    ['a Basic scheme', { authorization: 'Basic x' }],
    ['"Bearer" with no token', { authorization: 'Bearer' }],
    ['"Bearer " with an empty token', { authorization: 'Bearer ' }],
    ['a token in two parts', { authorization: 'Bearer a b' }],
    ['an unknown token', { authorization: 'Bearer clt_thisTokenWasNeverIssuedByAnybodyAtAll' }],
    ['an empty header', { authorization: '' }],
  ])('answers 401 problem+json to %s', async (_, headers) => {
    const reply = await t.call('GET', '/v1/clients', { headers });
    expectProblem(reply, 401, 'unauthenticated');
    expect(reply.text).not.toContain('"items"');
  });

  it('answers 401 to a valid token sent under another scheme', async () => {
    const reply = await t.call('GET', '/v1/clients', {
      headers: { authorization: `Basic ${owner}` },
    });
    expectProblem(reply, 401, 'unauthenticated');
  });

  it('accepts the owner token (the control for the 401s above)', async () => {
    const reply = await t.call('GET', '/v1/clients', { token: owner });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ items: expect.any(Array) });
  });

  it('answers 401 to a POST without a token and writes nothing', async () => {
    const email = 'anonymous-writer@example.com';
    const reply = await t.call('POST', '/v1/clients', { body: person({ email }) });
    expectProblem(reply, 401, 'unauthenticated');
    const found = await t.call('GET', `/v1/clients?search=${email}`, { token: owner });
    expect(found.body.items).toEqual([]);
  });

  it('stops accepting a token revoked over the API, and only that one', async () => {
    const { staffId, token } = await hire('front_desk');
    expect((await t.call('GET', '/v1/clients', { token })).status).toBe(200);

    const member = (await staffList(owner)).find((s) => s.id === staffId)!;
    expect(member.tokens).toEqual([
      expect.objectContaining({ label: 'front_desk tablet', revokedAt: null }),
    ]);
    const tokenId = member.tokens[0]!.id;

    const revoked = await t.call('POST', `/v1/staff/${staffId}/tokens/${tokenId}/revoke`, {
      token: owner,
    });
    expect(revoked.status).toBe(204);
    expect(revoked.text).toBe('');

    const afterwards = await t.call('GET', '/v1/clients', { token });
    expectProblem(afterwards, 401, 'unauthenticated');
    const write = await t.call('POST', '/v1/clients', { token, body: person() });
    expectProblem(write, 401, 'unauthenticated');

    const listed = (await staffList(owner)).find((s) => s.id === staffId)!;
    expect(listed.tokens[0]!.revokedAt).toEqual(expect.any(String));
    expect((await t.call('GET', '/v1/clients', { token: owner })).status).toBe(200);
  });

  it('never lists a token itself, only its id and label', async () => {
    const { token } = await hire('instructor');
    const listed = await t.call('GET', '/v1/staff', { token: owner });
    expect(listed.status).toBe(200);
    expect(listed.text).not.toContain(token);
    expect(listed.text).not.toContain(owner);
  });
});

describe('authorisation by role', () => {
  let instructor: string;
  let frontDesk: string;
  let clientId: string;

  beforeAll(async () => {
    ({ token: instructor } = await hire('instructor'));
    ({ token: frontDesk } = await hire('front_desk'));
    const created = await t.call('POST', '/v1/clients', {
      token: owner,
      body: person({ firstName: 'Roleplay' }),
    });
    expect(created.status).toBe(201);
    clientId = created.body.id;
  });

  it('lets an instructor find and read clients', async () => {
    const search = await t.call('GET', '/v1/clients?search=roleplay', { token: instructor });
    expect(search.status).toBe(200);
    expect(search.body.items.map((c: { id: string }) => c.id)).toEqual([clientId]);
    const read = await t.call('GET', `/v1/clients/${clientId}`, { token: instructor });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: clientId, firstName: 'Roleplay' });
  });

  const denied: [string, 'instructor' | 'frontDesk', 'GET' | 'POST' | 'PATCH', string, string][] = [
    ['an instructor registering a client', 'instructor', 'POST', '/v1/clients', 'clients:write'],
    ['an instructor changing a client', 'instructor', 'PATCH', 'CLIENT', 'clients:write'],
    ['an instructor reading history', 'instructor', 'GET', 'CLIENT/history', 'clients:audit'],
    ['an instructor adding staff', 'instructor', 'POST', '/v1/staff', 'staff:manage'],
    ['an instructor listing staff', 'instructor', 'GET', '/v1/staff', 'staff:read'],
    ['front desk reading history', 'frontDesk', 'GET', 'CLIENT/history', 'clients:audit'],
    ['front desk adding staff', 'frontDesk', 'POST', '/v1/staff', 'staff:manage'],
    ['front desk listing staff', 'frontDesk', 'GET', '/v1/staff', 'staff:read'],
    ['an instructor adding a product', 'instructor', 'POST', '/v1/products', 'catalog:manage'],
    ['front desk adding a product', 'frontDesk', 'POST', '/v1/products', 'catalog:manage'],
  ];

  it.each(denied)(
    'answers 403 naming the permission to %s',
    async (_, who, method, path, permission) => {
      const token = who === 'instructor' ? instructor : frontDesk;
      const url = path.replace('CLIENT', `/v1/clients/${clientId}`);
      const body =
        method === 'GET'
          ? undefined
          : url === '/v1/staff'
            ? { name: 'Sneaky', email: `sneaky${++n}@example.com`, role: 'owner' }
            : url === '/v1/clients'
              ? person({ firstName: 'Forbidden' })
              : { firstName: 'Forbidden' };
      const reply = await t.call(method, url, { token, ...(body ? { body } : {}) });
      expectProblem(reply, 403, 'permission_denied');
      expect(reply.body.permission).toBe(permission);
      expect(reply.body.detail).toContain(permission);
    },
  );

  it('changed nothing while refusing (no client, no profile change, no staff)', async () => {
    const forbidden = await t.call('GET', '/v1/clients?search=forbidden', { token: owner });
    expect(forbidden.body.items).toEqual([]);
    const read = await t.call('GET', `/v1/clients/${clientId}`, { token: owner });
    expect(read.body).toMatchObject({ firstName: 'Roleplay', version: 0 });
    expect((await staffList(owner)).map((s) => s.name)).not.toContain('Sneaky');
  });

  it('lets front desk register and change clients', async () => {
    const created = await t.call('POST', '/v1/clients', {
      token: frontDesk,
      body: person({ firstName: 'Deskmade' }),
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ studioId, firstName: 'Deskmade' });
    const changed = await t.call('PATCH', `/v1/clients/${created.body.id}`, {
      token: frontDesk,
      body: { lastName: 'Desk' },
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ lastName: 'Desk', version: 1 });
  });

  it('answers 401, not 403, to a bad token on a route the role could not use anyway', async () => {
    const reply = await t.call('POST', '/v1/staff', {
      token: 'clt_nobody',
      body: { name: 'X', email: 'x@example.com', role: 'owner' },
    });
    expectProblem(reply, 401, 'unauthenticated');
  });
});

describe('staff', () => {
  it('refuses a second member of staff with the same email in a studio (any case) with 422', async () => {
    const first = await t.call('POST', '/v1/staff', {
      token: owner,
      body: { name: 'Pat One', email: 'pat@example.com', role: 'instructor' },
    });
    expect(first.status).toBe(201);
    for (const email of ['pat@example.com', 'PAT@Example.COM']) {
      const again = await t.call('POST', '/v1/staff', {
        token: owner,
        body: { name: 'Pat Two', email, role: 'manager' },
      });
      expectProblem(again, 422, 'staff_email_already_registered');
      expect(again.body.existingStaffId).toBe(first.body.id);
    }
    const pats = (await staffList(owner)).filter(
      (s) => s.email.toLowerCase() === 'pat@example.com',
    );
    expect(pats).toEqual([expect.objectContaining({ id: first.body.id, name: 'Pat One' })]);
  });

  it('lets another studio have a member of staff with that email', async () => {
    const other = await t.createStudio('Auth Staff Elsewhere');
    await t.call('POST', '/v1/staff', {
      token: owner,
      body: { name: 'Sam', email: 'sam.shared@example.com', role: 'instructor' },
    });
    const there = await t.call('POST', '/v1/staff', {
      token: other.token,
      body: { name: 'Sam', email: 'sam.shared@example.com', role: 'instructor' },
    });
    expect(there.status).toBe(201);
  });

  it('answers 400 with the field to an unknown role', async () => {
    const reply = await t.call('POST', '/v1/staff', {
      token: owner,
      body: { name: 'Boss', email: 'boss@example.com', role: 'superuser' },
    });
    expectProblem(reply, 400, 'invalid_input');
    expect(reply.body.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ field: 'role' })]),
    );
  });
});

describe('studio isolation (invariant 6)', () => {
  let ownerB: string;
  let clientA: { id: string; email: string };
  let staffA: { staffId: string; tokenId: string; token: string };
  let productA: string;
  let grantA: string;
  let billA: string;
  let membershipA: string;

  beforeAll(async () => {
    ({ token: ownerB } = await t.createStudio('Auth Studio B'));
    const email = 'isolated.alice@example.com';
    const created = await t.call('POST', '/v1/clients', {
      token: owner,
      body: person({ firstName: 'Isolated', lastName: 'Alice', email }),
    });
    expect(created.status).toBe(201);
    clientA = { id: created.body.id, email };
    staffA = await hire('instructor');
    const product = await t.call('POST', '/v1/products', {
      token: owner,
      body: { kind: 'service', name: 'Isolated towel', price: { amount: 200, currency: 'USD' } },
    });
    expect(product.status).toBe(201);
    productA = product.body.id;
    const grant = await t.call('POST', `/v1/clients/${clientA.id}/credits`, {
      token: owner,
      body: { eventTypes: ['yoga'], count: 1, reason: 'isolated' },
    });
    grantA = grant.body.grantId;
    const membership = await t.call('POST', '/v1/products', {
      token: owner,
      body: {
        kind: 'membership',
        name: 'Isolated monthly',
        price: { amount: 5000, currency: 'USD' },
        billingPeriod: { unit: 'month', count: 1 },
        eventTypes: ['yoga'],
        creditsPerPeriod: null,
      },
    });
    const sale = await t.call('POST', '/v1/sales', {
      token: owner,
      body: {
        clientId: clientA.id,
        items: [{ productId: membership.body.id }],
        payment: { method: 'pay_later' },
      },
    });
    expect(sale.status).toBe(201);
    billA = sale.body.bill.billId;
    membershipA = sale.body.granted[0].membershipId;
  });

  const routes: [string, 'GET' | 'POST' | 'PATCH' | 'PUT', (ids: Ids) => string, unknown][] = [
    ['GET a client', 'GET', (i) => `/v1/clients/${i.client}`, undefined],
    ['PATCH a client', 'PATCH', (i) => `/v1/clients/${i.client}`, { firstName: 'Hijacked' }],
    ['GET a client history', 'GET', (i) => `/v1/clients/${i.client}/history`, undefined],
    ['issue a staff token', 'POST', (i) => `/v1/staff/${i.staff}/tokens`, { label: 'stolen' }],
    [
      'revoke a staff token',
      'POST',
      (i) => `/v1/staff/${i.staff}/tokens/${i.token}/revoke`,
      undefined,
    ],
    ['GET a product', 'GET', (i) => `/v1/products/${i.product}`, undefined],
    ['PATCH a product', 'PATCH', (i) => `/v1/products/${i.product}`, { name: 'Hijacked' }],
    ['GET a client’s credits', 'GET', (i) => `/v1/clients/${i.client}/credits`, undefined],
    [
      'issue credits to a client',
      'POST',
      (i) => `/v1/clients/${i.client}/credits`,
      { eventTypes: ['yoga'], count: 1, reason: 'x' },
    ],
    [
      'adjust a credit grant',
      'POST',
      (i) => `/v1/clients/${i.client}/credits/${i.grant}/adjustments`,
      { delta: 1, reason: 'x' },
    ],
    [
      'move account credit',
      'POST',
      (i) => `/v1/clients/${i.client}/account-credit`,
      { amount: 100, reason: 'x' },
    ],
    [
      'change payment settings',
      'PUT',
      (i) => `/v1/clients/${i.client}/payment-settings`,
      { payLater: false, useAccountCreditForRecurring: false },
    ],
    [
      'sell to a client',
      'POST',
      () => '/v1/sales',
      undefined, // the body names the client: built in the test
    ],
    ['GET a bill', 'GET', (i) => `/v1/bills/${i.bill}`, undefined],
    ['pay a bill', 'POST', (i) => `/v1/bills/${i.bill}/payments`, { amount: 1, method: 'cash' }],
    ['GET a client’s bills', 'GET', (i) => `/v1/clients/${i.client}/bills`, undefined],
    ['GET a client’s sales', 'GET', (i) => `/v1/clients/${i.client}/sales`, undefined],
    [
      'GET a client’s active items',
      'GET',
      (i) => `/v1/clients/${i.client}/active-items`,
      undefined,
    ],
    [
      'freeze a membership',
      'POST',
      (i) => `/v1/clients/${i.client}/memberships/${i.membership}/freeze`,
      { from: '2099-01-01', until: '2099-01-10', reason: 'x' },
    ],
    [
      'cancel a membership',
      'POST',
      (i) => `/v1/clients/${i.client}/memberships/${i.membership}/cancel`,
      { when: 'now', reason: 'x' },
    ],
  ];
  type Ids = {
    client: string;
    staff: string;
    token: string;
    product: string;
    grant: string;
    bill: string;
    membership: string;
  };

  it.each(routes)(
    "answers 404 to studio B's owner who tries to %s of studio A, as for an id nobody has",
    async (_, method, url, body) => {
      const ids = {
        client: clientA.id,
        staff: staffA.staffId,
        token: staffA.tokenId,
        product: productA,
        grant: grantA,
        bill: billA,
        membership: membershipA,
      };
      const sale = (client: string) => ({
        clientId: client,
        items: [{ productId: productA }],
        payment: { method: 'cash' },
      });
      const bodyFor = (i: Ids) => (url(i) === '/v1/sales' ? sale(i.client) : body);
      const reply = await t.call(method, url(ids), {
        token: ownerB,
        ...(bodyFor(ids) !== undefined ? { body: bodyFor(ids) } : {}),
      });
      expectProblem(reply, 404);
      expect(reply.text).not.toContain('Isolated');
      expect(reply.text).not.toContain(clientA.email);

      // The answer does not tell a foreign id from one that does not exist at all.
      const unknown = {
        client: randomUUID(),
        staff: randomUUID(),
        token: randomUUID(),
        product: randomUUID(),
        grant: randomUUID(),
        bill: randomUUID(),
        membership: randomUUID(),
      };
      const nobody = await t.call(method, url(unknown), {
        token: ownerB,
        ...(bodyFor(unknown) !== undefined ? { body: bodyFor(unknown) } : {}),
      });
      expectProblem(nobody, 404, reply.body.code);
    },
  );

  it('answers 404, not 412, to a stale If-Match on another studio’s client: no version leaks', async () => {
    for (const id of [clientA.id, randomUUID()]) {
      const reply = await t.call('PATCH', `/v1/clients/${id}`, {
        token: ownerB,
        headers: { 'if-match': '"7"' },
        body: { firstName: 'Hijacked' },
      });
      expectProblem(reply, 404, 'client_not_found');
      expect(reply.body.currentVersion).toBeUndefined();
    }
  });

  it("left studio A's data as it was", async () => {
    const read = await t.call('GET', `/v1/clients/${clientA.id}`, { token: owner });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ firstName: 'Isolated', version: 0, studioId });
    const history = await t.call('GET', `/v1/clients/${clientA.id}/history`, { token: owner });
    // The history covers the account too (issue 7): only what studio A's own owner did above.
    expect(history.body.events.map((e: { type: string }) => e.type)).toEqual([
      'ClientRegistered',
      'CreditsGranted',
      'SaleRecorded',
      'BillIssued',
      'MembershipStarted',
    ]);
    const member = (await staffList(owner)).find((s) => s.id === staffA.staffId)!;
    expect(member.tokens).toEqual([
      expect.objectContaining({ id: staffA.tokenId, label: 'instructor tablet', revokedAt: null }),
    ]);
    expect((await t.call('GET', '/v1/clients', { token: staffA.token })).status).toBe(200);
    const product = await t.call('GET', `/v1/products/${productA}`, { token: owner });
    expect(product.body).toMatchObject({ name: 'Isolated towel', version: 0 });
  });

  it("never finds studio A's clients from studio B", async () => {
    for (const search of ['isolated', 'alice', clientA.email, 'example.com', '']) {
      const found = await t.call('GET', `/v1/clients?search=${encodeURIComponent(search)}`, {
        token: ownerB,
      });
      expect(found.status).toBe(200);
      expect(found.body.items.map((c: { studioId: string }) => c.studioId)).not.toContain(studioId);
      expect(found.text).not.toContain(clientA.id);
    }
    const fromA = await t.call('GET', '/v1/clients?search=isolated', { token: owner });
    expect(fromA.body.items.map((c: { id: string }) => c.id)).toEqual([clientA.id]);
  });

  it("does not list studio A's staff to studio B", async () => {
    const listed = await staffList(ownerB);
    expect(listed.map((s) => s.id)).not.toContain(staffA.staffId);
    expect(listed.map((s) => s.role)).toEqual(['owner']);
  });
});

describe('Idempotency-Key (invariant 4)', () => {
  it('answers a retry with the same status and body, once, marked as replayed', async () => {
    const body = person({ firstName: 'Onceonly' });
    const headers = { 'idempotency-key': 'register-onceonly-1' };
    const first = await t.call('POST', '/v1/clients', { token: owner, body, headers });
    const second = await t.call('POST', '/v1/clients', { token: owner, body, headers });
    expect(first.status).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.headers.location).toBe(first.headers.location);
    expect(second.headers.etag).toBe(first.headers.etag);
    const found = await t.call('GET', '/v1/clients?search=onceonly', { token: owner });
    expect(found.body.items.map((c: { id: string }) => c.id)).toEqual([first.body.id]);
  });

  it('treats the same body with its keys in another order as the same request', async () => {
    const headers = { 'idempotency-key': 'register-reordered' };
    const first = await t.call('POST', '/v1/clients', {
      token: owner,
      body: { firstName: 'Reorder', lastName: 'Same', email: 'reorder@example.com' },
      headers,
    });
    const second = await t.call('POST', '/v1/clients', {
      token: owner,
      body: { email: 'reorder@example.com', lastName: 'Same', firstName: 'Reorder' },
      headers,
    });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body.id).toBe(first.body.id);
  });

  it('refuses the same key with another body with 409 idempotency_key_reused', async () => {
    const headers = { 'idempotency-key': 'register-reused' };
    const first = await t.call('POST', '/v1/clients', {
      token: owner,
      body: person({ firstName: 'Reusedfirst' }),
      headers,
    });
    expect(first.status).toBe(201);
    const other = await t.call('POST', '/v1/clients', {
      token: owner,
      body: person({ firstName: 'Reusedsecond' }),
      headers,
    });
    expectProblem(other, 409, 'idempotency_key_reused');
    const found = await t.call('GET', '/v1/clients?search=reusedsecond', { token: owner });
    expect(found.body.items).toEqual([]);
  });

  it('refuses the same key on another route with 409 idempotency_key_reused', async () => {
    const headers = { 'idempotency-key': 'cross-route' };
    const first = await t.call('POST', '/v1/clients', { token: owner, body: person(), headers });
    expect(first.status).toBe(201);
    const other = await t.call('POST', '/v1/staff', {
      token: owner,
      body: { name: 'Cross', email: 'cross@example.com', role: 'instructor' },
      headers,
    });
    expectProblem(other, 409, 'idempotency_key_reused');
    expect((await staffList(owner)).map((s) => s.name)).not.toContain('Cross');
  });

  it('creates exactly one client from 10 parallel requests with one key and one body', async () => {
    const body = person({ firstName: 'Parallel' });
    const headers = { 'idempotency-key': 'register-parallel' };
    const replies = await Promise.all(
      Array.from({ length: 10 }, () =>
        t.call('POST', '/v1/clients', { token: owner, body, headers }),
      ),
    );
    const created = replies.filter((r) => r.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    const id = created[0]!.body.id;
    for (const reply of replies) {
      if (reply.status === 201) expect(reply.body).toEqual(created[0]!.body);
      else expectProblem(reply, 409, 'idempotency_key_in_use');
    }
    const found = await t.call('GET', '/v1/clients?search=parallel', { token: owner });
    expect(found.body.items.map((c: { id: string }) => c.id)).toEqual([id]);
    // Once settled, a retry gets the answer.
    const retry = await t.call('POST', '/v1/clients', { token: owner, body, headers });
    expect(retry.status).toBe(201);
    expect(retry.body.id).toBe(id);
  });

  it('keeps keys per studio: the same key in two studios makes two clients', async () => {
    const other = await t.createStudio('Auth Idempotency Elsewhere');
    const body = { firstName: 'Keyshare', lastName: 'Twice', email: 'keyshare@example.com' };
    const headers = { 'idempotency-key': 'shared-key-across-studios' };
    const a = await t.call('POST', '/v1/clients', { token: owner, body, headers });
    const b = await t.call('POST', '/v1/clients', { token: other.token, body, headers });
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.headers['idempotent-replayed']).toBeUndefined();
    expect(b.body.id).not.toBe(a.body.id);
    expect(b.body.studioId).toBe(other.studioId);
    const inB = await t.call('GET', '/v1/clients?search=keyshare', { token: other.token });
    expect(inB.body.items.map((c: { id: string }) => c.id)).toEqual([b.body.id]);
    const inA = await t.call('GET', '/v1/clients?search=keyshare', { token: owner });
    expect(inA.body.items.map((c: { id: string }) => c.id)).toEqual([a.body.id]);
  });

  it('never shows a token again to a retried token issue (409 shown_once)', async () => {
    const added = await t.call('POST', '/v1/staff', {
      token: owner,
      body: { name: 'Retry Token', email: `retry${++n}@example.com`, role: 'instructor' },
    });
    const url = `/v1/staff/${added.body.id}/tokens`;
    const headers = { 'idempotency-key': 'issue-token-once' };
    const first = await t.call('POST', url, { token: owner, body: { label: 'ipad' }, headers });
    expect(first.status).toBe(201);
    const secret: string = first.body.token;
    expect(secret).toEqual(expect.any(String));

    const retry = await t.call('POST', url, { token: owner, body: { label: 'ipad' }, headers });
    expectProblem(retry, 409, 'shown_once');
    expect(retry.body.token).toBeUndefined();
    expect(retry.text).not.toContain(secret);
    // The first token works, and the retry issued no second one.
    expect((await t.call('GET', '/v1/clients', { token: secret })).status).toBe(200);
    const member = (await staffList(owner)).find((s) => s.id === added.body.id)!;
    expect(member.tokens).toHaveLength(1);
  });

  it.each<[string, string]>([
    ['an empty key', ''],
    ['a key with a space', 'two words'],
    ['a key with a tab', 'tab\there'],
    ['a key of 256 characters', 'k'.repeat(256)],
    ['a key with a non-ASCII character', 'caf\u00e9'],
  ])('answers 400 to %s and writes nothing', async (_, key) => {
    const firstName = `Badkey${++n}`;
    const reply = await t.call('POST', '/v1/clients', {
      token: owner,
      body: person({ firstName }),
      headers: { 'idempotency-key': key },
    });
    expectProblem(reply, 400, 'invalid_input');
    expect(reply.body.errors).toEqual([expect.objectContaining({ field: 'Idempotency-Key' })]);
    const found = await t.call('GET', `/v1/clients?search=${firstName}`, { token: owner });
    expect(found.body.items).toEqual([]);
  });

  it('accepts a key of 255 visible ASCII characters', async () => {
    const key = '!'.repeat(100) + '~'.repeat(155);
    const reply = await t.call('POST', '/v1/clients', {
      token: owner,
      body: person(),
      headers: { 'idempotency-key': key },
    });
    expect(reply.status).toBe(201);
  });
});

describe('health and docs', () => {
  it('serves /health without a token, naming the event store, the database and the projections', async () => {
    const reply = await t.call('GET', '/health');
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      status: 'ok',
      eventStore: { ok: true, adapter: expect.any(String) },
      database: { ok: true, kind: expect.any(String) },
      projections: expect.any(Array),
      // No STRIPE_SECRET_KEY in tests: cards are taken on the studio's own terminal.
      paymentGateway: { adapter: 'offline', webhooksConfigured: false },
    });
    expect(reply.body.projections.length).toBeGreaterThan(0);
    for (const projection of reply.body.projections) {
      expect(projection).toMatchObject({ name: expect.any(String), lastError: null });
    }
  });

  it('serves the OpenAPI document without a token, with the client and staff paths', async () => {
    const reply = await t.call('GET', '/docs/openapi.json');
    expect(reply.status).toBe(200);
    expect(reply.body.openapi).toMatch(/^3\./);
    expect(Object.keys(reply.body.paths)).toEqual(
      expect.arrayContaining([
        '/v1/clients',
        '/v1/clients/{id}',
        '/v1/clients/{id}/history',
        '/v1/staff',
      ]),
    );
    expect(Object.keys(reply.body.paths['/v1/clients'])).toEqual(
      expect.arrayContaining(['get', 'post']),
    );
  });
});
