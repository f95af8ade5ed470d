import 'reflect-metadata';
import type { Database, SqlExecutor } from '@clientele/database';
import { decideOnAccount, processorCustomerOf } from '@clientele/entitlements';
import { adminActions, type Runtime } from '@clientele/runtime';
import { NotFound } from '@clientele/shared';
import {
  GetActiveItems,
  GetActiveItemsHandler,
  GetClientBalances,
  GetClientBalancesHandler,
  ListClientBills,
  ListClientBillsHandler,
  ListClientSales,
  ListClientSalesHandler,
} from '@projections/client-accounts';
import {
  GetClientProfile,
  GetClientProfileHandler,
  ListClientDocuments,
  ListClientDocumentsHandler,
  ListClientMemos,
  ListClientMemosHandler,
  ListMergedClients,
  ListMergedClientsHandler,
} from '@projections/client-profiles';
import {
  ListClientRelationships,
  ListClientRelationshipsHandler,
} from '@projections/relationships';
import { ListClientRegistrations, ListClientRegistrationsHandler } from '@projections/schedule';
import { GetClientWaivers, GetClientWaiversHandler } from '@projections/waivers';
import type { KyselyPlugin } from 'kysely';
import { openTestRuntime, type TestRuntime } from '../../test/support/test-runtime';
import {
  GetClientScreen,
  GetClientScreenHandler,
  type ClientScreen,
} from './client-screen.queries';

/** A month of a studio's life, read at its last instant so that upcoming classes are there. */
const SEED = { clients: 25, months: 1, studios: 1, seed: 8, until: '2026-06-15T12:00:00Z' };
const now = new Date(SEED.until);

/** The database as a handler sees it, counting the statements it executes on every path. */
function counting(db: Database) {
  const counter = { statements: 0 };
  const plugin: KyselyPlugin = {
    transformQuery: (args) => args.node,
    transformResult: (args) => {
      counter.statements += 1;
      return Promise.resolve(args.result);
    },
  };
  const counted = (executor: SqlExecutor): SqlExecutor => ({
    query: (...args) => {
      counter.statements += 1;
      return executor.query(...args);
    },
    transaction: (fn) => executor.transaction((tx) => fn(counted(tx))),
  });
  return {
    counter,
    db: {
      ...db,
      kysely: db.kysely.withPlugin(plugin),
      sql: counted(db.sql),
      derivedSql: counted(db.derivedSql),
    },
  };
}

/** The screen as the profile assembled it before, one handler a part (and the account's stream). */
async function partByPart(
  runtime: Runtime,
  studioId: string,
  clientId: string,
): Promise<ClientScreen> {
  const db = runtime.db;
  const [
    profile,
    { paymentSettings, ...balances },
    activeItems,
    openBills,
    recentSales,
    upcoming,
    waivers,
    relationships,
    memos,
    documents,
    merged,
    processorCustomerId,
  ] = await Promise.all([
    new GetClientProfileHandler(db).execute(new GetClientProfile(studioId, clientId)),
    new GetClientBalancesHandler(db).execute(new GetClientBalances(studioId, clientId, now)),
    new GetActiveItemsHandler(db).execute(new GetActiveItems(studioId, clientId, now)),
    new ListClientBillsHandler(db).execute(new ListClientBills(studioId, clientId, 'open')),
    new ListClientSalesHandler(db).execute(new ListClientSales(studioId, clientId, 5)),
    new ListClientRegistrationsHandler(db).execute(
      new ListClientRegistrations(studioId, clientId, 'upcoming', 5, undefined, now),
    ),
    new GetClientWaiversHandler(db).execute(new GetClientWaivers(studioId, clientId)),
    new ListClientRelationshipsHandler(db).execute(new ListClientRelationships(studioId, clientId)),
    new ListClientMemosHandler(db).execute(new ListClientMemos(studioId, clientId)),
    new ListClientDocumentsHandler(db).execute(new ListClientDocuments(studioId, clientId)),
    new ListMergedClientsHandler(db).execute(new ListMergedClients(studioId, clientId)),
    processorCustomerOf(runtime.store, clientId),
  ]);
  return {
    profile,
    processorCustomerId,
    balances,
    paymentSettings,
    activeItems,
    openBills: openBills.items,
    recentSales: recentSales.items,
    upcomingRegistrations: upcoming.items,
    waivers,
    relationships,
    memos: memos.items,
    documents,
    merged,
  };
}

describe('the client screen', () => {
  let opened: TestRuntime;
  let runtime: Runtime;
  let clients: { client_id: string; studio_id: string }[];

  beforeAll(async () => {
    opened = await openTestRuntime();
    runtime = opened.runtime;
    const job = await adminActions['dev.seed'](runtime, SEED, { seed: () => undefined });
    if (job.status !== 'done') throw new Error(`seed ${job.status}: ${job.error}`);
    clients = await runtime.db.sql.query<{ client_id: string; studio_id: string }>(
      'SELECT client_id, studio_id FROM client_profiles ORDER BY client_id',
    );
    // The seed saves no card: one client gets a customer at the processor, as a saved card would.
    const [{ client_id: clientId, studio_id: studioId }] = clients as [(typeof clients)[0]];
    await decideOnAccount(
      runtime.store,
      { studioId, actor: { type: 'system', id: 'test' }, correlationId: 'screen', now },
      clientId,
      (scope) => ({
        type: 'LinkProcessorCustomer',
        data: { ...scope, processor: 'stripe', customerId: 'cus_screen' },
      }),
    );
    await runtime.runner.catchUp();
  }, 300_000);

  afterAll(() => opened.close());

  it('answers in one statement what its parts answer one by one', async () => {
    const screens: ClientScreen[] = [];
    for (const { client_id: clientId, studio_id: studioId } of clients) {
      const { counter, db } = counting(runtime.db);
      const screen = await new GetClientScreenHandler(db).execute(
        new GetClientScreen(studioId, clientId, now),
      );
      expect(counter.statements).toBe(1);
      expect(screen).toEqual(await partByPart(runtime, studioId, clientId));
      screens.push(screen);
    }
    // The comparison saw every kind of part the seed makes, not only empty lists.
    expect(clients.length).toBe(SEED.clients);
    expect(screens.some((s) => s.recentSales.length > 0)).toBe(true);
    expect(screens.some((s) => s.upcomingRegistrations.length > 0)).toBe(true);
    expect(screens.some((s) => s.activeItems.packs.length > 0)).toBe(true);
    expect(screens.some((s) => s.balances.credits.length > 0)).toBe(true);
    expect(screens.some((s) => s.waivers.signed.length > 0)).toBe(true);
    expect(screens.filter((s) => s.processorCustomerId === 'cus_screen')).toHaveLength(1);
  }, 120_000);

  it("answers another studio's client, or an unknown one, 404 in that one statement", async () => {
    const { client_id: clientId } = clients[0]!;
    const { counter, db } = counting(runtime.db);
    await expect(
      new GetClientScreenHandler(db).execute(
        new GetClientScreen('00000000-0000-4000-8000-000000000000', clientId, now),
      ),
    ).rejects.toBeInstanceOf(NotFound);
    expect(counter.statements).toBe(1);
  });
});
