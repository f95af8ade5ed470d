import { randomUUID } from 'node:crypto';
import { startTestApp, type Reply, type TestApp } from '../support/test-app';

/**
 * Bad input of every kind: a 4xx problem+json that says what is wrong, never a 500, and nothing
 * written. Requests that must be refused go to a studio that must stay empty, or change a client
 * whose version must stay 0.
 */
let t: TestApp;
/** A studio nothing may ever be written to. */
let empty: string;
/** A studio with one client that must never change. */
let owner: string;
let victim: { id: string; firstName: string };

beforeAll(async () => {
  t = await startTestApp();
  ({ token: empty } = await t.createStudio('Hostile Empty'));
  ({ token: owner } = await t.createStudio('Hostile Victim'));
  const created = await t.call('POST', '/v1/clients', {
    token: owner,
    body: { firstName: 'Victor', lastName: 'Victim', email: 'victor@example.com' },
  });
  expect(created.status).toBe(201);
  victim = { id: created.body.id, firstName: 'Victor' };
});
afterAll(() => t.close());

const valid = () => ({
  firstName: 'Jane',
  lastName: 'Doe',
  email: `jane.${randomUUID()}@example.com`,
});

function expectProblem(reply: Reply, statuses: number[]): void {
  expect({ status: reply.status, contentType: reply.headers['content-type'] }).toEqual({
    status: statuses.includes(reply.status) ? reply.status : `one of ${statuses.join(', ')}`,
    contentType: expect.stringMatching(/^application\/problem\+json/),
  });
  expect(reply.body).toMatchObject({
    type: expect.stringMatching(/^https?:\/\/\S+$/),
    title: expect.any(String),
    status: reply.status,
    detail: expect.any(String),
  });
  expect(reply.body.detail.length).toBeGreaterThan(0);
  expect(reply.body.type).not.toMatch(/internal/);
}

/** A 400 that lists what is wrong, field by field, naming each field given. */
function expectInvalid(reply: Reply, fields: string[] = []): void {
  expectProblem(reply, [400]);
  expect(reply.body.code).toBe('invalid_input');
  expect(reply.body.errors).toEqual(expect.any(Array));
  expect(reply.body.errors.length).toBeGreaterThan(0);
  for (const error of reply.body.errors) {
    expect(error).toEqual({ field: expect.any(String), message: expect.any(String) });
    expect(error.message.length).toBeGreaterThan(0);
  }
  const named = reply.body.errors.map((e: { field: string }) => e.field);
  for (const field of fields) expect(named).toContain(field);
}

/** Nothing reached the empty studio, and the victim is as it was. */
async function expectNothingWritten(): Promise<void> {
  const listed = await t.call('GET', '/v1/clients', { token: empty });
  expect(listed.status).toBe(200);
  expect(listed.body.items).toEqual([]);
  const read = await t.call('GET', `/v1/clients/${victim.id}`, { token: owner });
  expect(read.status).toBe(200);
  expect(read.body).toMatchObject({ firstName: victim.firstName, version: 0 });
}

const register = (options: { body?: unknown; raw?: string; headers?: Record<string, string> }) =>
  t.call('POST', '/v1/clients', { token: empty, ...options });

describe('a body that is not a JSON object', () => {
  it.each<[string, string]>([
    ['truncated JSON', '{"firstName": "Jane",'],
    ['unquoted keys', '{firstName: Jane}'],
    ['single quotes', "{'firstName': 'Jane'}"],
    ['a trailing comma', '{"firstName": "Jane", "lastName": "Doe", "email": "j@example.com",}'],
    ['two documents', '{"firstName": "Jane"}{"lastName": "Doe"}'],
    ['an empty body', ''],
    ['whitespace only', '   '],
  ])('answers 400 to %s', async (_, raw) => {
    expectProblem(await register({ raw }), [400]);
    await expectNothingWritten();
  });

  it.each<[string, string]>([
    ['an empty array', '[]'],
    ['an array of one client', JSON.stringify([valid()])],
    ['a string', '"Jane Doe"'],
    ['null', 'null'],
    ['a number', '42'],
    ['true', 'true'],
  ])('answers 400 with a field list to %s', async (_, raw) => {
    expectInvalid(await register({ raw }));
    await expectNothingWritten();
  });

  it.each<[string, string]>([
    ['an array', '[{"firstName": "X"}]'],
    ['a string', '"X"'],
    ['null', 'null'],
  ])('answers 400 to a PATCH whose body is %s', async (_, raw) => {
    const reply = await t.call('PATCH', `/v1/clients/${victim.id}`, { token: owner, raw });
    expectInvalid(reply);
    await expectNothingWritten();
  });
});

