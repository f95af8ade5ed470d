import { randomUUID } from 'node:crypto';
import { startTestApp, type Reply, type TestApp } from '../support/test-app';

let t: TestApp;
let token: string;
let studioId: string;

beforeAll(async () => {
  t = await startTestApp();
  ({ token, studioId } = await t.createStudio('Catalog Studio'));
});
afterAll(() => t.close());

/** The public contract of a class pack: exactly this payload creates one. */
const classPack = {
  kind: 'class_pack',
  name: '10 classes',
  price: { amount: 12000, currency: 'USD' },
  credits: { count: 10, eventTypes: ['yoga', 'pilates-mat'] },
  validityDays: 90,
};

const create = (body: unknown, as = token, headers: Record<string, string> = {}) =>
  t.call('POST', '/v1/products', { token: as, body, headers });

function expectInvalid(reply: Reply, fields: string[]): void {
  expect(reply.status).toBe(400);
  expect(reply.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(reply.body.code).toBe('invalid_input');
  const named = reply.body.errors.map((e: { field: string }) => e.field);
  for (const field of fields) expect(named).toContain(field);
}

describe('creating products', () => {
  it('creates a class pack from the public payload: 201, Location, ETag, and the GET sees it', async () => {
    const created = await create(classPack);
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe(`/v1/products/${created.body.id}`);
    expect(created.headers.etag).toBe('"0"');
    expect(created.body).toEqual({
      id: expect.any(String),
      studioId,
      kind: 'class_pack',
      name: '10 classes',
      description: null,
      price: { amount: 12000, currency: 'USD' },
      credits: { count: 10, eventTypes: ['yoga', 'pilates-mat'] },
      validityDays: 90,
      validityStarts: 'purchase',
      archived: false,
      version: 0,
    });

    const read = await t.call('GET', `/v1/products/${created.body.id}`, { token });
    expect(read.status).toBe(200);
    expect(read.headers.etag).toBe('"0"');
    expect(read.body).toEqual(created.body);
  });

  it.each<[string, Record<string, unknown>]>([
    [
      'a membership',
      {
        kind: 'membership',
        name: 'Unlimited monthly',
        description: 'Every class, every day',
        price: { amount: 15900, currency: 'USD' },
        billingPeriod: { unit: 'month', count: 1 },
        eventTypes: ['yoga', 'pilates-mat'],
        creditsPerPeriod: null,
      },
    ],
    [
      'a membership of 8 visits every 4 weeks',
      {
        kind: 'membership',
        name: '8 a month',
        price: { amount: 9900, currency: 'USD' },
        billingPeriod: { unit: 'week', count: 4 },
        eventTypes: ['yoga'],
        creditsPerPeriod: 8,
      },
    ],
    [
      'a private pass whose validity starts at first use',
      {
        kind: 'private_pass',
        name: '5 privates',
        price: { amount: 40000, currency: 'USD' },
        credits: { count: 5, eventTypes: ['private'] },
        validityDays: 180,
        validityStarts: 'first_use',
      },
    ],
    ['a class pack that never expires', { ...classPack, name: 'Forever pack', validityDays: null }],
    [
      'video on demand',
      { kind: 'vod', name: 'On demand', price: { amount: 1500, currency: 'USD' }, accessDays: 30 },
    ],
    [
      'a free service',
      { kind: 'service', name: 'Mat rental', price: { amount: 0, currency: 'USD' } },
    ],
  ])('creates %s, exactly as sent', async (_, body) => {
    const created = await create(body);
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      studioId,
      description: null,
      ...(body.kind === 'class_pack' || body.kind === 'private_pass'
        ? { validityStarts: 'purchase' }
        : {}),
      ...body,
      archived: false,
      version: 0,
    });
    const read = await t.call('GET', `/v1/products/${created.body.id}`, { token });
    expect(read.body).toEqual(created.body);
  });

  it('refuses a price in another currency than the studio’s with 422 currency_mismatch', async () => {
    const reply = await create({ ...classPack, price: { amount: 12000, currency: 'EUR' } });
    expect(reply.status).toBe(422);
    expect(reply.body).toMatchObject({
      code: 'currency_mismatch',
      expectedCurrency: 'USD',
      currency: 'EUR',
    });
  });

  it('creates one product for a request retried with the same Idempotency-Key', async () => {
    const headers = { 'idempotency-key': 'catalog-once' };
    const first = await create({ ...classPack, name: 'Once' }, token, headers);
    const again = await create({ ...classPack, name: 'Once' }, token, headers);
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
  });
});

