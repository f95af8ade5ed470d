import { sql } from 'kysely';
import { adminActions } from '@clientele/runtime';
import { scheduleProjection } from '@projections/schedule';
import { PRODUCTS, studioFixtures } from '../support/studio-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
let token: string;
let flow: string;
let spin: string;
let pack: string;
let unlimited: string;
let make: ReturnType<typeof studioFixtures>;

beforeAll(async () => {
  t = await startTestApp();
  ({ token } = await t.createStudio('Roster Studio'));
  make = studioFixtures(t, token);
  flow = await make.classType();
  spin = await make.classType({
    name: 'Spin',
    eventType: 'spin',
    dropInPrice: { amount: 2500, currency: 'USD' },
  });
  pack = await make.product(PRODUCTS.tenClasses);
  unlimited = await make.product({
    ...PRODUCTS.monthly,
    name: 'Unlimited',
    price: { amount: 9900, currency: 'USD' },
  });
});
afterAll(() => t.close());

async function client(firstName: string, buys?: string): Promise<string> {
  const id = await make.client({ firstName, lastName: 'Roster' });
  if (buys) {
    const sale = await t.call('POST', '/v1/sales', {
      token,
      body: { clientId: id, items: [{ productId: buys }], payment: { method: 'cash' } },
    });
    expect(sale.status).toBe(201);
  }
  return id;
}

const DAY = 86_400_000;
const session = (capacity: number, inDays: number, classTypeId = flow) =>
  make.session(classTypeId, inDays, { capacity, title: `Flow in ${inDays} days` });

async function enroll(sessionId: string, body: object) {
  const reply = await t.call('POST', `/v1/sessions/${sessionId}/enrollments`, { token, body });
  expect(reply.status).toBe(201);
  return reply.body;
}

