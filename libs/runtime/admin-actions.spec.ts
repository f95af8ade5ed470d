import 'reflect-metadata';
import type { Database } from '@clientele/database';
import {
  RegisterClient,
  RegisterClientHandler,
  UpdateClientProfile,
  UpdateClientProfileHandler,
} from '@clientele/clients';
import { InvalidInput, type RequestContext } from '@clientele/shared';
import { onPostgres, openTestDatabase } from '../../test/support/test-database';
import { adminActions } from './admin-actions';
import { loadConfig } from './config';
import { openRuntime, type Runtime } from './runtime';

describe(`admin actions: projections (${onPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let database: Database;
  let runtime: Runtime;

  beforeAll(async () => {
    database = await openTestDatabase();
    runtime = await openRuntime({ ...loadConfig({}), readConsistencyTimeoutMs: 5000 }, 'server', {
      database,
    });
    const { studioId } = await adminActions['studio.create'](runtime, {
      name: 'Rebuild Yoga',
      currency: 'EUR',
      timezone: 'Europe/Paris',
      ownerEmail: 'owner@rebuild.example',
    });
    const context = (n: number): RequestContext => ({
      studioId,
      actor: { type: 'system', id: 'admin-actions.spec' },
      correlationId: `spec-${n}`,
      now: new Date(),
    });
    const register = new RegisterClientHandler(runtime.store);
    const ids: string[] = [];
    for (let n = 0; n < 6; n++) {
      const profile = await register.execute(
        new RegisterClient(
          { firstName: `Ana${n}`, lastName: `Ñúñez`, email: `ana${n}@rebuild.example` },
          context(n),
        ),
      );
      ids.push(profile.id);
    }
    const update = new UpdateClientProfileHandler(runtime.store);
    await update.execute(
      new UpdateClientProfile(ids[2]!, { lastName: 'Moreau', phone: '+33 1 23' }, context(10)),
    );
    await update.execute(
      new UpdateClientProfile(ids[4]!, { email: 'ana4@new.example' }, context(11)),
    );
  });

  afterAll(async () => {
    await runtime.close();
    await database.close();
  });

  /** A table's rows in a stable order. */
  async function rows(table: string) {
    const all = await database.kysely.selectFrom(table).selectAll().execute();
    return all
      .map((row) => [JSON.stringify(row), row] as const)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, row]) => row);
  }
  const profiles = () => rows('client_profiles');
  const staffTables = async () =>
    Promise.all(['studios', 'staff_members', 'staff_tokens'].map((table) => rows(table)));

  it('rebuilds client_profiles to the rows it had before', async () => {
    await runtime.runner.catchUp();
    const before = await profiles();
    expect(before).toHaveLength(6);
    expect(before.find((row) => row.last_name === 'Moreau')).toBeDefined();
    expect(before.find((row) => row.email === 'ana4@new.example')).toBeDefined();
    const total = (await runtime.store.readAll({ from: null, limit: 10_000 })).length;

    const result = await adminActions['projections.rebuild'](runtime, { name: 'client_profiles' });

    const clientEvents = (await runtime.store.readAll({ from: null, limit: 10_000 })).filter(
      (event) => event.streamName.startsWith('client-'),
    ).length;
    expect(result).toEqual({
      rebuilt: [
        {
          name: 'client_profiles',
          eventsRead: total,
          eventsApplied: clientEvents,
          ms: expect.any(Number),
        },
      ],
    });
    expect(await profiles()).toEqual(before);
  });

  it('rebuilds every projection when no name is given, beside a running runner', async () => {
    runtime.runner.start(); // as inside the API process on the embedded database
    try {
      await runtime.runner.catchUp();
      const before = await profiles();
      const staffBefore = await staffTables();
      expect(staffBefore[1]).toHaveLength(1);

      const result = await adminActions['projections.rebuild'](runtime, {});

      expect(result.rebuilt.map((r) => r.name)).toEqual(runtime.runner.names);
      expect(runtime.runner.names).toEqual(
        expect.arrayContaining(['client_profiles', 'staff_directory']),
      );
      expect(await profiles()).toEqual(before);
      expect(await staffTables()).toEqual(staffBefore);
    } finally {
      await runtime.runner.stop();
    }
  });

  it('refuses an unknown projection, naming the known ones', async () => {
    const error = await adminActions['projections.rebuild'](runtime, { name: 'nope' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InvalidInput);
    const invalid = error as InvalidInput;
    for (const name of runtime.runner.names) expect(invalid.message).toContain(name);
    expect(invalid.errors).toEqual([
      { field: 'name', message: expect.stringContaining('client_profiles') },
    ]);

    await expect(adminActions['projections.rebuild'](runtime, { name: 42 })).rejects.toBeInstanceOf(
      InvalidInput,
    );
  });

  it('reports each projection’s status', async () => {
    await runtime.runner.catchUp();
    const total = (await runtime.store.readAll({ from: null, limit: 10_000 })).length;
    const status = await adminActions['projections.status'](runtime);
    expect(status.map((s) => s.name)).toEqual(runtime.runner.names);
    for (const s of status) {
      expect(s).toMatchObject({
        eventsApplied: total,
        checkpoint: expect.stringMatching(/^\d+:\d+$/),
      });
    }
  });
});
