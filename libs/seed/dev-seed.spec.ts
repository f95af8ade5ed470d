import 'reflect-metadata';
import { accountDecider, accountStream, type AccountEvent } from '@clientele/entitlements';
import { adminActions, DatabaseNotEmpty, type Runtime } from '@clientele/runtime';
import { sessionDecider, type SessionEvent } from '@clientele/scheduling';
import { fold, InvalidInput } from '@clientele/shared';
import { openTestRuntime, type TestRuntime } from '../../test/support/test-runtime';
import type { SeedProgress, SeedSummary } from './dev-seed';

/** A small dataset: two studios, 60 clients, a month ending on a fixed day. */
const SMALL = { clients: 60, months: 1, studios: 2, seed: 42, until: '2026-06-15T12:00:00Z' };

async function seed(runtime: Runtime, args: Record<string, unknown> = SMALL) {
  const progress: SeedProgress[] = [];
  const job = await adminActions['dev.seed'](runtime, args, { seed: (p) => progress.push(p) });
  if (job.status !== 'done' || !job.summary) throw new Error(`seed ${job.status}: ${job.error}`);
  return { summary: job.summary, progress };
}

/** What the same seed must make again: every count, none of the ids or timings. */
function shape(summary: SeedSummary) {
  const { studios, seconds: _s, eventsPerSecond: _e, projectionSeconds: _p, ...counts } = summary;
  return { ...counts, studios: studios.map(({ name, clients }) => ({ name, clients })) };
}