describe('bad payloads', () => {
  let empty: string;
  beforeAll(async () => {
    ({ token: empty } = await t.createStudio('Catalog Empty'));
  });

  const pack = (over: Record<string, unknown>) => ({ ...classPack, ...over });
  const membership = (over: Record<string, unknown>) => ({
    kind: 'membership',
    name: 'Monthly',
    price: { amount: 9900, currency: 'USD' },
    billingPeriod: { unit: 'month', count: 1 },
    eventTypes: ['yoga'],
    creditsPerPeriod: null,
    ...over,
  });
  const { credits: _credits, ...packWithoutCredits } = classPack;
  const { validityDays: _days, ...packWithoutValidity } = classPack;

  it.each<[string, unknown, string[]]>([
    ['an unknown kind', pack({ kind: 'gift_card' }), ['kind']],
    ['no kind', { name: 'X', price: { amount: 1, currency: 'USD' } }, ['kind']],
    ['an unknown field', pack({ colour: 'red' }), ['colour']],
    ['a studioId of its own', pack({ studioId: randomUUID() }), ['studioId']],
    ['a pack without credits', packWithoutCredits, ['credits']],
    ['a pack without validityDays', packWithoutValidity, ['validityDays']],
    [
      'a billing period on a pack',
      pack({ billingPeriod: { unit: 'month', count: 1 } }),
      ['billingPeriod'],
    ],
    ['access days on a pack', pack({ accessDays: 30 }), ['accessDays']],
    [
      'credits on a service',
      {
        kind: 'service',
        name: 'Towel',
        price: { amount: 100, currency: 'USD' },
        credits: classPack.credits,
      },
      ['credits'],
    ],
    [
      'creditsPerPeriod null on video access',
      {
        kind: 'vod',
        name: 'V',
        price: { amount: 1, currency: 'USD' },
        accessDays: 7,
        creditsPerPeriod: null,
      },
      ['creditsPerPeriod'],
    ],
    [
      'validityStarts on a membership',
      membership({ validityStarts: 'purchase' }),
      ['validityStarts'],
    ],
    [
      'a membership without creditsPerPeriod',
      membership({ creditsPerPeriod: undefined }),
      ['creditsPerPeriod'],
    ],
    [
      'a billing period of 13 months',
      membership({ billingPeriod: { unit: 'month', count: 13 } }),
      ['billingPeriod.count'],
    ],
    [
      'a billing period in days',
      membership({ billingPeriod: { unit: 'day', count: 1 } }),
      ['billingPeriod.unit'],
    ],
    ['a membership for no event type', membership({ eventTypes: [] }), ['eventTypes']],
    ['a blank name', pack({ name: '   ' }), ['name']],
    ['a 101-character name', pack({ name: 'n'.repeat(101) }), ['name']],
    ['a fractional price', pack({ price: { amount: 120.5, currency: 'USD' } }), ['price.amount']],
    ['a negative price', pack({ price: { amount: -1, currency: 'USD' } }), ['price.amount']],
    ['a price as a string', pack({ price: '120.00' }), ['price']],
    ['a price as a bare number', pack({ price: 12000 }), ['price']],
    ['a price with a tax', pack({ price: { amount: 1, currency: 'USD', tax: 2 } }), ['price.tax']],
    ['a lowercase currency', pack({ price: { amount: 1, currency: 'usd' } }), ['price.currency']],
    [
      'no credits in the pack',
      pack({ credits: { count: 0, eventTypes: ['yoga'] } }),
      ['credits.count'],
    ],
    [
      'an event type with a space',
      pack({ credits: { count: 1, eventTypes: ['hot yoga'] } }),
      ['credits.eventTypes'],
    ],
    [
      'an event type twice',
      pack({ credits: { count: 1, eventTypes: ['yoga', 'yoga'] } }),
      ['credits.eventTypes'],
    ],
    ['validity of 0 days', pack({ validityDays: 0 }), ['validityDays']],
    ['validity as a string', pack({ validityDays: '90' }), ['validityDays']],
    ['a validity that starts at lunch', pack({ validityStarts: 'lunch' }), ['validityStarts']],
    [
      'video access for 0 days',
      { kind: 'vod', name: 'V', price: { amount: 1, currency: 'USD' }, accessDays: 0 },
      ['accessDays'],
    ],
  ])('answers 400 naming the field to %s, and writes nothing', async (_, body, fields) => {
    expectInvalid(await create(body, empty), fields);
    const listed = await t.call('GET', '/v1/products?includeArchived=true', { token: empty });
    expect(listed.body.items).toEqual([]);
  });

  it('lists every bad field at once', async () => {
    const reply = await create(
      {
        kind: 'vod',
        name: '',
        price: { amount: -1, currency: 'usd' },
        credits: { count: 1, eventTypes: ['yoga'] },
      },
      empty,
    );
    expectInvalid(reply, ['name', 'price.amount', 'price.currency', 'credits', 'accessDays']);
  });

  it('answers 400 to a price too large for a double', async () => {
    const raw = JSON.stringify(pack({ price: { amount: '__N__', currency: 'USD' } })).replace(
      '"__N__"',
      '1e400',
    );
    const reply = await t.call('POST', '/v1/products', { token: empty, raw });
    expectInvalid(reply, ['price.amount']);
  });
});

