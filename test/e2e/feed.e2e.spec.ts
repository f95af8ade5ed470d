import { readFeed } from '@clientele/feed';
import { until } from '../../libs/shared/testing/until';
import { PRODUCTS, studioFixtures } from '../support/studio-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
let token: string;
let studioId: string;
let otherToken: string;
let pack: string;
let make: ReturnType<typeof studioFixtures>;

beforeAll(async () => {
  t = await startTestApp();
  ({ token, studioId } = await t.createStudio('Feed Studio'));
  ({ token: otherToken } = await t.createStudio('Other Studio'));
  make = studioFixtures(t, token);
  pack = await make.product({
    ...PRODUCTS.tenClasses,
    name: '5 classes',
    price: { amount: 6000, currency: 'USD' },
    credits: { count: 5, eventTypes: ['yoga'] },
  });
});
afterAll(() => t.close());

interface Item {
  id: string;
  type: string;
  occurredAt: string;
  subject: { clientId?: string };
  data: Record<string, unknown>;
  actor: { type: string };
}

const client = (firstName: string, as = token) => make.client({ firstName, lastName: 'Feed' }, as);

const feed = (query = '', as = token) => t.call('GET', `/v1/feed${query}`, { token: as });

/** Every item after `after`, page by page, as a consumer reads it. */
async function readAll(after: string | null, limit: number) {
  const items: Item[] = [];
  let cursor = after;
  for (;;) {
    const page = await feed(`?limit=${limit}${cursor ? `&after=${cursor}` : ''}`);
    expect(page.status).toBe(200);
    items.push(...page.body.items);
    if (page.body.items.length === 0) return { items, cursor: page.body.nextCursor as string };
    cursor = page.body.nextCursor;
  }
}

describe('GET /v1/feed', () => {
  it('gives the studio’s events in order, the same read in pages of 3 as in one', async () => {
    const ada = await client('Ada');
    await client('Other', otherToken);
    const sale = await t.call('POST', '/v1/sales', {
      token,
      body: { clientId: ada, items: [{ productId: pack }], payment: { method: 'cash' } },
    });
    expect(sale.status).toBe(201);
    const whole = await feed('?limit=500');
    expect(whole.status).toBe(200);
    const paged = await readAll(null, 3);
    expect(paged.items).toEqual(whole.body.items);
    const types = (whole.body.items as Item[]).map((i) => i.type);
    expect(types).toEqual(
      expect.arrayContaining([
        'client.registered',
        'sale.recorded',
        'bill.issued',
        'payment.recorded',
        'credits.granted',
      ]),
    );
    expect(types.indexOf('client.registered')).toBeLessThan(types.indexOf('sale.recorded'));
    const payment = (whole.body.items as Item[]).find((i) => i.type === 'payment.recorded')!;
    expect(payment).toMatchObject({
      subject: { clientId: ada },
      data: { amount: { amount: 6000, currency: 'USD' }, method: 'cash' },
      actor: { type: 'staff' },
    });
    // Another studio's client never appears; nor do internal events.
    expect(JSON.stringify(whole.body)).not.toContain('other');
    expect(types.every((type) => /^[a-z_]+\.[a-z_]+$/.test(type))).toBe(true);
  });

  it('a consumer that was down gets everything since its cursor, and new events on the next call', async () => {
    const { cursor } = await readAll(null, 100);
    const missed = [await client('Ben'), await client('Cy')];
    const caughtUp = await readAll(cursor, 2);
    expect(
      caughtUp.items.filter((i) => i.type === 'client.registered').map((i) => i.subject.clientId),
    ).toEqual(missed);
    expect((await feed(`?after=${caughtUp.cursor}`)).body.items).toEqual([]);
    const dee = await client('Dee');
    // On a shared server an append becomes readable once older transactions end (ADR 0002).
    let next = await feed(`?after=${caughtUp.cursor}`);
    await until(async () => {
      next = await feed(`?after=${caughtUp.cursor}`);
      return next.body.items.length > 0;
    });
    expect(next.body.items).toEqual([
      expect.objectContaining({
        type: 'client.registered',
        subject: { clientId: dee },
        data: expect.objectContaining({ firstName: 'Dee', lastName: 'Feed' }),
      }),
    ]);
  });

  it('carries no personal data of an erased client, from before the erasure either', async () => {
    const eve = await client('Eve');
    await t.call('POST', `/v1/clients/${eve}/memos`, {
      token,
      body: { text: 'Bad knee', starred: true },
    });
    expect((await t.call('POST', `/v1/clients/${eve}/erase`, { token })).status).toBe(200);
    const { items } = await readAll(null, 100);
    const about = items.filter((i) => i.subject.clientId === eve);
    expect(about.map((i) => i.type)).toEqual(['client.registered', 'client.erased']);
    expect(about[0]!.data).toEqual({});
    const text = JSON.stringify(items);
    expect(text).not.toMatch(/eve\d*@fixture/);
    expect(text).not.toContain('Bad knee');
  });

  it('a studio with few events in a busy log gets a page that moved on, not an endless scan', async () => {
    const { cursor } = await readAll(null, 100);
    for (let i = 0; i < 6; i++) await client(`Busy${i}`, otherToken);
    const quiet = await readFeed(t.runtime.store, {
      studioId,
      after: cursor,
      limit: 10,
      scanLimit: 4,
    });
    expect(quiet.items).toEqual([]);
    expect(quiet.nextCursor).not.toBe(cursor);
    const rest = await readFeed(t.runtime.store, {
      studioId,
      after: quiet.nextCursor!,
      limit: 10,
      scanLimit: 1000,
    });
    expect(rest.items).toEqual([]);
  });

  it('a bad cursor or limit is 400 problem+json; the desk and instructors may not read it', async () => {
    for (const query of ['?after=nope', '?after=1:2:3', '?limit=0', '?limit=x']) {
      const bad = await feed(query);
      expect(bad.status).toBe(400);
      expect(bad.headers['content-type']).toContain('application/problem+json');
    }
    const desk = await t.hire(token, 'front_desk');
    expect((await feed('', desk)).status).toBe(403);
    const manager = await t.hire(token, 'manager');
    expect((await feed('', manager)).status).toBe(200);
  });
});
