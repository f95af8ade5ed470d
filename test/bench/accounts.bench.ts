import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type autocannon from 'autocannon';
import { CreditSpending } from '@clientele/entitlements';
import { loadConfig, openRuntime, type Runtime } from '@clientele/runtime';
import type { RequestContext } from '@clientele/shared';
import { createStudio, percentile, postLoad, withApi, TEN_CLASS_PACK } from './support';

const CLIENTS = 200;
const SECONDS = 10;

/**
 * Sales and credit spends on client accounts, on PostgreSQL. Sales go over HTTP to the API in
 * its own process (POST /v1/sales, a 10-class pack paid in cash, with an Idempotency-Key).
 * Spends have no route before scheduling, so they run through the CreditSpending port in this
 * process against the same database: reserve, then confirm, on a client chosen at random —
 * the calls a booking will make. Then both at once: the mix a studio sees at opening time.
 */
export function benchAccounts(url: string): Promise<object> {
  return withApi(url, 'accounts', async ({ databaseUrl, base, schema }) => {
    const runtime = await openRuntime({ ...loadConfig({}), databaseUrl }, 'client');
    try {
      return await measure(runtime, databaseUrl, base, schema);
    } finally {
      await runtime.close();
    }
  });
}

async function measure(runtime: Runtime, databaseUrl: string, base: string, schema: string) {
  const token = await createStudio(databaseUrl);
  const call = async (path: string, body: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as { id: string };
  };
  const studio = (await (
    await fetch(`${base}/v1/studio`, { headers: { authorization: `Bearer ${token}` } })
  ).json()) as { id: string };
  const pack = await call('/v1/products', TEN_CLASS_PACK);
  const clients: string[] = [];
  for (let i = 0; i < CLIENTS; i++) {
    clients.push(
      (
        await call('/v1/clients', {
          firstName: `Buyer${i}`,
          lastName: 'Bench',
          email: `buyer${i}.${schema}@bench.example`,
        })
      ).id,
    );
  }
  // Every client starts with two packs: enough credits for the spends that follow.
  for (const clientId of clients) {
    await call('/v1/sales', {
      clientId,
      items: [{ productId: pack.id, quantity: 2 }],
      payment: { method: 'cash' },
    });
  }
  const spending = new CreditSpending(runtime.store);
  const context = (): RequestContext => ({
    studioId: studio.id,
    actor: { type: 'staff', id: 'bench' },
    correlationId: randomUUID(),
    now: new Date(),
  });
  const spends = (workers: number, seconds: number) =>
    timed(workers, seconds, async () => {
      const clientId = clients[Math.floor(Math.random() * clients.length)]!;
      const reservationId = randomUUID();
      await spending.reserve(context(), clientId, reservationId, 'yoga', 'Flow 9:00');
      await spending.confirm(context(), clientId, reservationId, 'Flow 9:00');
    });
  let sold = 0;
  const sales = (connections: number, seconds: number) => {
    const offset = sold;
    sold += 1_000_000;
    return postLoad({
      base,
      path: '/v1/sales',
      token,
      connections,
      seconds,
      body: (i) => ({
        clientId: clients[(offset + i) % clients.length],
        items: [{ productId: pack.id }],
        payment: { method: 'cash' },
      }),
      key: (i) => `sale-${schema}-${offset + i}`,
    });
  };
  await sales(8, 2); // warm-up
  const salesAlone = await sales(32, SECONDS);
  const spendsAlone = await spends(32, SECONDS);
  const [salesMixed, spendsMixed] = await Promise.all([sales(16, SECONDS), spends(16, SECONDS)]);
  const httpFigures = (result: autocannon.Result, connections: number) => ({
    connections,
    commandsPerSecond: Math.round(result.requests.total / SECONDS),
    non2xx: result.non2xx,
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99 },
  });
  return {
    database: 'postgres',
    clients: CLIENTS,
    sales: httpFigures(salesAlone, 32),
    creditSpends: { workers: 32, ...spendsAlone },
    mixed: {
      sales: httpFigures(salesMixed, 16),
      creditSpends: { workers: 16, ...spendsMixed },
      commandsPerSecond:
        Math.round(salesMixed.requests.total / SECONDS) + spendsMixed.spendsPerSecond,
    },
  };
}

/** Runs `work` in `workers` loops for `seconds`: completions per second and their latency. */
async function timed(workers: number, seconds: number, work: () => Promise<void>) {
  const latencies: number[] = [];
  let failures = 0;
  const until = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (Date.now() < until) {
        const started = performance.now();
        try {
          await work();
          latencies.push(performance.now() - started);
        } catch {
          failures++;
        }
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const round = (ms: number) => Math.round(ms * 100) / 100;
  return {
    spendsPerSecond: Math.round(latencies.length / seconds),
    failures,
    latencyMs: { p50: round(percentile(latencies, 0.5)), p99: round(percentile(latencies, 0.99)) },
  };
}