describe('listing the catalog', () => {
  let desk: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    ({ token: desk } = await t.createStudio('Catalog Listing'));
    const products: [string, Record<string, unknown>][] = [
      ['Zumba pack', { ...classPack, name: 'Zumba pack' }],
      ['ashtanga pack', { ...classPack, name: 'ashtanga pack' }],
      ['Ëxtra privates', { ...classPack, kind: 'private_pass', name: 'Ëxtra privates' }],
      ['Barre pack', { ...classPack, name: 'Barre pack' }],
      [
        'Videos',
        { kind: 'vod', name: 'Videos', price: { amount: 900, currency: 'USD' }, accessDays: 30 },
      ],
    ];
    for (const [name, body] of products) {
      const created = await create(body, desk);
      expect(created.status).toBe(201);
      ids[name] = created.body.id;
    }
    const archived = await t.call('PATCH', `/v1/products/${ids['Barre pack']}`, {
      token: desk,
      body: { archived: true },
    });
    expect(archived.status).toBe(200);
  });

  const names = async (query: string) => {
    const reply = await t.call('GET', `/v1/products?${query}`, { token: desk });
    expect(reply.status).toBe(200);
    return reply.body.items.map((p: { name: string }) => p.name);
  };

  it('orders by name whatever the case or accents, leaving archived products out', async () => {
    expect(await names('')).toEqual(['ashtanga pack', 'Ëxtra privates', 'Videos', 'Zumba pack']);
  });

  it('lists archived products too when asked', async () => {
    expect(await names('includeArchived=true')).toEqual([
      'ashtanga pack',
      'Barre pack',
      'Ëxtra privates',
      'Videos',
      'Zumba pack',
    ]);
    expect(await names('includeArchived=false')).toHaveLength(4);
  });

  it('filters by kind', async () => {
    expect(await names('kind=class_pack')).toEqual(['ashtanga pack', 'Zumba pack']);
    expect(await names('kind=class_pack&includeArchived=true')).toEqual([
      'ashtanga pack',
      'Barre pack',
      'Zumba pack',
    ]);
    expect(await names('kind=membership')).toEqual([]);
  });

  it('pages with limit and an opaque cursor, each product once, in order', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Reply = await t.call(
        'GET',
        `/v1/products?limit=2&includeArchived=true${cursor ? `&cursor=${cursor}` : ''}`,
        { token: desk },
      );
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((p: { name: string }) => p.name));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['ashtanga pack', 'Barre pack', 'Ëxtra privates', 'Videos', 'Zumba pack']);
  });

  it.each<[string, string]>([
    ['kind=gift_card', 'kind'],
    ['includeArchived=maybe', 'includeArchived'],
    ['includeArchived=1', 'includeArchived'],
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['cursor=garbage', 'cursor'],
    [`cursor=${Buffer.from(JSON.stringify(['a', "' OR 1=1"])).toString('base64url')}`, 'cursor'],
  ])('answers 400 naming the parameter to %s', async (query, field) => {
    expectInvalid(await t.call('GET', `/v1/products?${query}`, { token: desk }), [field]);
  });
});

