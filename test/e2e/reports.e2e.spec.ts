import { PRODUCTS, studioFixtures } from '../support/studio-fixtures';
import { startTestApp, type Reply, type TestApp } from '../support/test-app';

let t: TestApp;
let token: string;
let other: { studioId: string; token: string };
let pack: string;
let monthly: string;
let video: string;
let flow: string;
let make: ReturnType<typeof studioFixtures>;

const day = (offset: number) =>
  new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  t = await startTestApp();
  ({ token } = await t.createStudio('Report Studio'));
  other = await t.createStudio('Other Studio');
  make = studioFixtures(t, token);
  pack = await make.product({
    ...PRODUCTS.tenClasses,
    name: 'Single class',
    price: { amount: 2000, currency: 'USD' },
    credits: { count: 1, eventTypes: ['yoga'] },
  });
  monthly = await make.product({ ...PRODUCTS.monthly, name: 'Unlimited, monthly' });
  video = await make.product(PRODUCTS.onDemand);
  flow = await make.classType();
});
afterAll(() => t.close());

const client = (firstName: string, lastName: string, as = token) =>
  make.client({ firstName, lastName }, as);

async function sell(clientId: string, productId: string, method = 'cash', as = token) {
  const sale = await t.call('POST', '/v1/sales', {
    token: as,
    body: { clientId, items: [{ productId }], payment: { method } },
  });
  expect(sale.status).toBe(201);
  return sale.body;
}

const session = (daysAhead: number) => make.session(flow, daysAhead, { capacity: 5 });

const report = (query: string, as = token, headers: Record<string, string> = {}) =>
  t.call('GET', `/v1/reports/${query}`, { token: as, headers });

const rowsOf = (reply: Reply, clientId: string) =>
  (reply.body.items as { clientId: string }[]).filter((row) => row.clientId === clientId);