describe('a JSON object with bad fields', () => {
  const big = 'x'.repeat(10_000);
  const cases: [string, Record<string, unknown>, string[]][] = [
    ['no fields at all', {}, ['firstName', 'lastName', 'email']],
    ['only a first name', { firstName: 'Jane' }, ['lastName', 'email']],
    ['a number for firstName', { ...valid(), firstName: 42 }, ['firstName']],
    ['null for lastName', { ...valid(), lastName: null }, ['lastName']],
    ['an object for email', { ...valid(), email: { address: 'j@example.com' } }, ['email']],
    ['an array for birthday', { ...valid(), birthday: ['1990-01-01'] }, ['birthday']],
    ['a number for phone', { ...valid(), phone: 5550100 }, ['phone']],
    ['a boolean for username', { ...valid(), username: true }, ['username']],
    ['an empty firstName', { ...valid(), firstName: '' }, ['firstName']],
    ['an empty lastName', { ...valid(), lastName: '' }, ['lastName']],
    ['an empty email', { ...valid(), email: '' }, ['email']],
    ['a blank firstName', { ...valid(), firstName: '   ' }, ['firstName']],
    ['an empty username', { ...valid(), username: '' }, ['username']],
    ['a 10k firstName', { ...valid(), firstName: big }, ['firstName']],
    ['a 10k lastName', { ...valid(), lastName: big }, ['lastName']],
    ['a 10k email', { ...valid(), email: `${big}@example.com` }, ['email']],
    ['a 10k phone', { ...valid(), phone: '5'.repeat(10_000) }, ['phone']],
    ['a 10k username', { ...valid(), username: big }, ['username']],
    ['a 10k city', { ...valid(), address: { city: big } }, ['address.city']],
    ['a 101-character firstName', { ...valid(), firstName: 'y'.repeat(101) }, ['firstName']],
    ['an unknown field', { ...valid(), isAdmin: true }, ['isAdmin']],
    ['a studioId of its own', { ...valid(), studioId: randomUUID() }, ['studioId']],
    ['an id of its own', { ...valid(), id: randomUUID() }, ['id']],
    ['an unknown address key', { ...valid(), address: { planet: 'Mars' } }, ['address.planet']],
    ['a string address', { ...valid(), address: '1 Main St' }, ['address']],
    ['an array address', { ...valid(), address: [{ city: 'Boston' }] }, ['address']],
    ['a number address', { ...valid(), address: 7 }, ['address']],
    ['a lowercase country', { ...valid(), address: { country: 'us' } }, ['address.country']],
    ['birthday 1990-02-30', { ...valid(), birthday: '1990-02-30' }, ['birthday']],
    ['birthday 2999-01-01', { ...valid(), birthday: '2999-01-01' }, ['birthday']],
    ['birthday 1990/01/01', { ...valid(), birthday: '1990/01/01' }, ['birthday']],
    ['birthday 1990-13-01', { ...valid(), birthday: '1990-13-01' }, ['birthday']],
    ['birthday 0000-00-00', { ...valid(), birthday: '0000-00-00' }, ['birthday']],
    ['birthday with a time', { ...valid(), birthday: '1990-01-01T00:00:00Z' }, ['birthday']],
    ['email without @', { ...valid(), email: 'jane.example.com' }, ['email']],
    ['email without a domain dot', { ...valid(), email: 'jane@example' }, ['email']],
    ['email with two @', { ...valid(), email: 'jane@@example.com' }, ['email']],
    ['email with a header injected', { ...valid(), email: 'j@example.com\nBcc: x@y.z' }, ['email']],
    ['letters in the phone', { ...valid(), phone: 'call me maybe' }, ['phone']],
  ];

  it.each(cases)('answers 400 naming the field to %s', async (_, body, fields) => {
    expectInvalid(await register({ body }), fields);
    await expectNothingWritten();
  });

  it('lists every bad field at once', async () => {
    const reply = await register({
      body: { firstName: 1, lastName: '', email: 'nope', birthday: 'soon', extra: 1 },
    });
    expectInvalid(reply, ['firstName', 'lastName', 'email', 'birthday', 'extra']);
  });

  it.each<[string, string, string]>([
    ['a number too large for a double', '1e400', 'firstName'],
    ['a 30-digit integer', '123456789012345678901234567890', 'firstName'],
    ['a negative huge number', '-1e400', 'lastName'],
  ])('answers 400 to %s where a string belongs', async (_, number, field) => {
    const body = { ...valid(), [field]: '__N__' };
    const raw = JSON.stringify(body).replace('"__N__"', number);
    expectInvalid(await register({ raw }), [field]);
    await expectNothingWritten();
  });

  it.each<[string, Record<string, unknown>, string[]]>([
    ['an unknown field', { nickname: 'Vic' }, ['nickname']],
    ['a number for firstName', { firstName: 7 }, ['firstName']],
    ['an empty lastName', { lastName: '' }, ['lastName']],
    ['null for firstName (not optional)', { firstName: null }, ['firstName']],
    ['birthday 1990-02-30', { birthday: '1990-02-30' }, ['birthday']],
    ['an invalid email', { email: 'victor' }, ['email']],
    ['a string address', { address: 'nowhere' }, ['address']],
    ['an unknown address key', { address: { galaxy: 'Andromeda' } }, ['address.galaxy']],
    ['a version of its own', { version: 99 }, ['version']],
  ])('answers 400 naming the field to a PATCH with %s', async (_, body, fields) => {
    const reply = await t.call('PATCH', `/v1/clients/${victim.id}`, { token: owner, body });
    expectInvalid(reply, fields);
    await expectNothingWritten();
  });
});

