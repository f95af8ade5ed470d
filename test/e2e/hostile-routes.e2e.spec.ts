import { randomUUID } from 'node:crypto';
import { ROLE_PERMISSIONS, ROLES } from '@clientele/staff';
import {
  fieldsOf,
  fill,
  roleWithout,
  routeTable,
  sample,
  sampleBody,
  seeded,
  withField,
  type Method,
  type Operation,
  type Schema,
} from '../support/openapi-routes';
import { studioFixtures } from '../support/studio-fixtures';
import { replyOf, startTestApp, type Reply, type TestApp } from '../support/test-app';

/**
 * Every operation of the OpenAPI document (read at test time, so a new route is covered the day
 * it is documented) under hostile input: malformed and oversized bodies, wrong types, unknown
 * fields, huge numbers, over-long strings, bad UTF-8, garbage path parameters; a token of another
 * studio and a role without the permission. Always a 4xx problem+json, never a 500, never a hang.
 *
 * Most field mutations are a seeded sample per field (FUZZ_SEED to replay another sample), so the
 * number of requests stays bounded; the seed is in every test's name.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_202);
/** Sampled mutations per field, beside the ones always sent. */
const MORE_PER_FIELD = 1;
/** A request that has not answered by then has hung. */
const ANSWER_WITHIN_MS = 10_000;
/** Over the 1 MB body limit of createApp. */
const OVERSIZED = 1024 * 1024 + 100;
/** Longer than any text field allows but a drawn signature (400,000), which checks it is one. */
const OVER_LONG = 'Ж'.repeat(120_000);

let t: TestApp;
let operations: Operation[];
/** Studio A: its resources are what the other studio and the weak roles reach for. */
let a: Studio;
let ownerB: string;
/** A studio fuzzing may write to, with resources of its own. */
let fuzz: Studio;

interface Studio {
  owner: string;
  tokens: Partial<Record<(typeof ROLES)[number], string>>;
  ids: Record<string, string>;
}

/** The smallest files the API takes as themselves: their first bytes say what they are. */
const FILES: Record<string, Buffer> = {
  'image/png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00]),
  'application/pdf': Buffer.from('%PDF-1.7\nform\n%%EOF\n'),
};

/** Names that only studio A's data holds: never in an answer to anyone else. */
const SECRET = 'Zanzibarova';

async function seedStudio(name: string, secret: string): Promise<Studio> {
  const { token: owner } = await t.createStudio(name);
  const make = studioFixtures(t, owner);
  const post = async (url: string, body: object, key = 'id'): Promise<string> => {
    const reply = await t.call('POST', url, { token: owner, body });
    if (reply.status !== 201 && reply.status !== 200) {
      throw new Error(`POST ${url} answered ${reply.status}: ${reply.text}`);
    }
    return key.split('.').reduce((v, k) => v[k], reply.body) as string;
  };
  const client = await make.client({ firstName: secret, lastName: secret });
  const otherClient = await make.client({ firstName: `${secret}b`, lastName: secret });
  const classType = await make.classType();
  const session = await make.session(classType, 3);
  const waiver = await make.waiver(`${secret} rules`);
  const product = await make.product({
    kind: 'membership',
    name: `${secret} monthly`,
    price: { amount: 5000, currency: 'USD' },
    billingPeriod: { unit: 'month', count: 1 },
    eventTypes: ['yoga'],
    creditsPerPeriod: null,
  });
  const service = await make.product({
    kind: 'service',
    name: `${secret} towel`,
    price: { amount: 300, currency: 'USD' },
  });
  const sale = await t.call('POST', '/v1/sales', {
    token: owner,
    body: { clientId: client, items: [{ productId: product }], payment: { method: 'pay_later' } },
  });
  if (sale.status !== 201) throw new Error(`sale: ${sale.status} ${sale.text}`);
  const paid = await t.call('POST', '/v1/sales', {
    token: owner,
    body: { clientId: client, items: [{ productId: service }], payment: { method: 'cash' } },
  });
  if (paid.status !== 201) throw new Error(`paid sale: ${paid.status} ${paid.text}`);
  const memo = await post(`/v1/clients/${client}/memos`, { text: `${secret} memo` });
  const grant = await post(
    `/v1/clients/${client}/credits`,
    { eventTypes: ['yoga'], count: 2, reason: 'fixture' },
    'grantId',
  );
  const tokens: Studio['tokens'] = { owner };
  const staffIds: string[] = [];
  const tokenIds: string[] = [];
  for (const role of ROLES.filter((r) => r !== 'owner')) {
    const staff = await post('/v1/staff', {
      name: `${secret} ${role}`,
      email: `${role}.${randomUUID()}@example.com`,
      role,
    });
    const issued = await t.call('POST', `/v1/staff/${staff}/tokens`, {
      token: owner,
      body: { label: role },
    });
    tokens[role] = issued.body.token as string;
    staffIds.push(staff);
    tokenIds.push(issued.body.tokenId as string);
  }
  const reports = await t.call('GET', '/v1/reports', { token: owner });
  return {
    owner,
    tokens,
    ids: {
      client,
      otherClient,
      classType,
      session,
      waiver,
      product,
      bill: sale.body.bill.billId,
      membership: sale.body.granted[0].membershipId,
      payment: paid.body.payment.paymentId,
      memo,
      grant,
      staff: staffIds[0]!,
      token: tokenIds[0]!,
      report: reports.body.items[0].name,
    },
  };
}

