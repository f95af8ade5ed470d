import { randomUUID } from 'node:crypto';
import { startTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
let token: string;

beforeAll(async () => {
  t = await startTestApp();
  ({ token } = await t.createStudio('Schedule Studio'));
});
afterAll(() => t.close());

const classType = (body: object, as = token) =>
  t.call('POST', '/v1/class-types', { token: as, body });

describe('class types and sessions', () => {
  it('schedules a week of classes and lists them in time order', async () => {
    const flow = await classType({ name: 'Morning Flow', format: 'in_person', eventType: 'yoga' });
    expect(flow.status).toBe(201);
    expect(flow.body).toEqual({
      id: expect.any(String),
      name: 'Morning Flow',
      format: 'in_person',
      eventType: 'yoga',
      dropInPrice: null,
    });
    const monday = Date.parse('2026-12-07T14:00:00Z');
    const ids: string[] = [];
    for (let day = 6; day >= 0; day--) {
      const created = await t.call('POST', '/v1/sessions', {
        token,
        body: {
          classTypeId: flow.body.id,
          startsAt: new Date(monday + day * 86_400_000).toISOString(),
          durationMinutes: 60,
          capacity: 12,
          place: 'Studio A',
        },
      });
      expect(created.status).toBe(201);
      expect(created.headers.location).toBe(`/v1/sessions/${created.body.id}`);
      ids.unshift(created.body.id);
    }
    const week = await t.call(
      'GET',
      '/v1/sessions?from=2026-12-07T00:00:00Z&to=2026-12-14T00:00:00Z',
      { token },
    );
    expect(week.status).toBe(200);
    expect(week.body.items.map((s: { id: string }) => s.id)).toEqual(ids);
    expect(week.body.items[0]).toMatchObject({
      title: 'Morning Flow',
      format: 'in_person',
      eventType: 'yoga',
      startsAt: '2026-12-07T14:00:00.000Z',
      endsAt: '2026-12-07T15:00:00.000Z',
      capacity: 12,
      place: 'Studio A',
    });
    const one = await t.call('GET', `/v1/sessions/${ids[3]}`, { token });
    expect(one.body).toMatchObject({ id: ids[3], startsAt: '2026-12-10T14:00:00.000Z' });
    const types = await t.call('GET', '/v1/class-types', { token });
    expect(types.body.items.map((c: { name: string }) => c.name)).toContain('Morning Flow');
  });

  it('makes a one-on-one a private session of one, and a virtual one needs a link', async () => {
    const pt = await classType({ name: 'Personal training', format: 'private', eventType: 'pt' });
    const two = await t.call('POST', '/v1/sessions', {
      token,
      body: {
        classTypeId: pt.body.id,
        startsAt: '2026-12-08T10:00:00Z',
        durationMinutes: 60,
        capacity: 2,
      },
    });
    expect(two.status).toBe(400);
    expect(two.body.errors).toEqual([
      { field: 'capacity', message: 'a private session has capacity 1' },
    ]);
    const live = await classType({ name: 'Live stream', format: 'virtual', eventType: 'yoga' });
    const noLink = await t.call('POST', '/v1/sessions', {
      token,
      body: {
        classTypeId: live.body.id,
        startsAt: '2026-12-08T10:00:00Z',
        durationMinutes: 45,
        capacity: 50,
      },
    });
    expect(noLink.status).toBe(400);
    expect(noLink.body.errors).toEqual([
      { field: 'link', message: 'a virtual session needs a link' },
    ]);
  });

  it('answers bad input with 400, unknown and foreign class types with 404', async () => {
    for (const body of [
      { name: '', format: 'in_person', eventType: 'yoga' },
      { name: 'X', format: 'outdoors', eventType: 'yoga' },
      { name: 'X', format: 'in_person', eventType: 'Yoga Class' },
    ]) {
      expect((await classType(body)).status).toBe(400);
    }
    const other = await t.createStudio('Other Schedule Studio');
    const theirs = await classType(
      { name: 'Theirs', format: 'in_person', eventType: 'yoga' },
      other.token,
    );
    for (const classTypeId of [randomUUID(), theirs.body.id]) {
      const reply = await t.call('POST', '/v1/sessions', {
        token,
        body: { classTypeId, startsAt: '2026-12-08T10:00:00Z', durationMinutes: 60, capacity: 5 },
      });
      expect(reply.status).toBe(404);
      expect(reply.body.code).toBe('class_type_not_found');
    }
    const range = await t.call(
      'GET',
      '/v1/sessions?from=2026-12-08T00:00:00Z&to=2026-12-01T00:00:00Z',
      { token },
    );
    expect(range.status).toBe(400);
    const tooLong = await t.call(
      'GET',
      '/v1/sessions?from=2026-01-01T00:00:00Z&to=2026-12-01T00:00:00Z',
      { token },
    );
    expect(tooLong.status).toBe(400);
    const theirSession = await t.call('POST', '/v1/sessions', {
      token: other.token,
      body: {
        classTypeId: theirs.body.id,
        startsAt: '2026-12-08T10:00:00Z',
        durationMinutes: 60,
        capacity: 5,
      },
    });
    expect((await t.call('GET', `/v1/sessions/${theirSession.body.id}`, { token })).status).toBe(
      404,
    );
    const mine = await t.call(
      'GET',
      '/v1/sessions?from=2026-12-08T00:00:00Z&to=2026-12-09T00:00:00Z',
      { token },
    );
    expect(mine.body.items.map((s: { id: string }) => s.id)).not.toContain(theirSession.body.id);
  });
});