describe('prototype pollution', () => {
  const payloads: [string, string][] = [
    ['__proto__ at the top', `{"__proto__": {"admin": true}, ${inner()}}`],
    ['__proto__ in the address', `{${inner()}, "address": {"__proto__": {"admin": true}}}`],
    ['constructor.prototype', `{"constructor": {"prototype": {"admin": true}}, ${inner()}}`],
    ['a plain constructor key', `{"constructor": "Object", ${inner()}}`],
    ['a prototype key', `{"prototype": {"admin": true}, ${inner()}}`],
  ];

  function inner(): string {
    return `"firstName": "Proto", "lastName": "Type", "email": "proto.${randomUUID()}@example.com"`;
  }

  it.each(payloads)('answers 400 to %s, and pollutes nothing', async (_, raw) => {
    const reply = await register({ raw });
    expectProblem(reply, [400]);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('admin');
    await expectNothingWritten();
  });

  it('answers 400 to a PATCH with __proto__ and leaves the client as it was', async () => {
    const reply = await t.call('PATCH', `/v1/clients/${victim.id}`, {
      token: owner,
      raw: '{"__proto__": {"firstName": "Polluted"}}',
    });
    expectProblem(reply, [400]);
    expect(({} as Record<string, unknown>).firstName).toBeUndefined();
    await expectNothingWritten();
  });
});

describe('bodies that are too big, of the wrong type, or not UTF-8', () => {
  it('answers 413 to a body over 1 MB', async () => {
    const raw = JSON.stringify({ ...valid(), firstName: 'z'.repeat(1024 * 1024 + 10) });
    const reply = await register({ raw });
    expectProblem(reply, [413]);
    await expectNothingWritten();
  });

  it.each<[string, string, number[]]>([
    // JSON sent as text is not taken for an empty body (that answered 400, every field missing).
    ['text/plain', 'text/plain', [415]],
    ['application/xml', 'application/xml', [415]],
    ['form-urlencoded', 'application/x-www-form-urlencoded', [415]],
    ['multipart without a boundary', 'multipart/form-data', [400, 415]],
  ])(
    'refuses a body sent as %s: 415 (a multipart it cannot read: 400)',
    async (_, type, statuses) => {
      const reply = await register({
        raw: JSON.stringify(valid()),
        headers: { 'content-type': type },
      });
      expectProblem(reply, statuses);
      await expectNothingWritten();
    },
  );

  it('takes an empty body sent as text/plain as an empty body (a browser sends a bodyless POST so)', async () => {
    const reply = await register({
      raw: '',
      headers: { 'content-type': 'text/plain;charset=UTF-8' },
    });
    expectInvalid(reply, ['firstName', 'lastName', 'email']);
    await expectNothingWritten();
  });

  it.each<[string, Buffer]>([
    ['a lone continuation byte', Buffer.from([0x80])],
    ['a truncated 2-byte sequence', Buffer.from([0xc3])],
    ['an overlong encoding of "/"', Buffer.from([0xc0, 0xaf])],
    ['a UTF-16 surrogate encoded as UTF-8', Buffer.from([0xed, 0xa0, 0x80])],
    ['a byte that is never UTF-8', Buffer.from([0xff, 0xfe])],
  ])('answers 400 to %s inside a JSON string', async (_, bad) => {
    const payload = Buffer.concat([
      Buffer.from('{"firstName": "Bad'),
      bad,
      Buffer.from(`", "lastName": "Bytes", "email": "bytes.${randomUUID()}@example.com"}`),
    ]);
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/clients',
      headers: { authorization: `Bearer ${empty}`, 'content-type': 'application/json' },
      payload,
    });
    const reply: Reply = {
      status: response.statusCode,
      headers: response.headers,
      body: JSON.parse(response.body),
      text: response.body,
      bytes: response.rawPayload,
    };
    expectProblem(reply, [400]);
    await expectNothingWritten();
  });

  it.each<[string, string]>([
    ['a NUL character in a name', '"Nul\\u0000Name"'],
    ['a lone surrogate in a name', '"Half\\ud800"'],
  ])('answers 400 to %s', async (_, name) => {
    const raw = `{"firstName": ${name}, "lastName": "Doe", "email": "nul.${randomUUID()}@example.com"}`;
    const reply = await register({ raw });
    expectInvalid(reply, ['firstName']);
    await expectNothingWritten();
  });
});