beforeAll(async () => {
  t = await startTestApp();
  operations = await routeTable(t);
  a = await seedStudio('Hostile Routes A', SECRET);
  ({ token: ownerB } = await t.createStudio('Hostile Routes B'));
  fuzz = await seedStudio('Hostile Routes Fuzz', 'Fuzzy');
}, 120_000);
afterAll(() => t?.close());

/** Path parameters that name a resource of the studio: what invariant 6 guards. */
const RESOURCE_OF: Record<string, string> = {
  memoId: 'memo',
  grantId: 'grant',
  membershipId: 'membership',
  clientId: 'client',
  otherClientId: 'otherClient',
  tokenId: 'token',
  waiverId: 'waiver',
};
const COLLECTION_OF: Record<string, string> = {
  clients: 'client',
  sessions: 'session',
  bills: 'bill',
  payments: 'payment',
  products: 'product',
  staff: 'staff',
};
/** Resources no fixture makes (they need Stripe, a file or an import): an id nobody has. */
const UNMADE = new Set(['documentId', 'registrationId']);

/** The value of a path parameter in a studio; a parameter nobody taught this test fails it. */
function idOf(studio: Studio, param: string, collection: string): string {
  if (param === 'name') return studio.ids.report!;
  if (param === 'consent') return 'data_protection';
  if (param === 'paymentMethodId') return 'pm_nobody_has_this';
  if (UNMADE.has(param) || (param === 'id' && collection === 'imports')) return randomUUID();
  const kind = param === 'id' ? COLLECTION_OF[collection] : RESOURCE_OF[param];
  const id = kind ? studio.ids[kind] : undefined;
  if (!id) throw new Error(`No fixture for the path parameter {${param}} after /${collection}/`);
  return id;
}

/** Body fields that name a resource: the studio's own, so a body gets past validation. */
function bodyIdOf(studio: Studio): (field: string) => string | undefined {
  const fields: Record<string, string> = {
    clientId: 'client',
    // A list of ids: each of its items.
    clientIds: 'client',
    duplicateId: 'otherClient',
    classTypeId: 'classType',
    productId: 'product',
    waiverId: 'waiver',
    instructorId: 'staff',
    sessionId: 'session',
  };
  return (field) => (fields[field] ? studio.ids[fields[field]!] : undefined);
}

const secured = () => operations.filter((op) => op.permission !== undefined);
const label = (op: Operation) => `${op.method} ${op.path}`;