describe('a class of two with a waitlist', () => {
  let sessionId: string;
  let later: string;
  let ana: string;
  let ben: string;
  let cleo: string;

  beforeAll(async () => {
    sessionId = await session(2, 3);
    later = await session(10, 5);
    ana = await client('Ana', pack);
    ben = await client('Ben', unlimited);
    cleo = await client('Cleo');
    await t.call('POST', `/v1/clients/${cleo}/credits`, {
      token,
      body: { eventTypes: ['yoga'], count: 2, reason: 'welcome' },
    });
    await enroll(sessionId, { clientId: ana, payWith: 'credit', channel: 'online' });
    await enroll(sessionId, { clientId: ben, payWith: 'membership', channel: 'studio' });
    const waiting = await enroll(sessionId, {
      clientId: cleo,
      payWith: 'credit',
      channel: 'online',
      waitlist: true,
    });
    expect(waiting.status).toBe('waitlisted');
    await enroll(later, { clientId: ana, payWith: 'credit', channel: 'studio' });
    await enroll(later, { clientId: cleo, payWith: 'credit', channel: 'studio' });
    const checkedIn = await t.call(
      'POST',
      `/v1/sessions/${sessionId}/enrollments/${ana}/check-in`,
      { token },
    );
    expect(checkedIn.status).toBe(200);
  });

  it('shows the roster: places in order of arrival, then the waitlist, and how each paid', async () => {
    const roster = await t.call('GET', `/v1/sessions/${sessionId}/roster`, { token });
    expect(roster.status).toBe(200);
    expect(roster.body.session).toMatchObject({
      id: sessionId,
      title: 'Flow in 3 days',
      capacity: 2,
      waiverId: null,
    });
    expect(roster.body.counts).toEqual({ enrolled: 2, held: 0, waitlisted: 1, spotsLeft: 0 });
    expect(roster.body.places).toEqual([
      expect.objectContaining({
        clientId: ana,
        firstName: 'Ana',
        lastName: 'Roster',
        status: 'confirmed',
        waitlistPosition: null,
        channel: 'online',
        attendance: 'checked_in',
        paymentStatus: 'paid_by_credit',
        product: '10 classes',
        bill: null,
      }),
      expect.objectContaining({
        clientId: ben,
        status: 'confirmed',
        channel: 'studio',
        attendance: null,
        paymentStatus: 'membership',
        product: 'Unlimited',
        bill: null,
      }),
      expect.objectContaining({
        clientId: cleo,
        status: 'waitlisted',
        waitlistPosition: 1,
        payWith: 'credit',
        paymentStatus: null,
        product: null,
      }),
    ]);
  });

  it('keeps answering when a migration adds a column to sessions under the running API', async () => {
    const roster = () => t.call('GET', `/v1/sessions/${sessionId}/roster`, { token });
    const before = await roster();
    // The roster's statement is prepared on each connection that ran it (on PostgreSQL): a
    // result that changed shape would fail it there ("cached plan must not change result type").
    for (let i = 0; i < 3; i++) await roster();
    await sql`ALTER TABLE sessions ADD COLUMN added_later text`.execute(t.runtime.db.kysely);
    try {
      for (let i = 0; i < 3; i++) {
        const after = await roster();
        expect(after.status).toBe(200);
        expect(after.body).toEqual(before.body);
      }
    } finally {
      await sql`ALTER TABLE sessions DROP COLUMN added_later`.execute(t.runtime.db.kysely);
    }
  });

  it('gives the calendar its counts', async () => {
    const one = await t.call('GET', `/v1/sessions/${sessionId}`, { token });
    expect(one.body).toMatchObject({ enrolled: 2, held: 0, waitlisted: 1, spotsLeft: 0 });
    const from = new Date(Date.now() + 2 * DAY).toISOString();
    const to = new Date(Date.now() + 6 * DAY).toISOString();
    const week = await t.call('GET', `/v1/sessions?from=${from}&to=${to}`, { token });
    expect(
      week.body.items.map((s: { id: string; enrolled: number; spotsLeft: number }) => [
        s.id,
        s.enrolled,
        s.spotsLeft,
      ]),
    ).toEqual([
      [sessionId, 2, 0],
      [later, 2, 8],
    ]);
  });

  it('lists a client’s registrations, soonest first, a page at a time', async () => {
    const url = `/v1/clients/${ana}/registrations`;
    const first = await t.call('GET', `${url}?when=upcoming&limit=1`, { token });
    expect(first.status).toBe(200);
    expect(first.body.items).toEqual([
      {
        enrollmentId: expect.any(String),
        sessionId,
        title: 'Flow in 3 days',
        startsAt: expect.any(String),
        endsAt: expect.any(String),
        status: 'confirmed',
        attendance: 'checked_in',
        requires: [],
      },
    ]);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await t.call('GET', `${url}?limit=1&cursor=${first.body.nextCursor}`, {
      token,
    });
    expect(second.body.items.map((r: { sessionId: string }) => r.sessionId)).toEqual([later]);
    expect(second.body.nextCursor).toBeNull();
    const past = await t.call('GET', `${url}?when=past`, { token });
    expect(past.body).toEqual({ items: [], nextCursor: null });
    const waiting = await t.call('GET', `/v1/clients/${cleo}/registrations`, { token });
    expect(waiting.body.items.map((r: { status: string }) => r.status)).toEqual([
      'waitlisted',
      'confirmed',
    ]);
  });

  it('keeps the booking history: latest class first, channel, what paid, attendance', async () => {
    const history = await t.call('GET', `/v1/clients/${ana}/bookings`, { token });
    expect(history.status).toBe(200);
    expect(history.body.nextCursor).toBeNull();
    expect(history.body.items).toEqual([
      expect.objectContaining({
        sessionId: later,
        classType: { id: flow, name: 'Flow' },
        channel: 'studio',
        productUsed: { kind: 'credit', name: '10 classes' },
        status: 'confirmed',
        attendance: null,
        cancelledLate: null,
      }),
      expect.objectContaining({
        sessionId,
        title: 'Flow in 3 days',
        channel: 'online',
        productUsed: { kind: 'credit', name: '10 classes' },
        status: 'confirmed',
        attendance: 'checked_in',
        cancelledLate: null,
        refunded: false,
        bookedBy: { type: 'staff', id: expect.any(String) },
      }),
    ]);
    const cleos = await t.call('GET', `/v1/clients/${cleo}/bookings?limit=1`, { token });
    // A complimentary credit names no product.
    expect(cleos.body.items).toEqual([
      expect.objectContaining({ sessionId: later, productUsed: { kind: 'credit', name: null } }),
    ]);
    const rest = await t.call(
      'GET',
      `/v1/clients/${cleo}/bookings?limit=1&cursor=${cleos.body.nextCursor}`,
      { token },
    );
    expect(rest.body.items).toEqual([
      expect.objectContaining({ sessionId, status: 'waitlisted', productUsed: null }),
    ]);
  });

  it('answers 404 for another studio’s session or client, and 400 for a cursor it never gave', async () => {
    const other = await t.createStudio('Other Roster Studio');
    for (const url of [
      `/v1/sessions/${sessionId}/roster`,
      `/v1/clients/${ana}/registrations`,
      `/v1/clients/${ana}/bookings`,
    ]) {
      const reply = await t.call('GET', url, { token: other.token });
      expect(reply.status).toBe(404);
      expect(reply.headers['content-type']).toContain('application/problem+json');
    }
    const bad = await t.call('GET', `/v1/clients/${ana}/bookings?cursor=nonsense`, { token });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([
      { field: 'cursor', message: 'must be the nextCursor of a previous page' },
    ]);
    const when = await t.call('GET', `/v1/clients/${ana}/registrations?when=someday`, { token });
    expect(when.status).toBe(400);
  });
});