describe('paths, routes and methods', () => {
  it.each<[string, 'GET' | 'PATCH' | 'POST', string]>([
    ['a client id that is a word', 'GET', '/v1/clients/not-a-uuid'],
    ['a client id that is a number', 'GET', '/v1/clients/12345'],
    ['a client id with SQL', 'GET', `/v1/clients/${encodeURIComponent("1' OR '1'='1")}`],
    ['a client id one character short', 'GET', `/v1/clients/${randomUUID().slice(0, 35)}`],
    ['a history of a non-UUID', 'GET', '/v1/clients/abc/history'],
    ['a PATCH of a non-UUID', 'PATCH', '/v1/clients/abc'],
    ['a token issue for a non-UUID', 'POST', '/v1/staff/abc/tokens'],
    ['a revoke with a non-UUID token', 'POST', `/v1/staff/${randomUUID()}/tokens/xyz/revoke`],
    ['a product id that is a word', 'GET', '/v1/products/not-a-uuid'],
    ['a PATCH of a non-UUID product', 'PATCH', '/v1/products/abc'],
    ['credits of a non-UUID client', 'GET', '/v1/clients/abc/credits'],
    ['credits issued to a non-UUID client', 'POST', '/v1/clients/abc/credits'],
    [
      'an adjustment of a non-UUID grant',
      'POST',
      `/v1/clients/${randomUUID()}/credits/g1/adjustments`,
    ],
    ['account credit of a non-UUID client', 'POST', '/v1/clients/1/account-credit'],
    ['a non-UUID bill', 'GET', '/v1/bills/abc'],
    ['a payment of a non-UUID bill', 'POST', '/v1/bills/abc/payments'],
    ['bills of a non-UUID client', 'GET', '/v1/clients/abc/bills'],
    [
      'a freeze of a non-UUID membership',
      'POST',
      `/v1/clients/${randomUUID()}/memberships/m/freeze`,
    ],
  ])('answers 400 to %s', async (_, method, url) => {
    const body = method === 'GET' ? undefined : method === 'PATCH' ? {} : { label: 'x' };
    const reply = await t.call(method, url, { token: owner, ...(body ? { body } : {}) });
    expectInvalid(reply);
    await expectNothingWritten();
  });

  it.each<[string, 'GET' | 'POST', string, boolean]>([
    ['an unknown /v1 route', 'GET', '/v1/nothing-here', true],
    ['an unknown top-level route', 'GET', '/wp-admin.php', false],
    ['another API version', 'GET', '/v2/clients', true],
    ['a path too deep', 'GET', `/v1/clients/${randomUUID()}/history/more`, true],
    ['a POST to nowhere', 'POST', '/v1/nothing-here', true],
  ])('answers 404 problem+json to %s', async (_, method, url, withToken) => {
    const reply = await t.call(method, url, {
      ...(withToken ? { token: owner } : {}),
      ...(method === 'POST' ? { body: valid() } : {}),
    });
    expectProblem(reply, [404]);
  });

  it.each<['PUT' | 'DELETE' | 'PATCH', string]>([
    ['DELETE', '/v1/clients/VICTIM'],
    ['PUT', '/v1/clients/VICTIM'],
    ['PUT', '/v1/clients'],
    ['DELETE', '/v1/clients'],
    ['PATCH', '/v1/staff'],
    ['PUT', '/v1/products'],
    ['DELETE', '/v1/products'],
    ['PUT', '/v1/sales'],
    ['DELETE', '/v1/bills/VICTIM'],
    ['PATCH', '/v1/clients/VICTIM/credits'],
  ])('answers 404 or 405 problem+json to %s %s', async (method, path) => {
    const url = path.replace('VICTIM', victim.id);
    const reply = await t.call(method, url, {
      token: owner,
      ...(method === 'DELETE' ? {} : { body: { firstName: 'Replaced' } }),
    });
    expectProblem(reply, [404, 405]);
    await expectNothingWritten();
  });
});