async function send(
  method: Method,
  url: string,
  options: {
    token?: string;
    payload?: string | Buffer;
    contentType?: string;
    /** The client's address (127.0.0.1 when left out). */
    from?: string;
  } = {},
): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.payload !== undefined)
    headers['content-type'] = options.contentType ?? 'application/json';
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${method} ${url} did not answer within ${ANSWER_WITHIN_MS} ms`)),
      ANSWER_WITHIN_MS,
    );
  });
  try {
    const response = await Promise.race([
      t.app.inject({
        method,
        url,
        headers,
        ...(options.from ? { remoteAddress: options.from } : {}),
        ...(options.payload !== undefined ? { payload: options.payload } : {}),
      }),
      hung,
    ]);
    return replyOf(response);
  } finally {
    clearTimeout(timer);
  }
}

/** What went out and what came back, for a failure message that says which request. */
const seen = (what: string, reply: Reply) => ({
  what,
  status: reply.status,
  contentType: reply.headers['content-type'],
  detail: reply.body?.detail ?? reply.text.slice(0, 300),
});

/** Why a reply is not a 4xx problem+json (one of `statuses` when given); undefined if it is. */
function notProblem(what: string, reply: Reply, statuses?: number[]): string | undefined {
  const ok =
    (statuses ? statuses.includes(reply.status) : reply.status >= 400 && reply.status < 500) &&
    /^application\/problem\+json/.test(String(reply.headers['content-type'])) &&
    reply.body?.status === reply.status &&
    typeof reply.body?.type === 'string' &&
    typeof reply.body?.title === 'string' &&
    typeof reply.body?.detail === 'string';
  if (ok) return undefined;
  return `expected ${statuses?.join('/') ?? '4xx'} problem+json: ${JSON.stringify(seen(what, reply))}`;
}

/** Never a 500: a 2xx where the input may be fine, else a 4xx problem+json. */
function notClean(what: string, reply: Reply): string | undefined {
  return reply.status >= 200 && reply.status < 300 ? undefined : notProblem(what, reply);
}

/** Every request of a test is sent; what went wrong is listed at the end, all of it. */
class Failures {
  private readonly found: string[] = [];
  add(failure: string | undefined): void {
    if (failure) this.found.push(failure);
  }
  check(): void {
    expect(this.found).toEqual([]);
  }
}

describe('the route table', () => {
  it('is the whole documented API, and every /v1 operation names its permission', () => {
    expect(operations.length).toBeGreaterThan(90);
    const unnamed = operations
      .filter((op) => op.path.startsWith('/v1/') && !op.permission)
      .map(label);
    expect(unnamed).toEqual(['POST /v1/webhooks/stripe']);
  });
});

describe(`malformed bodies on every operation that takes JSON (seed ${SEED})`, () => {
  const bodied = () => operations.filter((op) => op.body && op.permission);
  const url = (op: Operation) => fill(op.path, (param, coll) => idOf(fuzz, param, coll));
  const base = (op: Operation) => sampleBody(op.body!, bodyIdOf(fuzz));

  it('answers 400 to JSON that does not parse, and to a body that is not an object', async () => {
    const failures = new Failures();
    const malformed = [
      '{"a": ',
      '{a: 1}',
      "{'a': 1}",
      '{"a": 1,}',
      '{"a": 1}{"b": 2}',
      '{"a": NaN}',
      '{"a": Infinity}',
      '{"a": 01}',
      '{"a": "\\x41"}',
      '[1, 2',
      '[]',
      '"text"',
      'null',
      '123',
    ];
    const random = seeded(SEED);
    for (const op of bodied()) {
      for (const raw of sample(malformed, 3, random)) {
        const reply = await send(op.method, url(op), { token: fuzz.owner, payload: raw });
        failures.add(notProblem(`${label(op)} with ${raw}`, reply, [400]));
      }
    }
    failures.check();
  });

  it('answers 400 to bytes that are not UTF-8, wherever they are', async () => {
    const failures = new Failures();
    const bad = [
      Buffer.from([0xff]),
      Buffer.from([0xc3]),
      Buffer.from([0xc0, 0xaf]),
      Buffer.from([0xed, 0xa0, 0x80]),
      Buffer.from([0xf4, 0x90, 0x80, 0x80]),
    ];
    const random = seeded(SEED + 1);
    for (const op of bodied()) {
      const json = JSON.stringify(withField(base(op), 'zz', 'MARK'));
      const [before, after] = json.split('MARK') as [string, string];
      const [bytes] = sample(bad, 1, random);
      const payload = Buffer.concat([Buffer.from(before), bytes!, Buffer.from(after)]);
      const reply = await send(op.method, url(op), { token: fuzz.owner, payload });
      failures.add(notProblem(`${label(op)} with bytes ${bytes!.toString('hex')}`, reply, [400]));
    }
    failures.check();
  });

  it('answers 413 to a body over the 1 MB limit', async () => {
    const failures = new Failures();
    for (const op of bodied()) {
      const payload = JSON.stringify(withField(base(op), 'padding', 'x'.repeat(OVERSIZED)));
      const reply = await send(op.method, url(op), { token: fuzz.owner, payload });
      failures.add(notProblem(`${label(op)} with ${payload.length} bytes`, reply, [413]));
    }
    failures.check();
  });

  it('answers 400 naming an unknown field', async () => {
    const failures = new Failures();
    for (const op of bodied()) {
      const body = withField(base(op), 'isAdmin', true);
      const reply = await send(op.method, url(op), {
        token: fuzz.owner,
        payload: JSON.stringify(body),
      });
      failures.add(notProblem(`${label(op)} with an unknown field`, reply, [400]));
      const named = (reply.body?.errors ?? []).map((e: { field: string }) => e.field);
      if (!named.includes('isAdmin')) failures.add(`${label(op)} did not name isAdmin`);
    }
    failures.check();
  });

  it('answers 4xx to wrong types, huge numbers and over-long strings in every field', async () => {
    const failures = new Failures();
    const random = seeded(SEED + 2);
    for (const op of bodied()) {
      for (const [field, schema, required] of fieldsOf(op.body!)) {
        const { sure, more } = mutationsOf(field, schema, required);
        for (const mutation of [...sure, ...sample(more, MORE_PER_FIELD, random)]) {
          const body = withField(base(op), mutation.field, 'MUTATION');
          const payload = JSON.stringify(body).replace('"MUTATION"', mutation.raw);
          const reply = await send(op.method, url(op), { token: fuzz.owner, payload });
          const what = `${label(op)} with ${mutation.field} = ${mutation.raw.slice(0, 40)}`;
          failures.add(mutation.refused ? notProblem(what, reply) : notClean(what, reply));
        }
      }
    }
    // Whatever was accepted, the read models took it: a read still answers at once.
    const read = await send('GET', '/v1/clients', { token: fuzz.owner });
    if (read.status !== 200) failures.add(`reads after the fuzzing: ${read.status} ${read.text}`);
    failures.check();
  });

  it('answers 400 or 404 to path parameters that are not ids: words, huge numbers, encoded garbage', async () => {
    const failures = new Failures();
    const garbage = [
      'not-a-uuid',
      '18446744073709551616',
      '-0',
      encodeURIComponent("1' OR '1'='1"),
      '%00',
      '%FF%FE',
      '%ED%A0%80',
      encodeURIComponent('../../etc/passwd'),
      'x'.repeat(5000),
      `${randomUUID()}%20`,
    ];
    const random = seeded(SEED + 3);
    for (const op of secured().filter((o) => o.pathParams.length > 0)) {
      for (const value of sample(garbage, 3, random)) {
        const path = op.path.replace(/\{\w+\}/, value);
        const rest = fill(path, (param, coll) => idOf(fuzz, param, coll));
        const reply = await send(op.method, rest, {
          token: fuzz.owner,
          ...(op.body ? { payload: JSON.stringify(base(op)) } : {}),
        });
        failures.add(notProblem(`${op.method} ${rest.slice(0, 120)}`, reply, [400, 404]));
      }
    }
    failures.check();
  });
});

interface Mutation {
  field: string;
  /** The JSON text put in the field's place. */
  raw: string;
  /** Whether every such value must be refused; otherwise it may be accepted, but never a 500. */
  refused: boolean;
}

/**
 * What to put in a field's place: `sure` are always sent (the values that reach furthest when a
 * check is missing: past-any-limit numbers, text past any length, null), `more` are sampled.
 */
function mutationsOf(
  field: string,
  schema: Schema,
  required: boolean,
): { sure: Mutation[]; more: Mutation[] } {
  const numeric = schema.type === 'number' || schema.type === 'integer';
  const refused = (raw: string): Mutation => ({ field, raw, refused: true });
  // An optional field may take null for "none"; a required one that is not nullable may not.
  // Always sent: a null let through by an optional check once reached a projector and stalled it.
  const nothing: Mutation = { field, raw: 'null', refused: required && !schema.nullable };
  const sure = numeric
    ? [refused('1e308'), refused('18446744073709551616'), refused('"NaN"'), nothing]
    : [refused(JSON.stringify(OVER_LONG)), refused('18446744073709551616'), nothing];
  // A list where an object belongs passes a bare ValidateNested: it once reached a handler (500).
  if (schema.type === 'array') sure.push(refused('[[]]'));
  if (schema.properties) sure.push(refused('[]'));
  const more: Mutation[] = [
    refused('-1e400'),
    refused('-9007199254740993'),
    refused(`${'['.repeat(40)}${']'.repeat(40)}`),
    // Zero may be a fine value where a number belongs; elsewhere it is the wrong type.
    { field, raw: '-0', refused: !numeric },
  ];
  const wrong: Record<string, string[]> = {
    string: ['12345', 'true', '{"a": "b"}'],
    number: ['"12"', 'true', '[1]'],
    integer: ['"12"', '1.5', 'false'],
    boolean: ['"true"', '1', '{}'],
    array: ['"yoga"', '{"0": "yoga"}', '7'],
    object: ['"x"', '9', '[]'],
  };
  // An object without properties is how the document shows a union (`string | null`, a map):
  // its type is unknown, so nothing is surely wrong for it.
  const known = schema.type !== undefined && (schema.type !== 'object' || schema.properties);
  if (known) for (const raw of wrong[schema.type!] ?? []) more.push(refused(raw));
  return { sure, more };
}

describe(`multipart uploads on every operation that takes one (seed ${SEED})`, () => {
  const uploads = () => operations.filter((op) => op.multipart && op.permission);
  const BOUNDARY = 'hostile-boundary';
  interface Part {
    name: string;
    value: string | Buffer;
    fileName?: string;
  }
  const multipart = (parts: Part[], closed = true) =>
    Buffer.concat([
      ...parts.map((part) =>
        Buffer.concat([
          Buffer.from(
            `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${part.name}"${
              part.fileName === undefined
                ? ''
                : `; filename="${part.fileName}"\r\nContent-Type: text/csv`
            }\r\n\r\n`,
          ),
          Buffer.from(part.value),
          Buffer.from('\r\n'),
        ]),
      ),
      Buffer.from(closed ? `--${BOUNDARY}--\r\n` : ''),
    ]);
  /** A row each upload takes, under the headers studio products export. */
  const CSV: Record<string, string> = {
    clients: 'E-mail,First name,Last name\r\nfuzz@example.com,Fuzz,Case\r\n',
    credits: 'E-mail,Pass,Classes left,Valid until\r\nfuzz@example.com,Fuzz pack,3,2099-12-31\r\n',
    memberships:
      'E-mail,Membership,Start,Next billing date\r\nfuzz@example.com,Fuzz monthly,2026-01-01,2099-12-01\r\n',
  };
  const csvOf = (op: Operation) => CSV[op.path.split('/').at(-1)!]!;
  const fileOf = (op: Operation): Part => ({ name: 'file', value: csvOf(op), fileName: 'up.csv' });
  /** Every variant is a dry run (when the route documents one): nothing is written. */
  const dryRun = (op: Operation): Part[] =>
    op.multipart!.properties?.dryRun ? [{ name: 'dryRun', value: 'true' }] : [];
  const upload = (op: Operation, parts: Part[], closed = true) =>
    send(
      op.method,
      fill(op.path, (param, coll) => idOf(fuzz, param, coll)),
      {
        token: fuzz.owner,
        payload: multipart(parts, closed),
        contentType: `multipart/form-data; boundary=${BOUNDARY}`,
      },
    );

  it('documents its parts, and takes a well-formed dry run', async () => {
    expect(uploads().map(label)).toEqual([
      'POST /v1/imports/clients',
      'POST /v1/imports/credits',
      'POST /v1/imports/memberships',
    ]);
    const failures = new Failures();
    for (const op of uploads()) {
      expect(op.multipart!.required).toEqual(['file']);
      const reply = await upload(op, [...dryRun(op), fileOf(op)]);
      if (reply.status !== 202) failures.add(`${label(op)}: ${reply.status} ${reply.text}`);
    }
    failures.check();
  });

  it('answers 4xx problem+json to hostile parts, never a 500, never a hang', async () => {
    const failures = new Failures();
    const random = seeded(SEED + 4);
    const badBytes = Buffer.from([0x66, 0xff, 0xc3, 0x28, 0xed, 0xa0, 0x80]);
    for (const op of uploads()) {
      const file = fileOf(op);
      const refused: [string, Part[], boolean?][] = [
        ['no file', dryRun(op)],
        ['an unknown part', [...dryRun(op), { name: 'isAdmin', value: 'true' }, file]],
        ['the file under another name', [...dryRun(op), { ...file, name: 'upload' }]],
        ['two files', [...dryRun(op), file, { ...file, fileName: 'again.csv' }]],
        ['a part with no name', [...dryRun(op), { ...file, name: '' }]],
        ['a body cut short', [...dryRun(op), file], false],
      ];
      for (const [what, parts, closed] of refused) {
        const reply = await upload(op, parts, closed ?? true);
        failures.add(notProblem(`${label(op)} with ${what}`, reply));
      }
      for (const [name, schema] of Object.entries(op.multipart!.properties ?? {})) {
        if (schema.format === 'binary') continue;
        const values: Buffer[] = [
          Buffer.from(OVER_LONG),
          badBytes,
          Buffer.from('a\u0000b'),
          Buffer.from(''),
          Buffer.from('{"email": ["E-mail"]}'),
        ];
        for (const value of sample(values, 3, random)) {
          const parts = [...dryRun(op).filter((p) => p.name !== name), { name, value }, file];
          const reply = await upload(op, parts);
          const what = `${label(op)} with ${name} = ${value.toString('hex').slice(0, 20)}`;
          // A documented choice takes nothing else; free text may be fine (an empty mapping).
          failures.add(schema.enum ? notProblem(what, reply, [400]) : notClean(what, reply));
        }
      }
      const garbled = { ...file, value: Buffer.concat([Buffer.from(csvOf(op)), badBytes]) };
      failures.add(
        notClean(`${label(op)} with a file not UTF-8`, await upload(op, [...dryRun(op), garbled])),
      );
    }
    // A dry run writes nothing: the fuzzing studio still has only the clients it was given.
    const read = await send('GET', '/v1/clients?search=fuzz%40example.com', { token: fuzz.owner });
    if (read.body?.items?.length !== 0) failures.add(`a dry run wrote: ${read.text}`);
    failures.check();
  });
});

describe('another studio and a role without the permission', () => {
  const ownIds = (op: Operation) => fill(op.path, (param, coll) => idOf(a, param, coll));
  const ownBody = (op: Operation) => {
    if (op.body) return { payload: JSON.stringify(sampleBody(op.body, bodyIdOf(a))) };
    const type = op.fileTypes[0];
    return type ? { payload: FILES[type] ?? Buffer.from('?'), contentType: type } : {};
  };

  it("answers 404 to another studio's token on every operation naming a resource of studio A, and never shows A's data", async () => {
    const failures = new Failures();
    for (const op of secured()) {
      const names = op.pathParams.filter((p) => p !== 'name' && p !== 'consent');
      const reply = await send(op.method, ownIds(op), { token: ownerB, ...ownBody(op) });
      const what = `${label(op)} by studio B`;
      if (names.length > 0) failures.add(notProblem(what, reply, [404]));
      else failures.add(notClean(what, reply));
      if (reply.text.includes(SECRET)) failures.add(`${what} showed studio A's data`);
    }
    failures.check();
  });

  it('answers 403 problem+json to a role without the permission, on every operation', async () => {
    const failures = new Failures();
    const everyRole: string[] = [];
    for (const op of secured()) {
      const role = roleWithout(op.permission!);
      if (!role) {
        everyRole.push(op.permission!);
        continue;
      }
      const reply = await send(op.method, ownIds(op), { token: a.tokens[role], ...ownBody(op) });
      failures.add(notProblem(`${label(op)} by ${role} (needs ${op.permission})`, reply, [403]));
      if (reply.body?.code !== 'permission_denied' || reply.body?.permission !== op.permission) {
        failures.add(`${label(op)} by ${role}: ${reply.body?.code} ${reply.body?.permission}`);
      }
    }
    // What no role lacks is what every role holds: nothing to refuse there.
    for (const permission of everyRole) {
      for (const role of ROLES) expect(ROLE_PERMISSIONS[role]).toContain(permission);
    }
    failures.check();
  });

  it('answers 401 problem+json without a token, on every operation', async () => {
    const failures = new Failures();
    for (const op of secured()) {
      const reply = await send(op.method, ownIds(op), ownBody(op));
      failures.add(notProblem(`${label(op)} without a token`, reply, [401]));
    }
    failures.check();
  });
});