describe('changing a product', () => {
  it('changes the price for what is sold next; the GET shows it and the ETag moves', async () => {
    const { body: product } = await create(classPack);
    const changed = await t.call('PATCH', `/v1/products/${product.id}`, {
      token,
      body: { price: { amount: 13500, currency: 'USD' } },
    });
    expect(changed.status).toBe(200);
    expect(changed.headers.etag).toBe('"1"');
    expect(changed.body).toMatchObject({ price: { amount: 13500, currency: 'USD' }, version: 1 });

    const read = await t.call('GET', `/v1/products/${product.id}`, { token });
    expect(read.headers.etag).toBe('"1"');
    expect(read.body).toEqual(changed.body);

    const same = await t.call('PATCH', `/v1/products/${product.id}`, {
      token,
      body: { price: { amount: 13500, currency: 'USD' } },
    });
    expect(same.status).toBe(200);
    expect(same.body.version).toBe(1);
  });

  it('renames, describes and clears a description', async () => {
    const { body: product } = await create(classPack);
    const url = `/v1/products/${product.id}`;
    const described = await t.call('PATCH', url, {
      token,
      body: { name: 'Ten classes', description: 'Any mat class' },
    });
    expect(described.body).toMatchObject({
      name: 'Ten classes',
      description: 'Any mat class',
      version: 1,
    });
    const cleared = await t.call('PATCH', url, { token, body: { description: null } });
    expect(cleared.body).toMatchObject({ name: 'Ten classes', description: null, version: 2 });
    expect((await t.call('GET', url, { token })).body).toEqual(cleared.body);
  });

  it('refuses another currency with 422 and changes nothing', async () => {
    const { body: product } = await create(classPack);
    const reply = await t.call('PATCH', `/v1/products/${product.id}`, {
      token,
      body: { price: { amount: 100, currency: 'GBP' } },
    });
    expect(reply.status).toBe(422);
    expect(reply.body.code).toBe('currency_mismatch');
    const read = await t.call('GET', `/v1/products/${product.id}`, { token });
    expect(read.body).toMatchObject({ price: classPack.price, version: 0 });
  });

  it('archives: still readable, no longer changeable (422), archiving again changes nothing', async () => {
    const { body: product } = await create(classPack);
    const url = `/v1/products/${product.id}`;
    const archived = await t.call('PATCH', url, {
      token,
      body: { price: { amount: 9900, currency: 'USD' }, archived: true },
    });
    expect(archived.status).toBe(200);
    expect(archived.body).toMatchObject({
      archived: true,
      price: { amount: 9900, currency: 'USD' },
      version: 2,
    });

    const read = await t.call('GET', url, { token });
    expect(read.status).toBe(200);
    expect(read.body).toEqual(archived.body);

    const changed = await t.call('PATCH', url, { token, body: { name: 'Back on sale' } });
    expect(changed.status).toBe(422);
    expect(changed.body).toMatchObject({ code: 'product_archived', productId: product.id });

    const again = await t.call('PATCH', url, { token, body: { archived: true } });
    expect(again.status).toBe(200);
    expect(again.body.version).toBe(2);
    expect((await t.call('GET', url, { token })).body).toEqual(archived.body);
  });

  it('refuses a stale If-Match with 412 and takes a current one', async () => {
    const { body: product } = await create(classPack);
    const url = `/v1/products/${product.id}`;
    const first = await t.call('PATCH', url, {
      token,
      body: { name: 'First' },
      headers: { 'if-match': '"0"' },
    });
    expect(first.status).toBe(200);
    expect(first.headers.etag).toBe('"1"');
    const stale = await t.call('PATCH', url, {
      token,
      body: { name: 'Second' },
      headers: { 'if-match': '"0"' },
    });
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ code: 'precondition_failed', currentVersion: 1 });
    expect((await t.call('GET', url, { token })).body.name).toBe('First');
  });

  it('lands exactly one of 10 PATCHes sent at once with the same If-Match; the others get 412', async () => {
    const { body: product } = await create(classPack);
    const url = `/v1/products/${product.id}`;
    const replies = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        t.call('PATCH', url, {
          token,
          body: { price: { amount: 10000 + i, currency: 'USD' } },
          headers: { 'if-match': '"0"' },
        }),
      ),
    );
    const landed = replies.filter((r) => r.status === 200);
    expect(landed).toHaveLength(1);
    expect(replies.filter((r) => r.status === 412)).toHaveLength(9);
    const read = await t.call('GET', url, { token });
    expect(read.body).toMatchObject({ price: landed[0]!.body.price, version: 1 });
  });

  it.each<[string, unknown, string[]]>([
    ['archived: false', { archived: false }, ['archived']],
    ['a null name', { name: null }, ['name']],
    ['a kind', { kind: 'vod' }, ['kind']],
    ['a fractional price', { price: { amount: 1.5, currency: 'USD' } }, ['price.amount']],
    ['a version of its own', { version: 9 }, ['version']],
  ])('answers 400 naming the field to a PATCH with %s', async (_, body, fields) => {
    const { body: product } = await create(classPack);
    const reply = await t.call('PATCH', `/v1/products/${product.id}`, { token, body });
    expectInvalid(reply, fields);
    expect((await t.call('GET', `/v1/products/${product.id}`, { token })).body.version).toBe(0);
  });
});

