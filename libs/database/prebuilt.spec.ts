import { sql } from 'kysely';
import { openTestDatabase } from '../../test/support/test-database';
import type { Database } from './database';
import { prebuilt } from './prebuilt';

let db: Database;

beforeAll(async () => {
  db = await openTestDatabase();
  await sql`CREATE TABLE visits (client_id text NOT NULL, studio_id text NOT NULL,
    at timestamptz NOT NULL)`.execute(db.kysely);
  await sql`INSERT INTO visits VALUES
    ('c1', 's1', '2026-12-01T10:00:00Z'), ('c1', 's1', '2026-12-02T10:00:00Z'),
    ('c1', 's2', '2026-12-01T10:00:00Z'), ('c2', 's1', '2026-12-01T10:00:00Z')`.execute(db.kysely);
});
afterAll(() => db.close());

type Input = { studioId: string; clientId: string; now: Date };

// Each input used more than once, beside constants, nested as the client screen nests its parts.
const visits = ({ studioId, clientId, now }: Input) =>
  db.kysely
    .selectFrom('visits')
    .select((eb) => [
      eb.fn.countAll<string>().as('visits'),
      eb
        .selectFrom('visits as v')
        .select(sql<string>`count(*)`.as('n'))
        .where('v.client_id', '=', clientId)
        .where('v.at', '<', now)
        .where('v.studio_id', '!=', studioId)
        .as('elsewhere'),
    ])
    .where('client_id', '=', clientId)
    .where('studio_id', '=', studioId)
    .where('at', '<', now)
    .where('client_id', '!=', 'nobody');

describe('prebuilt', () => {
  it('answers as the statement built per call does, for any inputs', async () => {
    const statement = prebuilt((input: Input) => visits(input).compile());
    const inputs: Input[] = [
      { studioId: 's1', clientId: 'c1', now: new Date('2026-12-03T00:00:00Z') },
      { studioId: 's1', clientId: 'c1', now: new Date('2026-12-02T00:00:00Z') },
      { studioId: 's2', clientId: 'c1', now: new Date('2026-12-03T00:00:00Z') },
      { studioId: 's1', clientId: 'c2', now: new Date('2026-12-03T00:00:00Z') },
    ];
    const answers = [];
    for (const input of inputs) {
      const once = statement(input);
      const perCall = visits(input).compile();
      expect(once.sql).toBe(perCall.sql);
      expect(once.parameters).toEqual(perCall.parameters);
      answers.push(await db.sql.query(once.sql, once.parameters));
    }
    expect(answers).toEqual([
      [{ visits: '2', elsewhere: '1' }],
      [{ visits: '1', elsewhere: '1' }],
      [{ visits: '1', elsewhere: '2' }],
      [{ visits: '1', elsewhere: '0' }],
    ]);
  });

  it('refuses a builder that derives a parameter from an input', () => {
    const lowered = prebuilt(({ clientId }: { clientId: string }) =>
      db.kysely
        .selectFrom('visits')
        .selectAll()
        .where('client_id', '=', clientId.toLowerCase())
        .compile(),
    );
    expect(() => lowered({ clientId: 'C1' })).toThrow(/derived from its inputs/);
    const dayBefore = prebuilt(({ now }: { now: Date }) =>
      db.kysely
        .selectFrom('visits')
        .selectAll()
        .where('at', '<', new Date(now.getTime() - 86_400_000))
        .compile(),
    );
    expect(() => dayBefore({ now: new Date() })).toThrow(/derived from its inputs/);
    // Derived values that could come out the same for two stand-ins, and a Date made anew.
    const derived = [
      ({ clientId, now }: { clientId: string; now: Date }) => [
        String(clientId.length),
        String(now.getUTCMonth()),
      ],
      ({ now }: { clientId: string; now: Date }) => [String(now.getUTCFullYear())],
      () => [new Date()],
    ];
    for (const values of derived) {
      const statement = prebuilt((input: { clientId: string; now: Date }) =>
        db.kysely
          .selectFrom('visits')
          .selectAll()
          .where('client_id', '=', input.clientId)
          .where(sql<boolean>`${values(input)[0]} IS NOT NULL`)
          .compile(),
      );
      expect(() => statement({ clientId: 'c1', now: new Date() })).toThrow(
        /derived from its inputs/,
      );
    }
  });

  it('refuses a builder whose text depends on an input', () => {
    const either = prebuilt(({ clientId }: { clientId: string }) =>
      (clientId.length > 20
        ? sql`SELECT * FROM visits WHERE client_id = ${clientId}`
        : sql`SELECT at FROM visits WHERE client_id = ${clientId}`
      ).compile(db.kysely),
    );
    expect(() => either({ clientId: 'c1' })).toThrow(/text depends on its inputs/);
  });
});