describe('wrong tokens from one address', () => {
  const wrong = () => `ct_${randomUUID().replace(/-/g, '')}`;

  it('answers 429 problem+json with Retry-After past the limit, to every token, and only there', async () => {
    const { limit, windowSeconds } = t.runtime.config.authFailures;
    const guesser = '203.0.113.7';
    for (let i = 0; i < limit; i++) {
      const reply = await send('GET', '/v1/clients', { token: wrong(), from: guesser });
      expect(notProblem(`wrong token ${i + 1}`, reply, [401])).toBeUndefined();
    }
    const blocked = await send('GET', '/v1/clients', { token: wrong(), from: guesser });
    expect(notProblem('a wrong token past the limit', blocked, [429])).toBeUndefined();
    expect(blocked.body.code).toBe('too_many_requests');
    const retryAfter = Number(blocked.headers['retry-after']);
    expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= windowSeconds).toBe(
      true,
    );
    // A right guess from there is refused the same way: guessing on teaches nothing.
    const right = await send('GET', '/v1/clients', { token: a.owner, from: guesser });
    expect(notProblem('the right token from the blocked address', right, [429])).toBeUndefined();
    // Without a token nothing is guessed: the usual 401.
    const none = await send('GET', '/v1/clients', { from: guesser });
    expect(notProblem('no token from the blocked address', none, [401])).toBeUndefined();
    // Another address is not held back by the guesser.
    const elsewhere = await send('GET', '/v1/clients', { token: a.owner, from: '198.51.100.1' });
    expect(elsewhere.status).toBe(200);
    const wrongElsewhere = await send('GET', '/v1/clients', {
      token: wrong(),
      from: '198.51.100.1',
    });
    expect(notProblem('a wrong token elsewhere', wrongElsewhere, [401])).toBeUndefined();
  });
});