describe('query strings and headers', () => {
  it.each<[string, string, string]>([
    ['limit=0', 'limit=0', 'limit'],
    ['limit=101', 'limit=101', 'limit'],
    ['limit=abc', 'limit=abc', 'limit'],
    ['limit=-1', 'limit=-1', 'limit'],
    ['limit=1.5', 'limit=1.5', 'limit'],
    ['limit=1e400', 'limit=1e400', 'limit'],
    ['cursor=garbage', 'cursor=garbage', 'cursor'],
    ['a cursor that is base64 of a non-array', `cursor=${b64({ a: 1 })}`, 'cursor'],
    ['a cursor with a non-UUID id', `cursor=${b64(['x', "1' OR 1=1 --"])}`, 'cursor'],
    ['a cursor of 2,000 characters', `cursor=${'A'.repeat(2000)}`, 'cursor'],
    ['a search of 10k characters', `search=${'s'.repeat(10_000)}`, 'search'],
  ])('answers 400 naming the parameter to %s', async (_, query, field) => {
    const reply = await t.call('GET', `/v1/clients?${query}`, { token: owner });
    expectInvalid(reply, [field]);
  });

  it.each<[string, string]>([
    [
      'a forged cursor of a valid shape with SQL in it',
      `cursor=${b64(["' OR 1=1; DROP TABLE client_profiles; --", randomUUID()])}`,
    ],
    ['a cursor with a NUL in it', `cursor=${b64(['\u0000', randomUUID()])}`],
    ['two limits', 'limit=1&limit=2'],
    ['an unknown parameter', 'admin=true'],
    ['a search with a NUL', 'search=%00'],
    ['a search of invalid percent-encoded UTF-8', 'search=%FF%FE'],
    ['a search of an encoded lone surrogate', 'search=%ED%A0%80'],
    ['a search of control characters', `search=${encodeURIComponent('\u0001\u0002\u007f')}`],
  ])('answers 400 or a clean 200 to %s', async (_, query) => {
    const reply = await t.call('GET', `/v1/clients?${query}`, { token: owner });
    if (reply.status === 200) {
      expect(reply.body).toEqual({ items: expect.any(Array), nextCursor: null });
      for (const item of reply.body.items) expect(item.id).toBe(victim.id);
    } else expectInvalid(reply);
    const after = await t.call('GET', '/v1/clients', { token: owner });
    expect(after.body.items.map((c: { id: string }) => c.id)).toEqual([victim.id]);
  });

  it.each<[string, string]>([
    ['asOf=yesterday', 'asOf=yesterday'],
    ['asOf=2024-13-45T99:99:99Z', 'asOf=2024-13-45T99:99:99Z'],
    ['asOf as a number', 'asOf=1700000000'],
  ])('answers 400 naming asOf to the history %s', async (_, query) => {
    const reply = await t.call('GET', `/v1/clients/${victim.id}/history?${query}`, {
      token: owner,
    });
    expectInvalid(reply, ['asOf']);
  });

  it.each<[string]>([['banana'], ['"banana"'], ['"-1"'], ['"1.5"'], ['W/'], ['"99999999999"']])(
    'answers 400 to If-Match: %s and changes nothing',
    async (ifMatch) => {
      const reply = await t.call('PATCH', `/v1/clients/${victim.id}`, {
        token: owner,
        body: { firstName: 'Changed' },
        headers: { 'if-match': ifMatch },
      });
      expectInvalid(reply, ['If-Match']);
      await expectNothingWritten();
    },
  );
});

