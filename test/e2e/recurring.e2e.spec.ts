import { addDays, localSlot, startOfDay } from '@clientele/entitlements';
import { startTestApp, type TestApp } from '../support/test-app';

const ZONE = 'America/New_York';
let t: TestApp;
let token: string;
let flow: string;

beforeAll(async () => {
  t = await startTestApp();
  ({ token } = await t.createStudio('Recurring Studio'));
  flow = (
    await t.call('POST', '/v1/class-types', {
      token,
      body: { name: 'Monday Flow', format: 'in_person', eventType: 'yoga' },
    })
  ).body.id;
});
afterAll(() => t.close());

/** The Monday `weeks` weeks after next, at HH:MM in the studio's zone. */
function monday(weeks: number, hour = 9, dayShift = 0): { day: string; at: string } {
  const today = localSlot(new Date(), ZONE);
  const nextMonday = addDays(today.date, 8 - today.weekday);
  const day = addDays(nextMonday, weeks * 7 + dayShift);
  return { day, at: new Date(Date.parse(startOfDay(day, ZONE)) + hour * 3_600_000).toISOString() };
}

async function session(startsAt: string): Promise<string> {
  const created = await t.call('POST', '/v1/sessions', {
    token,
    body: { classTypeId: flow, startsAt, durationMinutes: 60, capacity: 10 },
  });
  expect(created.status).toBe(201);
  return created.body.id;
}

async function client(credits: number): Promise<string> {
  const id = (
    await t.call('POST', '/v1/clients', {
      token,
      body: { firstName: 'Rey', lastName: 'Gular', email: `rey${Math.random()}@recurring.example` },
    })
  ).body.id as string;
  if (credits > 0) {
    await t.call('POST', `/v1/clients/${id}/credits`, {
      token,
      body: { eventTypes: ['yoga'], count: credits, reason: 'test' },
    });
  }
  return id;
}

async function upkeep() {
  await t.runtime.runner.catchUp('schedule');
  await t.runtime.runner.catchUp('client_accounts');
  await t.runtime.runner.catchUp('staff_directory');
  await t.runtime.runner.catchUp('recurring_registrations');
  return t.runtime.bookingUpkeep.runOnce(new Date());
}

it('books every matching session, reports those it could not pay for, and the ones scheduled later', async () => {
  const mondays = [0, 1, 2, 3].map((w) => monday(w));
  const matching = [];
  for (const m of mondays) matching.push(await session(m.at));
  // Not its weekday, not its time, after its last day.
  await session(monday(0, 9, 1).at);
  await session(monday(1, 10).at);
  await session(monday(6).at);
  const regular = await client(2);
  const created = await t.call('POST', `/v1/clients/${regular}/recurring-registrations`, {
    token,
    body: {
      classTypeId: flow,
      weekday: 1,
      time: '09:00',
      until: mondays[3]!.day,
      payWith: 'credit',
      channel: 'online',
    },
  });
  expect(created.status).toBe(201);
  expect(created.body.booked.map((b: { sessionId: string }) => b.sessionId)).toEqual(
    matching.slice(0, 2),
  );
  expect(created.body.failed).toEqual([
    expect.objectContaining({ sessionId: matching[2], code: 'no_credit_available' }),
    expect.objectContaining({ sessionId: matching[3], code: 'no_credit_available' }),
  ]);
  const registrationId = created.body.registrationId as string;

  // A session scheduled since, on its weekday and time: the upkeep books it, once.
  await t.call('POST', `/v1/clients/${regular}/credits`, {
    token,
    body: { eventTypes: ['yoga'], count: 1, reason: 'topped up' },
  });
  // A second class in the same slot that week, added after the registration.
  const added = await session(monday(2).at);
  expect(await upkeep()).toMatchObject({ recurringBooked: 1, recurringFailed: 0, failed: [] });
  const listed = await t.call('GET', `/v1/clients/${regular}/recurring-registrations`, { token });
  expect(listed.status).toBe(200);
  const [registration] = listed.body.items;
  expect(registration).toMatchObject({
    id: registrationId,
    title: 'Monday Flow',
    weekday: 1,
    time: '09:00',
    until: mondays[3]!.day,
    status: 'active',
  });
  expect(registration.booked.map((b: { sessionId: string }) => b.sessionId)).toEqual(
    expect.arrayContaining([...matching.slice(0, 2), added]),
  );
  expect(registration.failed).toHaveLength(2);
  const again = await upkeep();
  expect(again).toMatchObject({ recurringBooked: 0, recurringFailed: 0 });

  // Ended: sessions scheduled later are not booked.
  const ended = await t.call(
    'POST',
    `/v1/clients/${regular}/recurring-registrations/${registrationId}/end`,
    { token, body: { reason: 'moving' } },
  );
  expect(ended.body).toEqual({ registrationId, status: 'ended' });
  await session(monday(3).at);
  expect((await upkeep()).recurringBooked).toBe(0);
});

it('refuses bad terms, another studio’s client and an unknown class type', async () => {
  const regular = await client(1);
  const url = `/v1/clients/${regular}/recurring-registrations`;
  const body = {
    classTypeId: flow,
    weekday: 1,
    time: '09:00',
    until: monday(2).day,
    payWith: 'credit',
    channel: 'online',
  };
  expect((await t.call('POST', url, { token, body: { ...body, weekday: 8 } })).status).toBe(400);
  expect((await t.call('POST', url, { token, body: { ...body, time: '9am' } })).status).toBe(400);
  const past = await t.call('POST', url, { token, body: { ...body, until: '2020-01-01' } });
  expect(past.status).toBe(400);
  expect(past.body.errors).toEqual([expect.objectContaining({ field: 'until' })]);
  const unknown = await t.call('POST', url, {
    token,
    body: { ...body, classTypeId: '00000000-0000-4000-8000-000000000000' },
  });
  expect(unknown.status).toBe(404);
  const other = await t.createStudio('Other Recurring Studio');
  expect((await t.call('POST', url, { token: other.token, body })).status).toBe(404);
  expect((await t.call('GET', url, { token: other.token })).status).toBe(404);
  expect((await t.call('GET', url, { token })).body.items).toEqual([]);
});
