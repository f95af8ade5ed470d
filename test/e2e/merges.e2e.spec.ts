import { clientDecider, clientStream } from '@clientele/clients';
import { CreditSpending, decideOnAccount } from '@clientele/entitlements';
import { commandContext, handleCommand, idForRequest } from '@clientele/eventstore';
import { adminActions, projections } from '@clientele/runtime';
import { PRODUCTS, studioFixtures } from '../support/studio-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
let token: string;
let studioId: string;
let otherToken: string;
let flow: string;
let pack: string;
let waiverId: string;
let make: ReturnType<typeof studioFixtures>;

beforeAll(async () => {
  t = await startTestApp();
  ({ token, studioId } = await t.createStudio('Merge Studio'));
  ({ token: otherToken } = await t.createStudio('Other Studio'));
  make = studioFixtures(t, token);
  flow = await make.classType();
  pack = await make.product(PRODUCTS.tenClasses);
  waiverId = await make.waiver();
});
afterAll(() => t.close());

const client = (firstName: string, as = token) => make.client({ firstName, lastName: 'Merge' }, as);
const session = (inDays: number, requiresWaiver = false) =>
  make.session(flow, inDays, requiresWaiver ? { waiverId } : {});

const enroll = (sessionId: string, clientId: string) =>
  t.call('POST', `/v1/sessions/${sessionId}/enrollments`, {
    token,
    body: { clientId, payWith: 'credit', channel: 'studio' },
  });
const merge = (survivorId: string, duplicateId: string, as = token) =>
  t.call('POST', `/v1/clients/${survivorId}/merge`, { token: as, body: { duplicateId } });
const unmerge = (survivorId: string, duplicateId: string) =>
  t.call('POST', `/v1/clients/${survivorId}/unmerge`, { token, body: { duplicateId } });
const profile = async (clientId: string) => t.call('GET', `/v1/clients/${clientId}`, { token });
const yogaCredits = (body: { balances: { credits: { eventType: string; available: number }[] } }) =>
  body.balances.credits.find((c) => c.eventType === 'yoga')?.available ?? 0;

/** Every row of the read models a merge touches, to compare with a rebuild. */
const TABLES: Record<string, string[]> = {
  client_profiles: ['client_profiles', 'client_memos', 'client_documents', 'client_merges'],
  client_accounts: [
    'account_balances',
    'account_ledger',
    'credit_grants',
    'credit_ledger',
    'sales',
    'bills',
    'payments',
  ],
  schedule: ['sessions', 'session_places'],
  waivers: ['waivers', 'waiver_signatures', 'signature_requests'],
  client_relationships: ['client_relationships'],
};
async function readModels() {
  const all: Record<string, string[]> = {};
  for (const tables of Object.values(TABLES)) {
    for (const table of tables) {
      all[table] = (await t.runtime.db.kysely.selectFrom(table).selectAll().execute())
        .map((row) => JSON.stringify(row))
        .sort();
    }
  }
  return all;
}
async function expectReadModelsEqualARebuild() {
  for (const name of Object.keys(TABLES)) await t.runtime.runner.catchUp(name);
  const live = await readModels();
  for (const name of Object.keys(TABLES)) {
    expect(projections.some((p) => p.name === name)).toBe(true);
    await adminActions['projections.rebuild'](t.runtime, { name });
  }
  expect(await readModels()).toEqual(live);
}