describe('SQL injection in search', () => {
  const attempts = [
    "' OR '1'='1",
    "' OR 1=1 --",
    "'; DROP TABLE client_profiles; --",
    "x' UNION SELECT * FROM events --",
    `${SECRET}' OR studio_id IS NOT NULL --`,
    '%',
    '_',
    '\\',
    "\\'; SELECT pg_sleep(5); --",
    '$1',
    ') OR (1=1',
  ];

  it('finds nothing of another studio through the client search or any report, and breaks nothing', async () => {
    const failures = new Failures();
    const reports = await send('GET', '/v1/reports', { token: ownerB });
    const names: string[] = reports.body.items.map((r: { name: string }) => r.name);
    expect(names.length).toBeGreaterThan(0);
    // Studio B has no clients: any row it is shown came from elsewhere.
    const urls = (search: string) => [
      `/v1/clients?search=${encodeURIComponent(search)}`,
      ...names.map((name) => `/v1/reports/${name}?search=${encodeURIComponent(search)}`),
    ];
    for (const search of attempts) {
      for (const url of urls(search)) {
        const reply = await send('GET', url, { token: ownerB });
        if (reply.status !== 200)
          failures.add(`${url}: ${reply.status} ${reply.text.slice(0, 200)}`);
        else if (reply.text.includes(SECRET) || reply.body.items?.length !== 0) {
          failures.add(`${url} showed rows: ${reply.text.slice(0, 200)}`);
        }
      }
    }
    failures.check();
    // Studio A's own search still finds its client: the tables are all there.
    const found = await send('GET', `/v1/clients?search=${SECRET}`, { token: a.owner });
    expect(found.body.items.map((c: { id: string }) => c.id)).toContain(a.ids.client);
  });
});