/** The cells of a CSV as written: RFC 4180 quoting, CRLF rows. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(cell);
      cell = '';
    } else if (char === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += char;
  }
  return rows;
}

describe('the list of reports', () => {
  it('names every report with its filters; the desk may read them, an instructor may not', async () => {
    const list = await t.call('GET', '/v1/reports', { token });
    expect(list.status).toBe(200);
    expect(list.body.items.map((r: { name: string }) => r.name).sort()).toEqual([
      'attendance',
      'booking-history',
      'clients-on-membership',
      'credits-expiring',
      'frozen-memberships',
      'outstanding-balances',
      'packs',
      'sales',
      'vod-purchases',
    ]);
    const desk = await t.hire(token, 'front_desk');
    expect((await report('sales', desk)).status).toBe(200);
    const instructor = await t.hire(token, 'instructor');
    const refused = await report('sales', instructor);
    expect(refused.status).toBe(403);
    expect(refused.headers['content-type']).toContain('application/problem+json');
  });
});

describe('memberships', () => {
  it('lists a client on a membership the moment it is sold, found by name or email, in its dates', async () => {
    const zoe = await client('Zoë', 'Müller');
    const email = (await t.call('GET', `/v1/clients/${zoe}`, { token })).body.email as string;
    const sold = await sell(zoe, monthly);
    const membershipId = sold.granted[0].membershipId as string;

    // No wait: the GET itself waits for the read models to reach the sale.
    const all = await report('clients-on-membership');
    expect(all.status).toBe(200);
    expect(rowsOf(all, zoe)).toEqual([
      expect.objectContaining({
        clientId: zoe,
        firstName: 'Zoë',
        lastName: 'Müller',
        email,
        mergedFrom: null,
        membershipId,
        membership: 'Unlimited, monthly',
        status: 'active',
        startsOn: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
        price: { amount: 15900, currency: 'USD' },
      }),
    ]);
    for (const search of ['muller', 'ZOE', email.toUpperCase()]) {
      const found = await report(`clients-on-membership?search=${encodeURIComponent(search)}`);
      expect(found.body.items.map((r: { clientId: string }) => r.clientId)).toEqual([zoe]);
    }
    expect((await report('clients-on-membership?search=nobody')).body.items).toEqual([]);
    const startsOn = rowsOf(all, zoe).map(
      (r) => (r as unknown as { startsOn: string }).startsOn,
    )[0]!;
    expect(
      rowsOf(await report(`clients-on-membership?from=${startsOn}&to=${startsOn}`), zoe),
    ).toHaveLength(1);
    expect(rowsOf(await report(`clients-on-membership?from=${day(30)}`), zoe)).toEqual([]);

    // Frozen from ten days on: the frozen memberships report lists it at once.
    const frozen = await t.call('POST', `/v1/clients/${zoe}/memberships/${membershipId}/freeze`, {
      token,
      body: { from: day(10), until: day(20), reason: 'Travelling' },
    });
    expect(frozen.status).toBe(200);
    const freezes = await report('frozen-memberships?search=zoe');
    expect(freezes.body.items).toEqual([
      expect.objectContaining({ clientId: zoe, frozenFrom: day(10), frozenUntil: day(20) }),
    ]);
    expect((await report(`frozen-memberships?to=${day(5)}&search=zoe`)).body.items).toEqual([]);
  });
});

describe('video, packs, bookings and attendance', () => {
  it('follows a pack from bought to used, its booking, the check-in and the video bought', async () => {
    const ann = await client('Ann', 'Packer');
    await sell(ann, video);
    const vod = await report('vod-purchases?search=packer');
    expect(vod.body.items).toEqual([
      expect.objectContaining({ clientId: ann, video: 'On demand', active: true }),
    ]);

    await sell(ann, pack);
    let packs = await report('packs?status=active&search=packer');
    expect(packs.body.items).toEqual([
      expect.objectContaining({
        clientId: ann,
        product: 'Single class',
        eventTypes: ['yoga'],
        status: 'active',
        count: 1,
        left: 1,
      }),
    ]);
    expect((await report('packs?status=inactive&search=packer')).body.items).toEqual([]);

    const sessionId = await session(2);
    const enrolled = await t.call('POST', `/v1/sessions/${sessionId}/enrollments`, {
      token,
      body: { clientId: ann, payWith: 'credit', channel: 'online' },
    });
    expect(enrolled.status).toBe(201);

    packs = await report('packs?status=inactive&search=packer');
    expect(packs.body.items).toEqual([
      expect.objectContaining({ status: 'inactive', spent: 1, left: 0 }),
    ]);
    const bookings = await report('booking-history?search=packer');
    expect(bookings.body.items).toEqual([
      expect.objectContaining({
        clientId: ann,
        sessionId,
        session: 'Flow',
        eventType: 'yoga',
        status: 'confirmed',
        channel: 'online',
        payWith: 'credit',
        attendance: null,
      }),
    ]);
    expect((await report('booking-history?search=packer&status=cancelled')).body.items).toEqual([]);
    expect((await report('booking-history?search=packer&eventType=boxing')).body.items).toEqual([]);
    expect((await report('attendance?search=packer')).body.items).toEqual([]);

    const checkIn = await t.call('POST', `/v1/sessions/${sessionId}/enrollments/${ann}/check-in`, {
      token,
    });
    expect(checkIn.status).toBe(200);
    const attendance = await report('attendance?search=packer&attendance=checked_in');
    expect(attendance.body.items).toEqual([
      expect.objectContaining({ clientId: ann, sessionId, attendance: 'checked_in' }),
    ]);
    // Bookings filter on the session's day, in the studio's time zone.
    expect((await report(`booking-history?search=packer&to=${day(0)}`)).body.items).toEqual([]);
  });
});

describe('money', () => {
  it('adds up sales by day, week and month, and lists who owes what', async () => {
    const before = await report('sales?period=month');
    const month = before.body.items[0]?.period as string | undefined;
    const owes = await client('Olga', 'Owens');
    await sell(owes, monthly, 'pay_later');
    const cash = await sell(owes, video, 'cash');

    const byDay = await report('sales?search=owens');
    expect(byDay.body.items).toEqual([
      {
        period: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
        sales: 2,
        total: { amount: 17400, currency: 'USD' },
        refunds: { amount: 0, currency: 'USD' },
        net: { amount: 17400, currency: 'USD' },
      },
    ]);
    const refunded = await t.call('POST', `/v1/payments/${cash.payment.paymentId}/refunds`, {
      token,
      body: { amount: 500, reason: 'video would not play' },
    });
    expect(refunded.status).toBe(201);
    expect((await report('sales?search=owens')).body.items).toEqual([
      expect.objectContaining({
        sales: 2,
        refunds: { amount: 500, currency: 'USD' },
        net: { amount: 16900, currency: 'USD' },
      }),
    ]);
    const csv = await report('sales?search=owens&format=csv');
    expect(parseCsv(csv.bytes.subarray(3).toString('utf8'))[1]?.slice(1)).toEqual([
      '2',
      '174.00',
      '5.00',
      '169.00',
      'USD',
    ]);
    const byMonth = await report('sales?period=month');
    expect(byMonth.body.items[0].period).toMatch(/^\d{4}-\d{2}-01$/);
    if (month === byMonth.body.items[0].period) {
      expect(byMonth.body.items[0].sales).toBe(before.body.items[0].sales + 2);
    }
    expect((await report('sales?period=week&search=owens')).body.items).toHaveLength(1);
    expect((await report(`sales?search=owens&from=${day(1)}`)).body.items).toEqual([]);

    const balances = await report('outstanding-balances?search=owens');
    expect(balances.body.items).toEqual([
      expect.objectContaining({
        clientId: owes,
        outstanding: { amount: 15900, currency: 'USD' },
        openBills: 1,
        oldestDueOn: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
      }),
    ]);
  });

  it('lists credits expiring within the days asked', async () => {
    const soon = await client('Sunny', 'Expiring');
    const expiresAt = new Date(Date.now() + 5 * 86_400_000).toISOString();
    const issued = await t.call('POST', `/v1/clients/${soon}/credits`, {
      token,
      body: { eventTypes: ['yoga'], count: 3, reason: 'goodwill', expiresAt },
    });
    expect(issued.status).toBe(201);
    expect((await report('credits-expiring?search=expiring')).body.items).toEqual([
      expect.objectContaining({
        clientId: soon,
        source: 'complimentary',
        product: null,
        left: 3,
        expiresAt,
      }),
    ]);
    expect((await report('credits-expiring?search=expiring&days=3')).body.items).toEqual([]);
  });
});

describe('paging, studios, merged and erased clients', () => {
  it('pages by cursor through every row exactly once; another studio sees none of them', async () => {
    const ids = [];
    for (let i = 0; i < 5; i++) {
      const id = await client('Page', `Turner${i}`);
      await sell(id, video);
      ids.push(id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `vod-purchases?search=turner&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await report(query);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((r: { clientId: string }) => r.clientId));
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect([...seen].sort()).toEqual([...ids].sort());
    // Newest purchase first.
    expect(seen).toEqual([...ids].reverse());

    const theirs = await report('vod-purchases?search=turner', other.token);
    expect(theirs.body.items).toEqual([]);
    const theirVideo = await t.call('POST', '/v1/products', {
      token: other.token,
      body: {
        kind: 'vod',
        name: 'Their videos',
        price: { amount: 900, currency: 'USD' },
        accessDays: 7,
      },
    });
    await sell(
      await client('Outsider', 'Turner', other.token),
      theirVideo.body.id,
      'cash',
      other.token,
    );
    expect((await report('vod-purchases?search=outsider')).body.items).toEqual([]);
    expect((await report('vod-purchases?search=outsider', other.token)).body.items).toHaveLength(1);
  });

  it("shows a duplicate's rows under its survivor, and an erased client's without a name", async () => {
    const survivor = await client('Sam', 'Survivor');
    const duplicate = await client('Samuel', 'Duplicate');
    await sell(duplicate, video);
    await sell(duplicate, monthly, 'pay_later');
    await sell(survivor, pack, 'pay_later');
    const merged = await t.call('POST', `/v1/clients/${survivor}/merge`, {
      token,
      body: { duplicateId: duplicate },
    });
    expect(merged.status).toBeLessThan(300);
    for (const search of ['survivor', 'duplicate']) {
      const rows = await report(`vod-purchases?search=${search}`);
      expect(rows.body.items).toEqual([
        expect.objectContaining({
          clientId: survivor,
          firstName: 'Sam',
          lastName: 'Survivor',
          mergedFrom: duplicate,
        }),
      ]);
    }

    // What a survivor owes includes what its duplicates owe: one row.
    expect((await report('outstanding-balances?search=samuel')).body.items).toEqual([
      expect.objectContaining({
        clientId: survivor,
        mergedFrom: null,
        outstanding: { amount: 17900, currency: 'USD' },
        openBills: 2,
      }),
    ]);

    const gone = await client('Erin', 'Erased');
    const sale = await sell(gone, video);
    const manager = await t.hire(token, 'manager');
    const erased = await t.call('POST', `/v1/clients/${gone}/erase`, {
      token: manager,
      headers: { 'idempotency-key': `erase-${gone}` },
    });
    expect(erased.status).toBe(200);
    expect((await report('vod-purchases?search=erased')).body.items).toEqual([]);
    const all = await report('vod-purchases?limit=100');
    expect(rowsOf(all, gone)).toEqual([
      expect.objectContaining({ clientId: gone, firstName: null, lastName: null, email: null }),
    ]);
    expect(sale.saleId).toBeDefined();
  });
});

describe('CSV', () => {
  it('streams the whole report with a header row, quoted commas and line breaks, any script', async () => {
    const odd = await client('Mary, "May"', 'Line\nBreak');
    const kanji = await client('花子', 'Ли');
    const formula = await client('=SUM(A1)', 'Sheet');
    for (const id of [odd, kanji, formula]) await sell(id, monthly);

    const csv = await report('clients-on-membership?format=csv');
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toMatch(
      /^attachment; filename="clients-on-membership-\d{4}-\d{2}-\d{2}\.csv"$/,
    );
    // A byte order mark so Excel reads it as UTF-8.
    expect([...csv.bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = parseCsv(csv.bytes.subarray(3).toString('utf8'));
    const [header, ...body] = rows;
    const listed = (await t.call('GET', '/v1/reports', { token })).body.items.find(
      (r: { name: string }) => r.name === 'clients-on-membership',
    );
    expect(header).toEqual([...listed.columns, 'currency']);
    const json = await report('clients-on-membership?limit=100');
    expect(body).toHaveLength(json.body.items.length);
    const byClient = new Map(body.map((row) => [row[0], row]));
    expect(byClient.get(odd)?.slice(1, 3)).toEqual(['Mary, "May"', 'Line\nBreak']);
    expect(byClient.get(kanji)?.slice(1, 3)).toEqual(['花子', 'Ли']);
    // A name a spreadsheet would run as a formula is written as text.
    expect(byClient.get(formula)?.[1]).toBe("'=SUM(A1)");
    expect(byClient.get(odd)?.slice(6, 7)).toEqual(['Unlimited, monthly']);
    expect(byClient.get(odd)?.slice(-5)).toEqual(['159.00', '', '', '', 'USD']);

    const accepted = await report(
      `clients-on-membership?search=${encodeURIComponent('花子')}`,
      token,
      {
        accept: 'text/csv, application/json;q=0.5',
      },
    );
    expect(accepted.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(parseCsv(accepted.bytes.subarray(3).toString('utf8')).map((row) => row[0])).toEqual([
      'clientId',
      kanji,
    ]);
    const empty = await report('sales?format=csv&search=nobody');
    expect(parseCsv(empty.bytes.subarray(3).toString('utf8'))).toEqual([
      ['period', 'sales', 'total', 'refunds', 'net', 'currency'],
    ]);
  });

  it('streams more rows than one chunk, in the same order as the pages', async () => {
    const reader = await client('Chunk', 'Reader');
    const sessionId = await session(1);
    const studioId = (await t.call('GET', `/v1/clients/${reader}`, { token })).body.studioId;
    // 2,500 bookings written straight into the read model: the report reads only it.
    await t.runtime.db.kysely
      .insertInto('session_places')
      .values(
        Array.from({ length: 2500 }, (_, i) => ({
          enrollment_id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
          session_id: sessionId,
          studio_id: studioId,
          client_id: reader,
          status: 'cancelled',
          channel: 'studio',
          pay_with: 'credit',
          arrival: 0,
          booked_at: new Date(),
          booked_by: JSON.stringify({ type: 'system' }),
          changed_at: new Date(),
        })),
      )
      .execute();
    const csv = await report('booking-history?format=csv&search=reader&status=cancelled');
    const body = parseCsv(csv.bytes.subarray(3).toString('utf8')).slice(1);
    expect(body).toHaveLength(2500);
    expect(new Set(body.map((row) => row[5])).size).toBe(2500);
  });
});

describe('bad requests', () => {
  it.each([
    ['nothing-here', 404, undefined],
    ['packs?period=day', 400, 'period'],
    ['packs?status=lost', 400, 'status'],
    ['sales?period=year', 400, 'period'],
    ['credits-expiring?days=0', 400, 'days'],
    ['credits-expiring?days=many', 400, 'days'],
    ['sales?from=2026-02-30', 400, 'from'],
    ['sales?from=yesterday', 400, 'from'],
    ['sales?from=2026-03-02&to=2026-03-01', 400, 'to'],
    ['sales?cursor=bm9wZQ', 400, 'cursor'],
    ['vod-purchases?format=xml', 400, 'format'],
    ['vod-purchases?limit=1000', 400, 'limit'],
    ['vod-purchases?search=%00', 400, 'search'],
    ['vod-purchases?colour=red', 400, 'colour'],
  ])('GET /v1/reports/%s answers %i naming %s', async (query, status, field) => {
    const reply = await report(query);
    expect(reply.status).toBe(status);
    expect(reply.headers['content-type']).toContain('application/problem+json');
    if (field) {
      expect(reply.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
  });

  it('refuses a cursor of another report whose key cannot be read back', async () => {
    const page = await report('sales?limit=1');
    const forged = Buffer.from(JSON.stringify(['2026-13-45', 'USD'])).toString('base64url');
    expect((await report(`sales?cursor=${forged}`)).status).toBe(400);
    if (page.body.nextCursor) {
      expect((await report(`vod-purchases?cursor=${page.body.nextCursor}`)).status).toBe(400);
    }
  });
});