describe('who may see and change the catalog', () => {
  let desk: string;
  let other: string;
  let product: { id: string; name: string };

  beforeAll(async () => {
    const added = await t.call('POST', '/v1/staff', {
      token,
      body: { name: 'Fran Desk', email: 'fran.catalog@example.com', role: 'front_desk' },
    });
    const issued = await t.call('POST', `/v1/staff/${added.body.id}/tokens`, {
      token,
      body: { label: 'desk' },
    });
    desk = issued.body.token;
    ({ token: other } = await t.createStudio('Catalog Elsewhere'));
    ({ body: product } = await create({ ...classPack, name: 'Guarded pack' }));
  });

  it('lets the front desk read the catalog but not create or change it (403)', async () => {
    expect((await t.call('GET', '/v1/products', { token: desk })).status).toBe(200);
    expect((await t.call('GET', `/v1/products/${product.id}`, { token: desk })).status).toBe(200);
    const created = await create(classPack, desk);
    expect(created.status).toBe(403);
    expect(created.body).toMatchObject({
      code: 'permission_denied',
      permission: 'catalog:manage',
    });
    const changed = await t.call('PATCH', `/v1/products/${product.id}`, {
      token: desk,
      body: { name: 'Desk pack' },
    });
    expect(changed.status).toBe(403);
  });

  it('answers 404 to another studio, as for an id nobody has, even with a stale If-Match', async () => {
    for (const id of [product.id, randomUUID()]) {
      const read = await t.call('GET', `/v1/products/${id}`, { token: other });
      expect(read.status).toBe(404);
      expect(read.body.code).toBe('product_not_found');
      for (const headers of [{}, { 'if-match': '"7"' }] as Record<string, string>[]) {
        const changed = await t.call('PATCH', `/v1/products/${id}`, {
          token: other,
          body: { name: 'Stolen' },
          headers,
        });
        expect(changed.status).toBe(404);
        expect(changed.text).not.toContain('Guarded');
      }
    }
    const listed = await t.call('GET', '/v1/products?includeArchived=true', { token: other });
    expect(listed.body.items).toEqual([]);
    const mine = await t.call('GET', `/v1/products/${product.id}`, { token });
    expect(mine.body).toMatchObject({ name: 'Guarded pack', version: 0 });
  });
});
