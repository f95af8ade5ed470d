import { PRODUCTS, studioFixtures } from '../support/studio-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
let token: string;
let otherToken: string;
let flow: string;
let pack: string;
let waiverId: string;
let make: ReturnType<typeof studioFixtures>;

beforeAll(async () => {
  t = await startTestApp();
  ({ token } = await t.createStudio('Audit Studio'));
  ({ token: otherToken } = await t.createStudio('Other Studio'));
  make = studioFixtures(t, token);
  flow = await make.classType();
  pack = await make.product(PRODUCTS.tenClasses);
  waiverId = await make.waiver();
});
afterAll(() => t.close());

const client = (firstName: string) => make.client({ firstName, lastName: 'Audit' });
const session = (inDays: number) => make.session(flow, inDays);

const history = (clientId: string, asOf?: string) =>
  t.call(
    'GET',
    `/v1/clients/${clientId}/history${asOf ? `?asOf=${encodeURIComponent(asOf)}` : ''}`,
    { token },
  );

/** What the desk's screen says of the account: the figures the replay must reproduce. */
async function screen(clientId: string) {
  const profile = await t.call('GET', `/v1/clients/${clientId}`, { token });
  expect(profile.status).toBe(200);
  const { balances, activeItems, upcomingRegistrations } = profile.body;
  return {
    balances,
    activeItems,
    registrations: (upcomingRegistrations as Record<string, unknown>[]).map(
      ({ requires: _requires, ...place }) => place,
    ),
  };
}

function figures(body: Record<string, unknown>) {
  const { balances, activeItems, registrations } = body as {
    balances: unknown;
    activeItems: unknown;
    registrations: Record<string, unknown>[];
  };
  return {
    balances,
    activeItems,
    registrations: registrations.map(({ clientId: _clientId, ...place }) => place),
  };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 15));