describe('SQL injection in search', () => {
  let token: string;
  const people: [string, string, string][] = [
    ['Ann_a', 'Percent%', 'ann_a@example.com'],
    ['Annxa', 'Percentx', 'annxa@example.com'],
    ['Back\\slash', 'Zed', 'back@example.com'],
    ["Robert'); DROP TABLE", 'Tables', 'bobby@example.com'],
  ];
  const names = async (search: string): Promise<string[]> => {
    const reply = await t.call('GET', `/v1/clients?search=${encodeURIComponent(search)}`, {
      token,
    });
    expect(reply.status).toBe(200);
    return reply.body.items.map((c: { firstName: string }) => c.firstName).sort();
  };

  beforeAll(async () => {
    ({ token } = await t.createStudio('Hostile Search'));
    for (const [firstName, lastName, email] of people) {
      const created = await t.call('POST', '/v1/clients', {
        token,
        body: { firstName, lastName, email },
      });
      expect(created.status).toBe(201);
    }
  });

  it.each<[string, string, string[]]>([
    ['a DROP TABLE', "'; DROP TABLE client_profiles; --", []],
    ['a tautology', "' OR '1'='1", []],
    ['a lone %', '%', []],
    ['a lone _', '_', []],
    ['a lone backslash', '\\', []],
    ['%% as a prefix', '%%', []],
    ['_ inside a word', 'n_a', ['Ann_a']],
    ['% inside a word', 'nt%', ['Ann_a']],
    ['a backslash inside a word', 'k\\s', ['Back\\slash']],
    ['a quote and a parenthesis', "t');", ["Robert'); DROP TABLE"]],
    ['the words drop table', 'drop table', ["Robert'); DROP TABLE"]],
    ['a UNION', "x' UNION SELECT * FROM events --", []],
  ])('answers 200 with only true matches to %s', async (_, search, expected) => {
    expect(await names(search)).toEqual(expected);
  });

  it('still works afterwards: every client is there and a new one can be registered', async () => {
    expect(await names('')).toEqual(people.map(([first]) => first).sort());
    const created = await t.call('POST', '/v1/clients', {
      token,
      body: { firstName: 'After', lastName: 'Math', email: 'after@example.com' },
    });
    expect(created.status).toBe(201);
    expect(await names('after')).toEqual(['After']);
  });
});

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('money and account routes', () => {
  const huge = 10 ** 309; // JSON parses it as Infinity's neighbour: not a number a wallet holds
  const bodies: [string, unknown][] = [
    ['an array', []],
    ['a string', 'pay me'],
    ['null', null],
    ['amounts as strings', { amount: '100', reason: 'x', delta: '1', count: '1' }],
    ['fractional money', { amount: 0.1, reason: 'x' }],
    ['a number past any wallet', { amount: 1e300, reason: 'x' }],
    ['negative counts', { eventTypes: ['yoga'], count: -5, reason: 'x' }],
    [
      'items that are not a list',
      { clientId: randomUUID(), items: 'all', payment: { method: 'cash' } },
    ],
    ['a payment that is a list', { clientId: randomUUID(), items: [], payment: ['cash'] }],
    ['deep nesting', { items: [[[[[[[[[[{}]]]]]]]]]] }],
  ];
  const routes: ['POST' | 'PUT', string][] = [
    ['POST', '/v1/sales'],
    ['POST', '/v1/credits/bulk'],
    ['POST', '/v1/clients/VICTIM/credits'],
    ['POST', '/v1/clients/VICTIM/account-credit'],
    ['PUT', '/v1/clients/VICTIM/payment-settings'],
    ['POST', `/v1/bills/${randomUUID()}/payments`],
    ['POST', `/v1/clients/VICTIM/memberships/${randomUUID()}/freeze`],
    ['POST', `/v1/clients/VICTIM/memberships/${randomUUID()}/cancel`],
  ];
  it.each(routes)(
    '%s %s answers 4xx problem+json to every malformed body',
    async (method, path) => {
      const url = path.replace('VICTIM', victim.id);
      for (const [, body] of bodies) {
        const reply = await t.call(method, url, { token: owner, body });
        expectProblem(reply, [400, 404, 422]);
      }
      const raw = await t.call(method, url, { token: owner, raw: `{"amount": ${huge}}` });
      expectProblem(raw, [400, 404, 422]);
      const credits = await t.call('GET', `/v1/clients/${victim.id}`, { token: owner });
      expect(credits.body.balances).toEqual({
        credits: [],
        accountCredit: { amount: 0, currency: 'USD' },
        outstanding: { amount: 0, currency: 'USD' },
      });
    },
  );
});
