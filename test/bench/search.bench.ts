import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { migrateToLatest, openDatabase } from '@clientele/database';
import { migrations } from '@clientele/runtime';
import { SearchClients, SearchClientsHandler } from '@projections/client-profiles';
import { foldForSearch } from '@projections/client-profiles/search-text';

const CLIENTS = 100_000;
const FIRST = [
  'Anna',
  'Zoë',
  'José',
  'Marie',
  'Liam',
  'Noah',
  'Émilie',
  'Mateo',
  'Sofia',
  'Jürgen',
  'Aiko',
  'Olivia',
];
const LAST = [
  'Müller',
  'García',
  'Smith',
  'Nguyen',
  'Kowalski',
  'Rossi',
  'Dubois',
  'Tanaka',
  'Okafor',
  'Johansson',
  'Álvarez',
  'Brown',
];

/**
 * GET /v1/clients?search= over 100,000 clients of one studio: the query handler the API runs,
 * against the client_profiles table and its indexes, for each kind of search a desk types.
 */
export async function benchSearch(url: string): Promise<object> {
  const schema = `bench_search_${randomBytes(4).toString('hex')}`;
  const db = await openDatabase({ url, schema, poolSize: 4 });
  try {
    await migrateToLatest(db, ...migrations);
    const studioId = crypto.randomUUID();
    const loadStart = performance.now();
    for (let offset = 0; offset < CLIENTS; offset += 5000) {
      const rows = Array.from({ length: 5000 }, (_, i) => {
        const n = offset + i;
        const first = `${FIRST[n % FIRST.length]}${n % 7 === 0 ? '' : n % 97}`;
        const last = `${LAST[Math.floor(n / FIRST.length) % LAST.length]}`;
        const email = `${foldForSearch(first)}.${foldForSearch(last)}${n}@example.com`;
        const folded = { first: foldForSearch(first), last: foldForSearch(last), email };
        return {
          client_id: crypto.randomUUID(),
          studio_id: studioId,
          first_name: first,
          last_name: last,
          email,
          registered_at: new Date(),
          updated_at: new Date(),
          version: 0,
          first_folded: folded.first,
          last_folded: folded.last,
          email_folded: folded.email,
          search_text: `${folded.first} ${folded.last} ${folded.email}`,
          sort_key: `${folded.last} ${folded.first}`,
        };
      });
      await db.kysely.insertInto('client_profiles').values(rows).execute();
    }
    await db.sql.query('ANALYZE client_profiles');
    const loadSeconds = (performance.now() - loadStart) / 1000;
    const handler = new SearchClientsHandler(db);
    const searches: Record<string, string | undefined> = {
      firstPage: undefined,
      prefix2: 'jo',
      substring: 'owalsk',
      accentFolded: 'muller',
      email: 'olivia.brown12',
      twoWords: 'zoe garcia',
      noMatch: 'xyzzyq',
    };
    const results: Record<string, object> = {};
    for (const [name, search] of Object.entries(searches)) {
      for (let i = 0; i < 20; i++)
        await handler.execute(new SearchClients(studioId, search, 25, undefined));
      const times: number[] = [];
      let found = 0;
      for (let i = 0; i < 200; i++) {
        const start = performance.now();
        const page = await handler.execute(new SearchClients(studioId, search, 25, undefined));
        times.push(performance.now() - start);
        found = page.items.length;
      }
      times.sort((a, b) => a - b);
      results[name] = {
        search: search ?? null,
        found,
        p50Ms: round(times[100]!),
        p99Ms: round(times[197]!),
      };
    }
    return { clients: CLIENTS, loadSeconds: round(loadSeconds), pageSize: 25, queries: results };
  } finally {
    await db.sql.query(`DROP SCHEMA ${schema} CASCADE`);
    await db.close();
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