describe('the audit history of a whole account', () => {
  let survivor: string;
  let duplicate: string;
  let partner: string;
  let later: string;
  let midway: string;
  let screenMidway: Awaited<ReturnType<typeof screen>>;

  beforeAll(async () => {
    survivor = await client('Janet');
    duplicate = await client('Jan');
    partner = await client('Sam');
    const sold = await t.call('POST', '/v1/sales', {
      token,
      body: { clientId: survivor, items: [{ productId: pack }], payment: { method: 'card' } },
      headers: { 'x-correlation-id': 'desk-sale-1' },
    });
    expect(sold.status).toBe(201);
    const soon = await session(2);
    later = await session(3);
    expect(
      (
        await t.call('POST', `/v1/sessions/${soon}/enrollments`, {
          token,
          body: { clientId: survivor, payWith: 'credit', channel: 'studio' },
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await t.call('POST', `/v1/clients/${survivor}/signatures`, {
          token,
          body: { waiverId, signature: 'Janet Audit' },
        })
      ).status,
    ).toBe(201);
    await t.call('POST', `/v1/clients/${survivor}/relationships`, {
      token,
      body: { clientId: partner, role: 'partner' },
    });
    // The duplicate holds a pack and a place of its own.
    expect(
      (
        await t.call('POST', '/v1/sales', {
          token,
          body: { clientId: duplicate, items: [{ productId: pack }], payment: { method: 'cash' } },
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await t.call('POST', `/v1/sessions/${later}/enrollments`, {
          token,
          body: { clientId: duplicate, payWith: 'credit', channel: 'online' },
        })
      ).status,
    ).toBe(201);
    // What the desk saw before the refund, the merge and the cancellation.
    screenMidway = await screen(survivor);
    await tick();
    midway = new Date().toISOString();
    await tick();
    const refunded = await t.call('POST', `/v1/payments/${sold.body.payment.paymentId}/refunds`, {
      token,
      body: { amount: 2000, reason: 'goodwill' },
    });
    expect(refunded.status).toBe(201);
    expect(
      (
        await t.call('POST', `/v1/sessions/${soon}/enrollments/${survivor}/cancel`, {
          token,
          body: { outcome: 'cancel_and_refund' },
        })
      ).status,
    ).toBeLessThan(300);
    expect(
      (
        await t.call('POST', `/v1/clients/${survivor}/merge`, {
          token,
          body: { duplicateId: duplicate },
        })
      ).status,
    ).toBeLessThan(300);
  });

  it('lists the events of every stream that touched the client, each with its actor, correlation id and client', async () => {
    const now = await history(survivor);
    expect(now.status).toBe(200);
    const streams = now.body.streams as string[];
    for (const prefix of ['client-', 'account-', 'signatures-', 'relationship-', 'session-']) {
      expect(streams.some((s) => s.startsWith(prefix))).toBe(true);
    }
    const events = now.body.events as {
      stream: string;
      type: string;
      clientId: string;
      correlationId: string;
      actor: { type: string };
      recordedAt: string;
      data: Record<string, unknown>;
    }[];
    const types = events.map((e) => e.type);
    expect(types).toEqual(
      expect.arrayContaining([
        'ClientRegistered',
        'SaleRecorded',
        'PaymentRecorded',
        'PaymentRefunded',
        'CreditsGranted',
        'EnrollmentConfirmed',
        'EnrollmentCancelled',
        'WaiverSigned',
        'RelationshipAdded',
        'DuplicateMerged',
      ]),
    );
    expect(events.find((e) => e.type === 'SaleRecorded' && e.clientId === survivor)).toMatchObject({
      correlationId: 'desk-sale-1',
      actor: { type: 'staff' },
    });
    // The duplicate's events are there, and say so.
    const dupSale = events.find((e) => e.type === 'SaleRecorded' && e.clientId === duplicate);
    expect(dupSale?.stream).toBe(`account-${duplicate}`);
    // A session stream gives only the events about these clients.
    const sessionEvents = events.filter((e) => e.stream.startsWith('session-'));
    expect(sessionEvents.every((e) => [survivor, duplicate].includes(e.clientId))).toBe(true);
    expect(events.map((e) => e.recordedAt)).toEqual([...events.map((e) => e.recordedAt)].sort());
    expect(now.body.merged).toEqual([duplicate]);
  });

  it('asOf now folds the same balances, active items and registrations as the live profile', async () => {
    const now = await history(survivor);
    expect(figures(now.body)).toEqual(await screen(survivor));
    // The refund went back to the card; the cancelled place gave its credit back.
    expect(now.body.balances.credits[0].available).toBe(19);
    expect(now.body.registrations).toEqual([
      expect.objectContaining({ sessionId: later, clientId: duplicate, status: 'confirmed' }),
    ]);
    expect(now.body.signedWaivers).toEqual([
      expect.objectContaining({ waiverId, clientId: survivor, version: 1 }),
    ]);
  });

  it('an earlier instant folds what the profile said at that time', async () => {
    const then = await history(survivor, midway);
    expect(then.status).toBe(200);
    // Before the merge the survivor answered for itself only.
    expect(then.body.merged).toEqual([]);
    expect(figures(then.body)).toEqual(screenMidway);
    expect((then.body.events as { type: string }[]).map((e) => e.type)).not.toContain(
      'PaymentRefunded',
    );
  });

  it('an erased client’s history keeps the facts and shows no personal data', async () => {
    const gone = await client('Erin');
    await t.call('POST', '/v1/sales', {
      token,
      body: { clientId: gone, items: [{ productId: pack }], payment: { method: 'cash' } },
    });
    expect((await t.call('POST', `/v1/clients/${gone}/erase`, { token })).status).toBe(200);
    const after = await history(gone);
    expect(after.status).toBe(200);
    const registered = after.body.events.find(
      (e: { type: string }) => e.type === 'ClientRegistered',
    );
    expect(registered.data.personal).toBeNull();
    expect(JSON.stringify(after.body)).not.toContain('erin');
    expect(after.body.balances.credits[0].available).toBe(10);
  });

  it('another studio’s client is 404; a bad asOf is 400', async () => {
    const foreign = await t.call('GET', `/v1/clients/${survivor}/history`, { token: otherToken });
    expect(foreign.status).toBe(404);
    const bad = await t.call('GET', `/v1/clients/${survivor}/history?asOf=yesterday`, { token });
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toContain('application/problem+json');
  });
});
