import { randomUUID } from 'node:crypto';
import { adminActions } from '@clientele/runtime';
import { clientProfilesProjection } from '@projections/client-profiles';
import { startTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
let owner: string;
let ownerId: string;
let instructor: string;
let other: string;

beforeAll(async () => {
  t = await startTestApp();
  ({ token: owner } = await t.createStudio('Memo Studio'));
  ({ token: other } = await t.createStudio('Memo Other Studio'));
  ownerId = (await t.call('GET', '/v1/staff', { token: owner })).body.items[0].id;
  const hired = await t.call('POST', '/v1/staff', {
    token: owner,
    body: { name: 'Ivy Instructor', email: 'ivy@memo.example', role: 'instructor' },
  });
  expect(hired.status).toBe(201);
  const issued = await t.call('POST', `/v1/staff/${hired.body.id}/tokens`, {
    token: owner,
    body: { label: 'studio tablet' },
  });
  expect(issued.status).toBe(201);
  instructor = issued.body.token;
});
afterAll(() => t.close());

let n = 0;
async function client(firstName = 'Debby'): Promise<string> {
  const created = await t.call('POST', '/v1/clients', {
    token: owner,
    body: { firstName, lastName: 'Memo', email: `${firstName.toLowerCase()}${++n}@memo.example` },
  });
  expect(created.status).toBe(201);
  return created.body.id;
}

const memos = (clientId: string) => `/v1/clients/${clientId}/memos`;
const add = (clientId: string, body: object, headers?: Record<string, string>) =>
  t.call('POST', memos(clientId), { token: owner, body, ...(headers ? { headers } : {}) });
const list = async (clientId: string, token = owner) => {
  const listed = await t.call('GET', memos(clientId), { token });
  expect(listed.status).toBe(200);
  return listed.body.items as { id: string; text: string; starred: boolean }[];
};

describe('a client’s internal memos', () => {
  it('adds, edits, stars, unstars and removes a memo, each with who and when', async () => {
    const debby = await client();
    const added = await add(debby, { text: '  Allergic to peanuts ' });
    expect(added.status).toBe(201);
    const memoId = added.body.id;
    expect(added.headers.location).toBe(`${memos(debby)}/${memoId}`);
    const by = { type: 'staff', id: ownerId };
    expect(added.body).toEqual({
      id: memoId,
      clientId: debby,
      text: 'Allergic to peanuts',
      starred: false,
      createdAt: expect.any(String),
      createdBy: by,
      updatedAt: added.body.createdAt,
      updatedBy: by,
    });
    expect((await t.call('GET', added.headers.location as string, { token: owner })).body).toEqual(
      added.body,
    );

    const edited = await t.call('PATCH', `${memos(debby)}/${memoId}`, {
      token: owner,
      body: { text: 'Allergic to peanuts and shellfish', starred: true },
    });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({
      id: memoId,
      text: 'Allergic to peanuts and shellfish',
      starred: true,
      createdAt: added.body.createdAt,
    });
    expect(edited.body.updatedAt >= added.body.updatedAt).toBe(true);
    expect(await list(debby)).toEqual([edited.body]);

    const unstarred = await t.call('PATCH', `${memos(debby)}/${memoId}`, {
      token: owner,
      body: { starred: false },
    });
    expect(unstarred.body).toMatchObject({
      text: 'Allergic to peanuts and shellfish',
      starred: false,
    });

    // The memo moved the client's stream: the profile's ETag follows it.
    const profile = await t.call('GET', `/v1/clients/${debby}`, { token: owner });
    expect(profile.headers.etag).toBe('"4"');
    expect(profile.body.memos).toEqual([unstarred.body]);

    const removed = await t.call('DELETE', `${memos(debby)}/${memoId}`, { token: owner });
    expect(removed.status).toBe(204);
    expect(removed.text).toBe('');
    expect(await list(debby)).toEqual([]);
    expect((await t.call('GET', `/v1/clients/${debby}`, { token: owner })).body.memos).toEqual([]);
    for (const [method, body] of [
      ['GET', undefined],
      ['PATCH', { starred: true }],
      ['DELETE', undefined],
    ] as const) {
      const gone = await t.call(method, `${memos(debby)}/${memoId}`, { token: owner, body });
      expect(gone.status).toBe(404);
      expect(gone.body.code).toBe('memo_not_found');
    }

    // The audit history keeps every step, the words in `personal` (erasable with the client).
    const history = await t.call('GET', `/v1/clients/${debby}/history`, { token: owner });
    expect(
      history.body.events.map((e: { type: string; actor: unknown }) => [e.type, e.actor]),
    ).toEqual([
      ['ClientRegistered', by],
      ['MemoAdded', by],
      ['MemoEdited', by],
      ['MemoStarred', by],
      ['MemoUnstarred', by],
      ['MemoRemoved', by],
    ]);
    expect(history.body.events[1].data).toEqual({
      clientId: debby,
      memoId,
      starred: false,
      personal: { text: 'Allergic to peanuts' },
    });
  });

  it('records nothing for a PATCH that changes nothing', async () => {
    const sean = await client('Sean');
    const memo = (await add(sean, { text: 'Hip surgery', starred: true })).body;
    const same = await t.call('PATCH', `${memos(sean)}/${memo.id}`, {
      token: owner,
      body: { text: ' Hip surgery ', starred: true },
    });
    expect(same.status).toBe(200);
    expect(same.body).toEqual(memo);
    const history = await t.call('GET', `/v1/clients/${sean}/history`, { token: owner });
    expect(history.body.events).toHaveLength(2);
  });

  it('lists starred memos first, then the newest first, on the profile too', async () => {
    const cleo = await client('Cleo');
    const first = (await add(cleo, { text: 'Prefers the front row' })).body.id;
    const starred = (await add(cleo, { text: 'Asthma: inhaler in her bag', starred: true })).body
      .id;
    const last = (await add(cleo, { text: 'Pays at the desk' })).body.id;
    const ids = (items: { id: string }[]) => items.map((memo) => memo.id);
    expect(ids(await list(cleo))).toEqual([starred, last, first]);
    const profile = await t.call('GET', `/v1/clients/${cleo}`, { token: owner });
    expect(ids(profile.body.memos)).toEqual([starred, last, first]);
  });

  it('adds one memo for a POST retried with its Idempotency-Key', async () => {
    const dan = await client('Dan');
    const headers = { 'idempotency-key': `memo-${randomUUID()}` };
    const body = { text: 'Knee injury: no jumping', starred: true };
    const first = await add(dan, body, headers);
    const again = await add(dan, body, headers);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(again.headers.location).toBe(first.headers.location);
    expect(await list(dan)).toEqual([first.body]);
    const otherBody = await add(dan, { text: 'Something else' }, headers);
    expect(otherBody.status).toBe(409);
    expect(await list(dan)).toHaveLength(1);
  });

  it.each<[string, object, string]>([
    ['an empty text', { text: '' }, 'text'],
    ['a text of blanks', { text: ' \n ' }, 'text'],
    ['a text of 2001 characters', { text: 'x'.repeat(2001) }, 'text'],
    ['no text', { starred: true }, 'text'],
    ['a text that is a number', { text: 42 }, 'text'],
    ['a star that is a string', { text: 'ok', starred: 'yes' }, 'starred'],
    ['a star that is null', { text: 'ok', starred: null }, 'starred'],
    ['an unknown field', { text: 'ok', visibleToClient: true }, 'visibleToClient'],
  ])(
    'refuses to add a memo with %s: 400 naming the field, nothing written',
    async (_, body, field) => {
      const eve = await client('Eve');
      const reply = await add(eve, body);
      expect(reply.status).toBe(400);
      expect(reply.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(reply.body.code).toBe('invalid_input');
      expect(reply.body.errors.map((e: { field: string }) => e.field)).toContain(field);
      expect(await list(eve)).toEqual([]);
    },
  );

  it.each<[string, object, string]>([
    ['an empty text', { text: '  ' }, 'text'],
    ['a null text', { text: null }, 'text'],
    ['a null star', { starred: null }, 'starred'],
    ['an unknown field', { pinned: true }, 'pinned'],
  ])('refuses to edit a memo with %s, leaving it as it was', async (_, body, field) => {
    const fay = await client('Fay');
    const memo = (await add(fay, { text: 'Pregnant: no inversions' })).body;
    const reply = await t.call('PATCH', `${memos(fay)}/${memo.id}`, { token: owner, body });
    expect(reply.status).toBe(400);
    expect(reply.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    expect(await list(fay)).toEqual([memo]);
  });

  it('refuses a memo id that is not a UUID', async () => {
    const gus = await client('Gus');
    const reply = await t.call('PATCH', `${memos(gus)}/not-a-uuid`, {
      token: owner,
      body: { starred: true },
    });
    expect(reply.status).toBe(400);
    expect(reply.body.errors).toEqual([{ field: 'memoId', message: 'must be a UUID' }]);
  });

  it('answers 404 for another studio’s client, an unknown memo, or another client’s memo', async () => {
    const hal = await client('Hal');
    const ida = await client('Ida');
    const memo = (await add(hal, { text: 'Diabetic: keep juice nearby', starred: true })).body;
    const theirs = [
      ['POST', memos(hal), { text: 'Not yours' }],
      ['GET', memos(hal), undefined],
      ['GET', `${memos(hal)}/${memo.id}`, undefined],
      ['PATCH', `${memos(hal)}/${memo.id}`, { starred: false }],
      ['DELETE', `${memos(hal)}/${memo.id}`, undefined],
    ] as const;
    for (const [method, url, body] of theirs) {
      const reply = await t.call(method, url, { token: other, body });
      expect([method, reply.status, reply.body.code]).toEqual([method, 404, 'client_not_found']);
    }
    const mistaken = [
      ['GET', `${memos(hal)}/${randomUUID()}`, undefined],
      ['PATCH', `${memos(hal)}/${randomUUID()}`, { text: 'x' }],
      ['DELETE', `${memos(hal)}/${randomUUID()}`, undefined],
      ['GET', `${memos(ida)}/${memo.id}`, undefined],
      ['PATCH', `${memos(ida)}/${memo.id}`, { starred: false }],
      ['DELETE', `${memos(ida)}/${memo.id}`, undefined],
    ] as const;
    for (const [method, url, body] of mistaken) {
      const reply = await t.call(method, url, { token: owner, body });
      expect([method, url, reply.status, reply.body.code]).toEqual([
        method,
        url,
        404,
        'memo_not_found',
      ]);
    }
    const unknownClient = await add(randomUUID(), { text: 'Nobody' });
    expect(unknownClient.status).toBe(404);
    expect(await list(hal)).toEqual([memo]);
  });

  it('lets an instructor read memos, and refuses them writing one with 403', async () => {
    const jo = await client('Jo');
    const memo = (await add(jo, { text: 'Recovering from a shoulder injury', starred: true })).body;
    expect(await list(jo, instructor)).toEqual([memo]);
    for (const [method, url, body] of [
      ['POST', memos(jo), { text: 'Instructor note' }],
      ['PATCH', `${memos(jo)}/${memo.id}`, { starred: false }],
      ['DELETE', `${memos(jo)}/${memo.id}`, undefined],
    ] as const) {
      const reply = await t.call(method, url, { token: instructor, body });
      expect([method, reply.status, reply.body.permission]).toEqual([method, 403, 'clients:write']);
    }
    expect(await list(jo)).toEqual([memo]);
  });
});

describe('starred memos on the roster', () => {
  let sessionId: string;
  let kim: string;
  let lou: string;
  let allergy: string;

  beforeAll(async () => {
    const classType = await t.call('POST', '/v1/class-types', {
      token: owner,
      body: { name: 'Memo Flow', format: 'in_person', eventType: 'yoga' },
    });
    const session = await t.call('POST', '/v1/sessions', {
      token: owner,
      body: {
        classTypeId: classType.body.id,
        startsAt: new Date(Date.now() + 2 * 86_400_000).toISOString(),
        durationMinutes: 60,
        capacity: 5,
        title: 'Memo Flow',
      },
    });
    expect(session.status).toBe(201);
    sessionId = session.body.id;
    kim = await client('Kim');
    lou = await client('Lou');
    for (const clientId of [kim, lou]) {
      await t.call('POST', `/v1/clients/${clientId}/credits`, {
        token: owner,
        body: { eventTypes: ['yoga'], count: 1, reason: 'welcome' },
      });
      const enrolled = await t.call('POST', `/v1/sessions/${sessionId}/enrollments`, {
        token: owner,
        body: { clientId, payWith: 'credit', channel: 'studio' },
      });
      expect(enrolled.status).toBe(201);
    }
    allergy = (await add(kim, { text: 'Allergic to peanuts', starred: true })).body.id;
    await add(kim, { text: 'Likes a mat by the window' });
  });

  const starredOnRoster = async (token = owner) => {
    const roster = await t.call('GET', `/v1/sessions/${sessionId}/roster`, { token });
    expect(roster.status).toBe(200);
    return roster.body.places.map((p: { clientId: string; starredMemos: unknown }) => [
      p.clientId,
      p.starredMemos,
    ]);
  };

  it('shows the instructor each client’s starred memos, and no other memo', async () => {
    expect(await starredOnRoster(instructor)).toEqual([
      [kim, [{ memoId: allergy, text: 'Allergic to peanuts' }]],
      [lou, []],
    ]);
  });

  it('shows a memo starred later, edited as edited, and drops one unstarred or removed', async () => {
    const hip = (await add(lou, { text: 'Hip surgery' })).body.id;
    expect(await starredOnRoster()).toEqual([
      [kim, [{ memoId: allergy, text: 'Allergic to peanuts' }]],
      [lou, []],
    ]);
    await t.call('PATCH', `${memos(lou)}/${hip}`, {
      token: owner,
      body: { text: 'Hip surgery: no deep lunges', starred: true },
    });
    await t.call('PATCH', `${memos(kim)}/${allergy}`, { token: owner, body: { starred: false } });
    expect(await starredOnRoster()).toEqual([
      [kim, []],
      [lou, [{ memoId: hip, text: 'Hip surgery: no deep lunges' }]],
    ]);
    await t.call('DELETE', `${memos(lou)}/${hip}`, { token: owner });
    expect(await starredOnRoster()).toEqual([
      [kim, []],
      [lou, []],
    ]);
  });
});

describe('the client profiles projection', () => {
  it('gives the same rows when events are delivered again, and after a rebuild', async () => {
    const rows = () =>
      Promise.all(
        ['client_profiles', 'client_memos'].map(async (table) =>
          (await t.runtime.db.kysely.selectFrom(table).selectAll().execute())
            .map((row) => JSON.stringify(row))
            .sort(),
        ),
      );
    await t.runtime.runner.catchUp('client_profiles');
    const before = await rows();
    expect(before[1]!.length).toBeGreaterThan(10);
    expect(before[1]!.filter((row) => row.includes('"removed":true'))).toHaveLength(2);

    const events = (await t.runtime.store.readAll({ from: null, limit: 10_000 })).filter((e) =>
      clientProfilesProjection.eventTypes.has(e.type),
    );
    // Again from the start, and stopping short of the end at many points: an older batch
    // delivered again never takes a memo back to what it was.
    for (let end = events.length; end > 0; end -= 5) {
      await t.runtime.db.kysely
        .transaction()
        .execute((trx) => clientProfilesProjection.apply(trx, events.slice(0, end)));
    }
    expect(await rows()).toEqual(before);

    await adminActions['projections.rebuild'](t.runtime, { name: 'client_profiles' });
    expect(await rows()).toEqual(before);
  });
});