describe('merging a duplicate and undoing it', () => {
  let survivor: string;
  let duplicate: string;
  let partner: string;
  let ownSession: string;
  let waiverSession: string;

  beforeAll(async () => {
    survivor = await client('Jane');
    duplicate = await client('Janet');
    partner = await client('Sam');
    // The duplicate bought a pack, booked a class with it, signed the waiver, has a partner, a
    // starred memo and an unpaid bill.
    const sold = await t.call('POST', '/v1/sales', {
      token,
      body: { clientId: duplicate, items: [{ productId: pack }], payment: { method: 'cash' } },
    });
    expect(sold.status).toBe(201);
    ownSession = await session(2);
    expect((await enroll(ownSession, duplicate)).status).toBe(201);
    await t.call('POST', `/v1/clients/${duplicate}/signatures`, {
      token,
      body: { waiverId, signature: 'Janet Merge' },
    });
    await t.call('POST', `/v1/clients/${duplicate}/relationships`, {
      token,
      body: { clientId: partner, role: 'partner' },
    });
    await t.call('POST', `/v1/clients/${duplicate}/memos`, {
      token,
      body: { text: 'Knee surgery: no deep lunges', starred: true },
    });
    const owed = await t.call('POST', '/v1/sales', {
      token,
      body: { clientId: duplicate, items: [{ productId: pack }], payment: { method: 'pay_later' } },
    });
    expect(owed.status).toBe(201);
    for (const [clientId, amount] of [
      [duplicate, 5000],
      [survivor, 1000],
    ] as const) {
      const added = await t.call('POST', `/v1/clients/${clientId}/account-credit`, {
        token,
        body: { amount, reason: 'gift card' },
      });
      expect(added.status).toBe(200);
    }
    waiverSession = await session(4, true);
    // Before the merge the survivor can neither book the waiver's class nor pay for any.
    const refused = await enroll(waiverSession, survivor);
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('waiver_unsigned');
  });

  it('answers for the duplicate’s items on the survivor, and points the duplicate at it', async () => {
    const merged = await merge(survivor, duplicate);
    expect(merged.status).toBe(200);
    expect(merged.body).toMatchObject({
      survivorId: survivor,
      duplicateId: duplicate,
      accountCreditMoved: { amount: 5000, currency: 'USD' },
    });

    const gone = await profile(duplicate);
    expect(gone.status).toBe(307);
    expect(gone.headers.location).toBe(`/v1/clients/${survivor}`);
    expect(gone.body).toMatchObject({ id: duplicate, mergedInto: survivor });

    const { status, body } = await profile(survivor);
    expect(status).toBe(200);
    expect(yogaCredits(body)).toBe(19);
    expect(body.balances.outstanding.amount).toBe(12000);
    expect(body.balances.accountCredit.amount).toBe(6000);
    expect(body.activeItems.packs.map((p: { clientId: string }) => p.clientId)).toEqual([
      duplicate,
      duplicate,
    ]);
    expect(body.openBills).toHaveLength(1);
    expect(body.openBills[0].clientId).toBe(duplicate);
    expect(body.recentSales).toHaveLength(2);
    expect(body.upcomingRegistrations.map((r: { sessionId: string }) => r.sessionId)).toEqual([
      ownSession,
    ]);
    expect(body.signedWaivers.map((w: { title: string }) => w.title)).toEqual(['House rules']);
    expect(body.relationships).toEqual([
      expect.objectContaining({ clientId: partner, role: 'partner' }),
    ]);
    expect(body.memos).toEqual([
      expect.objectContaining({ clientId: duplicate, text: 'Knee surgery: no deep lunges' }),
    ]);
    expect(body.merged).toEqual([
      expect.objectContaining({
        clientId: duplicate,
        firstName: 'Janet',
        mergeId: merged.body.mergeId,
      }),
    ]);

    // The history of both stays readable.
    expect((await t.call('GET', `/v1/clients/${duplicate}/history`, { token })).status).toBe(200);
    // The front desk finds one client, not two, by either's name.
    for (const search of ['Janet', 'Jane Merge']) {
      const found = await t.call('GET', `/v1/clients?search=${encodeURIComponent(search)}`, {
        token,
      });
      expect(found.body.items.map((c: { id: string }) => c.id)).toEqual([survivor]);
    }
  });

  it('books the survivor with the duplicate’s credit and signature; the roster shows its memo', async () => {
    const booked = await enroll(waiverSession, survivor);
    expect(booked.status).toBe(201);
    expect(booked.body.status).toBe('confirmed');
    const roster = await t.call('GET', `/v1/sessions/${waiverSession}/roster`, { token });
    const place = roster.body.places.find((p: { clientId: string }) => p.clientId === survivor);
    expect(place).toMatchObject({ waiver: 'signed', product: '10 classes' });
    expect(place.starredMemos.map((m: { text: string }) => m.text)).toEqual([
      'Knee surgery: no deep lunges',
    ]);
    const duplicates = await t.call('GET', `/v1/sessions/${ownSession}/roster`, { token });
    expect(duplicates.body.places[0]).toMatchObject({
      clientId: duplicate,
      mergedInto: survivor,
      firstName: 'Jane',
    });
    // The survivor pays the duplicate's bill, and spends most of the account credit it holds.
    const [bill] = (await profile(survivor)).body.openBills;
    const paid = await t.call('POST', `/v1/bills/${bill.billId}/payments`, {
      token,
      body: { amount: 12000, method: 'cash' },
    });
    expect(paid.status).toBe(201);
    const spent = await t.call('POST', `/v1/clients/${survivor}/account-credit`, {
      token,
      body: { amount: -5500, reason: 'shop' },
    });
    expect(spent.status).toBe(200);
    const after = (await profile(survivor)).body.balances;
    expect([after.outstanding.amount, after.accountCredit.amount]).toEqual([0, 500]);
  });

  it('refuses what is addressed to the duplicate, naming the survivor', async () => {
    const attempts = [
      t.call('POST', `/v1/clients/${duplicate}/memos`, { token, body: { text: 'x' } }),
      t.call('PATCH', `/v1/clients/${duplicate}`, { token, body: { firstName: 'J' } }),
      t.call('POST', `/v1/clients/${duplicate}/credits`, {
        token,
        body: { eventTypes: ['yoga'], count: 1, reason: 'gift' },
      }),
      t.call('POST', '/v1/sales', {
        token,
        body: { clientId: duplicate, items: [{ productId: pack }], payment: { method: 'cash' } },
      }),
      enroll(await session(6), duplicate),
      t.call('POST', `/v1/clients/${partner}/relationships`, {
        token,
        body: { clientId: duplicate, role: 'family' },
      }),
    ];
    for (const reply of await Promise.all(attempts)) {
      expect(reply.status).toBe(422);
      expect(reply.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(reply.body).toMatchObject({ code: 'client_merged', survivorId: survivor });
    }
  });

  it('refuses merges into itself, across studios, into a merged client, and of a merged one', async () => {
    const other = await client('Olga');
    const elsewhere = await client('Eve', otherToken);
    const cases: [Promise<{ status: number; body: { code: string } }>, number, string][] = [
      [merge(survivor, survivor), 422, 'merge_into_itself'],
      [merge(survivor, elsewhere), 422, 'duplicate_not_found'],
      [merge(duplicate, other), 422, 'client_merged'],
      [merge(other, duplicate), 422, 'already_merged'],
      [merge(other, survivor), 422, 'has_duplicates'],
      [merge(survivor, other, otherToken), 404, 'client_not_found'],
      [unmerge(survivor, other), 422, 'not_merged'],
    ];
    for (const [reply, status, code] of cases) {
      const { status: got, body } = await reply;
      expect([got, body.code]).toEqual([status, code]);
    }
    const unvalidated = await t.call('POST', `/v1/clients/${survivor}/merge`, {
      token,
      body: { duplicateId: 'not-a-uuid' },
    });
    expect(unvalidated.status).toBe(400);
  });

  it('keeps every read model equal to a rebuild after the merge', async () => {
    await expectReadModelsEqualARebuild();
  });

  it('gives the duplicate back what it brought; what was used stays used and is listed', async () => {
    const undone = await unmerge(survivor, duplicate);
    expect(undone.status).toBe(200);
    expect(undone.body).toMatchObject({ survivorId: survivor, duplicateId: duplicate });
    expect(undone.body.unmergedAt).toEqual(expect.any(String));
    expect(undone.body.usedWhileMerged.credits).toEqual([
      expect.objectContaining({ count: 1, status: 'spent' }),
    ]);
    expect(undone.body.usedWhileMerged.payments).toEqual([
      expect.objectContaining({ amount: { amount: 12000, currency: 'USD' }, method: 'cash' }),
    ]);
    // It brought 5,000; the survivor has 500 left, so 500 goes back and 4,500 stays spent.
    expect(undone.body.usedWhileMerged.accountCredit).toEqual({
      brought: { amount: 5000, currency: 'USD' },
      returned: { amount: 500, currency: 'USD' },
      spent: { amount: 4500, currency: 'USD' },
    });

    const back = await profile(duplicate);
    expect(back.status).toBe(200);
    expect(back.body.mergedInto).toBeNull();
    expect(back.body.balances.accountCredit.amount).toBe(500);
    // 20 bought, 1 booked by the duplicate, 1 by the survivor while merged.
    expect(yogaCredits(back.body)).toBe(18);
    expect(back.body.memos).toHaveLength(1);
    expect(back.body.signedWaivers).toHaveLength(1);
    expect(back.body.relationships).toEqual([expect.objectContaining({ clientId: partner })]);

    const alone = await profile(survivor);
    expect(yogaCredits(alone.body)).toBe(0);
    expect(alone.body.balances.accountCredit.amount).toBe(0);
    expect(alone.body.merged).toEqual([]);
    expect(alone.body.memos).toEqual([]);
    expect(alone.body.signedWaivers).toEqual([]);
    // Its booking stands, paid by the credit it used.
    expect(alone.body.upcomingRegistrations.map((r: { sessionId: string }) => r.sessionId)).toEqual(
      [waiverSession],
    );
    const found = (await t.call('GET', '/v1/clients?search=Janet', { token })).body.items;
    expect(found.map((c: { id: string }) => c.id)).toEqual([duplicate]);
  });

  it('returns a cancelled booking’s credit to the grant it came from', async () => {
    const cancelled = await t.call(
      'POST',
      `/v1/sessions/${waiverSession}/enrollments/${survivor}/cancel`,
      { token, body: { outcome: 'cancel_and_refund' } },
    );
    expect(cancelled.status).toBe(200);
    expect(yogaCredits((await profile(duplicate)).body)).toBe(19);
  });

  it('keeps every read model equal to a rebuild after the unmerge', async () => {
    expect((await unmerge(survivor, duplicate)).body.code).toBe('not_merged');
    await expectReadModelsEqualARebuild();
  });
});

describe('two merges of one duplicate at once', () => {
  it('lets exactly one of them through', async () => {
    const [first, second, duplicate] = await Promise.all([
      client('Pat'),
      client('Patricia'),
      client('Patty'),
    ]);
    const replies = await Promise.all([merge(first, duplicate), merge(second, duplicate)]);
    expect(replies.map((r) => r.status).sort()).toEqual([200, 422]);
    expect(replies.find((r) => r.status === 422)!.body.code).toBe('already_merged');
    const winner = replies.find((r) => r.status === 200)!.body.survivorId;
    expect((await profile(duplicate)).headers.location).toBe(`/v1/clients/${winner}`);
  });
});

const system = () => ({
  studioId,
  actor: { type: 'system' as const, id: 'test' },
  correlationId: 'crash',
  now: new Date(),
});

/** The two client streams of a merge, as the handler writes them, with no other step. */
async function mergedStreamsOnly(survivor: string, duplicate: string): Promise<string> {
  const mergeId = crypto.randomUUID();
  const on = (clientId: string, command: Parameters<typeof clientDecider.decide>[0]) =>
    handleCommand(
      t.runtime.store,
      clientStream(clientId),
      clientDecider,
      command,
      commandContext(system()),
    );
  await on(duplicate, {
    type: 'MergeInto',
    data: {
      clientId: duplicate,
      studioId,
      survivor: { clientId: survivor, mergedInto: null },
      mergeId,
    },
  });
  await on(survivor, {
    type: 'RecordDuplicate',
    data: {
      clientId: survivor,
      duplicateId: duplicate,
      mergeId,
      mergedAt: new Date().toISOString(),
    },
  });
  return mergeId;
}

const accountCredit = async (clientId: string) =>
  (await profile(clientId)).body.balances.accountCredit.amount as number;

describe('an unmerge cut short', () => {
  it('is finished by the same request again, money and all', async () => {
    const survivor = await client('Lou');
    const duplicate = await client('Louis');
    await t.call('POST', `/v1/clients/${duplicate}/account-credit`, {
      token,
      body: { amount: 3000, reason: 'gift card' },
    });
    expect((await merge(survivor, duplicate)).body.accountCreditMoved.amount).toBe(3000);
    // The crash: the duplicate's stream decided, nothing else happened.
    await handleCommand(
      t.runtime.store,
      clientStream(duplicate),
      clientDecider,
      {
        type: 'UnmergeFrom',
        data: { clientId: duplicate, studioId, survivorId: survivor, listedMergeId: null },
      },
      commandContext(system()),
    );
    expect((await profile(survivor)).body.merged).toHaveLength(1);
    const finished = await unmerge(survivor, duplicate);
    expect(finished.status).toBe(200);
    expect(finished.body.usedWhileMerged.accountCredit.returned.amount).toBe(3000);
    expect(await accountCredit(duplicate)).toBe(3000);
    expect(await accountCredit(survivor)).toBe(0);
    expect((await profile(survivor)).body.merged).toEqual([]);
    expect((await unmerge(survivor, duplicate)).body.code).toBe('not_merged');
  });

  it('gives back account credit a crashed merge took from the duplicate and never gave on', async () => {
    const survivor = await client('Mo');
    const duplicate = await client('Moe');
    await t.call('POST', `/v1/clients/${duplicate}/account-credit`, {
      token,
      body: { amount: 2500, reason: 'gift card' },
    });
    const mergeId = await mergedStreamsOnly(survivor, duplicate);
    // The crash: taken from the duplicate, not yet given to the survivor.
    await decideOnAccount(
      t.runtime.store,
      { ...system(), idempotencyKey: `merge:${mergeId}:account-credit:out` },
      duplicate,
      (scope) => ({
        type: 'AdjustAccountCredit',
        data: { ...scope, amount: -2500, reason: `merged into client ${survivor}` },
      }),
    );
    const undone = await unmerge(survivor, duplicate);
    expect(undone.status).toBe(200);
    expect(undone.body.usedWhileMerged.accountCredit).toMatchObject({
      brought: { amount: 2500 },
      returned: { amount: 2500 },
    });
    expect(await accountCredit(duplicate)).toBe(2500);
    expect(await accountCredit(survivor)).toBe(0);
  });
});

describe('a booking retried after the survivor bought credits of its own', () => {
  it('keeps the credit it reserved on the duplicate, and takes no second one', async () => {
    const survivor = await client('Nia');
    const duplicate = await client('Niamh');
    await t.call('POST', '/v1/sales', {
      token,
      body: { clientId: duplicate, items: [{ productId: pack }], payment: { method: 'cash' } },
    });
    expect((await merge(survivor, duplicate)).status).toBe(200);
    const sessionId = await session(8);
    const key = `booking-${survivor}`;
    // The crash: the credit was reserved (on the duplicate), the place never confirmed.
    const enrollmentId = idForRequest(`enrollment:${sessionId}:${survivor}`, {
      ...system(),
      idempotencyKey: key,
    });
    const reserved = await new CreditSpending(t.runtime.store).reserve(
      system(),
      survivor,
      enrollmentId,
      'yoga',
      'booking',
    );
    expect(reserved.accountId).toBe(duplicate);
    await t.call('POST', '/v1/sales', {
      token,
      body: { clientId: survivor, items: [{ productId: pack }], payment: { method: 'cash' } },
    });
    const retried = await t.call('POST', `/v1/sessions/${sessionId}/enrollments`, {
      token,
      headers: { 'idempotency-key': key },
      body: { clientId: survivor, payWith: 'credit', channel: 'studio' },
    });
    expect(retried.status).toBe(201);
    const credits = await t.call('GET', `/v1/clients/${survivor}/credits`, { token });
    const left = Object.fromEntries(
      credits.body.grants.map((g: { clientId: string; available: number }) => [
        g.clientId,
        g.available,
      ]),
    );
    expect(left).toEqual({ [duplicate]: 9, [survivor]: 10 });
  });
});

describe('a merge cut short by a crash', () => {
  it('is finished by the same request again', async () => {
    const survivor = await client('Kim');
    const duplicate = await client('Kimberly');
    // The crash: the duplicate's stream decided, the survivor's never heard of it.
    await handleCommand(
      t.runtime.store,
      clientStream(duplicate),
      clientDecider,
      {
        type: 'MergeInto',
        data: {
          clientId: duplicate,
          studioId,
          survivor: { clientId: survivor, mergedInto: null },
          mergeId: crypto.randomUUID(),
        },
      },
      commandContext(system()),
    );
    const sold = await t.call('POST', '/v1/clients/' + duplicate + '/credits', {
      token,
      body: { eventTypes: ['yoga'], count: 1, reason: 'gift' },
    });
    expect(sold.body.code).toBe('client_merged');
    expect((await profile(survivor)).body.merged).toEqual([]);

    const again = await merge(survivor, duplicate);
    expect(again.status).toBe(200);
    expect((await profile(survivor)).body.merged).toEqual([
      expect.objectContaining({ clientId: duplicate, mergeId: again.body.mergeId }),
    ]);
  });
});

describe('erasing a survivor', () => {
  it('erases the clients merged into it too, and frees both emails', async () => {
    const survivor = await client('Rita');
    const duplicate = await client('Ritaa');
    const email = (await profile(duplicate)).body.email as string;
    await t.call('POST', `/v1/clients/${duplicate}/memos`, {
      token,
      body: { text: 'Asthma: keep the inhaler near', starred: true },
    });
    expect((await merge(survivor, duplicate)).status).toBe(200);
    expect((await t.call('POST', `/v1/clients/${duplicate}/erase`, { token })).body.code).toBe(
      'client_merged',
    );

    const erased = await t.call('POST', `/v1/clients/${survivor}/erase`, { token });
    expect(erased.status).toBe(200);
    expect(erased.body.covers.sort()).toEqual([survivor, duplicate].sort());
    expect(erased.body.keys.every((k: { destroyed: boolean }) => k.destroyed)).toBe(true);
    expect(erased.body.emailClaims).toHaveLength(2);
    expect(erased.body.emailClaims.every((c: { released: boolean }) => c.released)).toBe(true);

    const after = (await profile(survivor)).body;
    expect(after.erased).toBe(true);
    // An erased client is merged with no one, and its duplicate stays where it is.
    const other = await client('Ron');
    expect((await merge(survivor, other)).body.code).toBe('client_erased');
    expect((await unmerge(survivor, duplicate)).body.code).toBe('client_erased');
    expect(after.memos.map((m: { text: string | null }) => m.text)).toEqual([null]);
    const history = await t.call('GET', `/v1/clients/${duplicate}/history`, { token });
    expect(JSON.stringify(history.body)).not.toContain('Asthma');
    expect(JSON.stringify(history.body)).not.toContain('Ritaa');
    // The duplicate's email can register again.
    const again = await t.call('POST', '/v1/clients', {
      token,
      body: { firstName: 'Rita', lastName: 'New', email },
    });
    expect(again.status).toBe(201);
    await expectReadModelsEqualARebuild();
  });
});

describe('searching with merged clients', () => {
  it('pages a search in name order, each client once, a survivor found by its duplicate’s name in its place', async () => {
    const pagers = await Promise.all(
      ['Ada', 'Bo', 'Cy', 'Di'].map((firstName) =>
        make.client({ firstName, lastName: 'Pagerson' }),
      ),
    );
    // Found by its duplicate's name only, and by its own name too: once each.
    const survivor = await make.client({ firstName: 'Al', lastName: 'Quayle' });
    expect(
      (await merge(survivor, await make.client({ firstName: 'Al', lastName: 'Pagerson' }))).status,
    ).toBe(200);
    const both = await make.client({ firstName: 'Ed', lastName: 'Pagerson' });
    expect(
      (await merge(both, await make.client({ firstName: 'Eddie', lastName: 'Pagerson' }))).status,
    ).toBe(200);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { id: string }[]; nextCursor: string | null } } = await t.call(
        'GET',
        `/v1/clients?search=pagers&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        { token },
      );
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((c) => c.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    // Listed by the survivor's own name: Ada, Bo, Cy, Di, Ed Pagerson, then Al Quayle.
    expect(seen).toEqual([...pagers, both, survivor]);
  });
});