describe('a drop-in class paid at the desk, then a cancellation', () => {
  let sessionId: string;
  let dee: string;
  let fay: string;
  let gus: string;
  let billId: string;

  beforeAll(async () => {
    sessionId = await session(2, 4, spin);
    dee = await client('Dee');
    fay = await client('Fay');
    gus = await client('Gus');
    await t.call('POST', `/v1/clients/${gus}/credits`, {
      token,
      body: { eventTypes: ['spin'], count: 1, reason: 'welcome' },
    });
    billId = (await enroll(sessionId, { clientId: dee, payWith: 'hold', channel: 'studio' }))
      .payment.billId;
    await enroll(sessionId, { clientId: fay, payWith: 'card', channel: 'online' });
    await enroll(sessionId, {
      clientId: gus,
      payWith: 'credit',
      channel: 'online',
      waitlist: true,
    });
  });

  const roster = async () =>
    (await t.call('GET', `/v1/sessions/${sessionId}/roster`, { token })).body;
  const requires = async (clientId: string) =>
    (await t.call('GET', `/v1/clients/${clientId}/registrations`, { token })).body.items.map(
      (r: { requires: string[] }) => r.requires,
    );

  it('shows a held bill due until it is paid, and a card payment with its bill', async () => {
    expect((await roster()).places).toEqual([
      expect.objectContaining({
        clientId: dee,
        paymentStatus: 'due',
        bill: {
          billId,
          total: { amount: 2500, currency: 'USD' },
          due: { amount: 2500, currency: 'USD' },
        },
      }),
      expect.objectContaining({
        clientId: fay,
        paymentStatus: 'card',
        bill: expect.objectContaining({ due: { amount: 0, currency: 'USD' } }),
      }),
      expect.objectContaining({ clientId: gus, status: 'waitlisted' }),
    ]);
    expect(await requires(dee)).toEqual([['payment']]);

    const paid = await t.call('POST', `/v1/bills/${billId}/payments`, {
      token,
      body: { amount: 2500, method: 'cash' },
    });
    expect(paid.status).toBe(201);
    expect((await roster()).places[0]).toMatchObject({
      paymentStatus: 'paid',
      bill: { due: { amount: 0, currency: 'USD' } },
    });
    expect(await requires(dee)).toEqual([[]]);
  });

  it('gives a cancelled place to the waitlist, and keeps the cancellation in the history', async () => {
    const cancelled = await t.call('POST', `/v1/sessions/${sessionId}/enrollments/${fay}/cancel`, {
      token,
      body: { outcome: 'cancel_and_refund' },
    });
    expect(cancelled.body).toMatchObject({ status: 'cancelled', promotedClientId: gus });
    const after = await roster();
    expect(after.counts).toEqual({ enrolled: 2, held: 0, waitlisted: 0, spotsLeft: 0 });
    expect(
      after.places.map((p: { clientId: string; paymentStatus: string }) => [
        p.clientId,
        p.paymentStatus,
      ]),
    ).toEqual([
      [dee, 'paid'],
      [gus, 'paid_by_credit'],
    ]);
    expect((await t.call('GET', `/v1/clients/${fay}/bookings`, { token })).body.items).toEqual([
      expect.objectContaining({
        sessionId,
        classType: { id: spin, name: 'Spin' },
        status: 'cancelled',
        cancelledLate: false,
        penalty: null,
        refunded: true,
        productUsed: { kind: 'card', name: null },
      }),
    ]);
    expect((await t.call('GET', `/v1/clients/${fay}/registrations`, { token })).body.items).toEqual(
      [],
    );
  });
});

describe('the schedule projection', () => {
  it('gives the same rows when events are delivered again, and after a rebuild', async () => {
    const tables = ['class_types', 'sessions', 'session_places'];
    const rows = () =>
      Promise.all(
        tables.map(async (table) =>
          (await t.runtime.db.kysely.selectFrom(table).selectAll().execute())
            .map((row) => JSON.stringify(row))
            .sort(),
        ),
      );
    await t.runtime.runner.catchUp('schedule');
    const before = await rows();
    expect(before[2]).toHaveLength(8);

    const events = (await t.runtime.store.readAll({ from: null, limit: 10_000 })).filter((e) =>
      scheduleProjection.eventTypes.has(e.type),
    );
    await t.runtime.db.kysely.transaction().execute((trx) => scheduleProjection.apply(trx, events));
    expect(await rows()).toEqual(before);

    await adminActions['projections.rebuild'](t.runtime, { name: 'schedule' });
    expect(await rows()).toEqual(before);
  });
});