describe('dev seed', () => {
  let opened: TestRuntime;
  let runtime: Runtime;
  let summary: SeedSummary;
  let progress: SeedProgress[];

  beforeAll(async () => {
    opened = await openTestRuntime();
    runtime = opened.runtime;
    ({ summary, progress } = await seed(runtime));
  }, 300_000);

  afterAll(() => opened.close());

  const rows = <T>(text: string) => runtime.db.sql.query<T>(text);

  it('makes studios, clients and a month of their history, every count in range', async () => {
    expect(summary.studios.map((s) => s.clients)).toEqual([40, 20]);
    expect(summary.studios.every((s) => s.token.startsWith('clt_'))).toBe(true);
    expect(summary.clients).toBe(60);
    expect(summary.products).toBe(10);
    // 40 and 30 classes a week, for the 32 days from 15 May to 15 June and two weeks ahead.
    expect(summary.sessions).toBeGreaterThanOrEqual(400);
    expect(summary.sessions).toBeLessThanOrEqual(500);
    expect(summary.sales).toBeGreaterThan(0);
    expect(summary.enrollments).toBeGreaterThan(20);
    expect(summary.checkIns).toBeGreaterThan(0);
    expect(summary.checkIns).toBeLessThan(summary.enrollments);
    expect(summary.waiversSigned).toBeGreaterThan(20);
    expect(summary.waiversSigned).toBeLessThanOrEqual(60);
    expect(summary.refused).toEqual({});
    const [{ n }] = await rows<{ n: number }>('SELECT count(*)::int AS n FROM events');
    expect(summary.eventsAppended).toBe(n);
    const last = progress.filter((p) => p.phase === 'days').pop()!;
    expect(last.done).toBe(last.total);
    expect(last.total).toBe(32);
  });

  it('leaves the read models with the planner’s statistics, as a bulk load should', async () => {
    const analyzed = await rows<{ tablename: string }>(
      `SELECT DISTINCT tablename FROM pg_stats WHERE schemaname = current_schema()
       AND tablename IN ('client_profiles', 'session_places', 'credit_ledger')`,
    );
    expect(analyzed.map((row) => row.tablename).sort()).toEqual([
      'client_profiles',
      'credit_ledger',
      'session_places',
    ]);
  });

  it('keeps every session within its capacity, and checks in only confirmed places', async () => {
    const sessions = await rows<{ session_id: string; capacity: number; confirmed: number }>(
      `SELECT s.session_id, s.capacity,
              count(p.*) FILTER (WHERE p.status = 'confirmed')::int AS confirmed
         FROM sessions s LEFT JOIN session_places p USING (session_id)
        GROUP BY s.session_id, s.capacity`,
    );
    expect(sessions).toHaveLength(summary.sessions);
    let checkedIn = 0;
    for (const row of sessions.filter((s) => s.confirmed > 0)) {
      const state = fold(
        sessionDecider,
        (await runtime.store.readStream(`session-${row.session_id}`)) as unknown as SessionEvent[],
      );
      if (state.status !== 'scheduled') throw new Error('a seeded session is scheduled');
      const places = [...state.places.values()];
      const confirmed = places.filter((p) => p.status === 'confirmed');
      // The read model agrees with the decider, and neither is over capacity.
      expect(confirmed.length).toBe(row.confirmed);
      expect(confirmed.length).toBeLessThanOrEqual(row.capacity);
      for (const place of places.filter((p) => p.attendance === 'checked_in')) {
        expect(place.status).toBe('confirmed');
        checkedIn++;
      }
    }
    expect(checkedIn).toBe(summary.checkIns);
  });

  it('never takes credits below zero: the read model agrees with each account', async () => {
    const grants = await rows<{
      grant_id: string;
      client_id: string;
      count: number;
      reserved: number;
      spent: number;
      expired: number;
    }>('SELECT grant_id, client_id, count, reserved, spent, expired FROM credit_grants');
    expect(grants.length).toBeGreaterThan(0);
    for (const grant of grants) {
      expect(grant.count - grant.reserved - grant.spent - grant.expired).toBeGreaterThanOrEqual(0);
      // Every booking finished: no credit is left reserved.
      expect(grant.reserved).toBe(0);
    }
    for (const clientId of new Set(grants.map((g) => g.client_id))) {
      const account = fold(
        accountDecider,
        (await runtime.store.readStream(accountStream(clientId))) as unknown as AccountEvent[],
      );
      for (const grant of grants.filter((g) => g.client_id === clientId)) {
        const decided = account.grants.get(grant.grant_id)!;
        expect([grant.count, grant.reserved, grant.spent, grant.expired]).toEqual([
          decided.count,
          decided.reserved,
          decided.spent,
          decided.expired,
        ]);
      }
    }
  });

  it('builds the same read models again from the log', async () => {
    const snapshot = async () => ({
      places: await rows(
        'SELECT enrollment_id, status, attendance, penalty, refunded FROM session_places ORDER BY enrollment_id',
      ),
      grants: await rows(
        'SELECT grant_id, count, reserved, spent, expired FROM credit_grants ORDER BY grant_id',
      ),
      clients: await rows('SELECT count(*)::int AS n FROM client_profiles'),
    });
    const before = await snapshot();
    await adminActions['projections.rebuild'](runtime, {});
    expect(await snapshot()).toEqual(before);
  });

  it('fills only an empty database', async () => {
    await expect(seed(runtime)).rejects.toThrow(DatabaseNotEmpty);
  });

  it('makes the same dataset again from the same seed, and another from another', async () => {
    const again = await openTestRuntime();
    try {
      expect(shape((await seed(again.runtime)).summary)).toEqual(shape(summary));
    } finally {
      await again.close();
    }
    const other = await openTestRuntime();
    try {
      const different = (await seed(other.runtime, { ...SMALL, seed: 43 })).summary;
      expect(shape(different)).not.toEqual(shape(summary));
    } finally {
      await other.close();
    }
  }, 300_000);

  it('names each option out of range', async () => {
    const refused = seed(runtime, { clients: '-5', months: 'twelve', studios: 0 });
    await expect(refused).rejects.toThrow(InvalidInput);
    await expect(refused).rejects.toMatchObject({
      errors: [
        { field: 'clients', message: 'must be a whole number from 1 to 10000000' },
        { field: 'months', message: 'must be a whole number from 1 to 60' },
        { field: 'studios', message: 'must be a whole number from 1 to 50' },
      ],
    });
  });
});
