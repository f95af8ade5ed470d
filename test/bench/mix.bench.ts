import type { ChildProcess } from 'node:child_process';
import autocannon from 'autocannon';
import { cpuMeter, createStudio, lagSampler, percentile, TEN_CLASS_PACK, withApi } from './support';

const SECONDS = Number(process.env.MIX_BENCH_SECONDS ?? 20);
const CONNECTIONS = [8, 32];
const SESSIONS = 200;

/** What the desk and the app do, in the order a new client does it: one pass is seven commands. */
const KINDS = [
  'register',
  'sell',
  'issueCredits',
  'enroll',
  'enrollAgain',
  'cancel',
  'checkIn',
] as const;
type Kind = (typeof KINDS)[number];

export interface Studio {
  token: string;
  packId: string;
  sessionIds: string[];
}

/**
 * The command mix of issue 8 over HTTP, loaded by autocannon: each connection plays a new client
 * again and again — registered, sold a ten-class pack for cash, given two credits, booked into
 * two sessions with a credit, one cancelled with its credit back, the other checked in. Every
 * request carries its own Idempotency-Key. Projection lag is sampled from /health meanwhile.
 */
export async function benchCommandMix(url: string): Promise<object> {
  return withApi(url, 'mix', async ({ databaseUrl, base, process: api }) => {
    const token = await createStudio(databaseUrl);
    const studio = await prepareStudio(base, token);
    const results: Record<string, object> = {};
    for (const connections of CONNECTIONS) {
      await loadMix(base, studio, connections, 3); // warm-up
      results[`connections_${connections}`] = await measureMix(api, base, studio, connections);
    }
    return { seconds: SECONDS, commandsPerPass: KINDS.length, ...results };
  });
}

/** A class type, a ten-class pack and sessions a week ahead with room for the whole run. */
export async function prepareStudio(base: string, token: string): Promise<Studio> {
  const post = async (path: string, body: object) => {
    const answer = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (answer.status !== 201)
      throw new Error(`POST ${path}: ${answer.status} ${await answer.text()}`);
    return ((await answer.json()) as { id: string }).id;
  };
  const classTypeId = await post('/v1/class-types', {
    name: 'Bench Flow',
    format: 'in_person',
    eventType: 'yoga',
  });
  const packId = await post('/v1/products', TEN_CLASS_PACK);
  const hour = 3_600_000;
  const sessionIds: string[] = [];
  for (let n = 0; n < SESSIONS; n++) {
    sessionIds.push(
      await post('/v1/sessions', {
        classTypeId,
        // A week ahead, on the hour: outside any late-cancel window.
        startsAt: new Date(Math.ceil((Date.now() + 7 * 24 * hour) / hour) * hour + n * hour)
          .toISOString()
          .replace('.000Z', 'Z'),
        durationMinutes: 60,
        capacity: 1000,
      }),
    );
  }
  return { token, packId, sessionIds };
}

export async function measureMix(
  api: ChildProcess,
  base: string,
  studio: Studio,
  connections: number,
  worker?: ChildProcess,
) {
  const lag = lagSampler(base);
  const cpu = cpuMeter(api, worker);
  const { result, byKind } = await loadMix(base, studio, connections, SECONDS);
  const cpuMicrosecondsPerCommand = cpu.perRequest(result.requests.total);
  const lags = await lag.stop();
  return {
    connections,
    commands: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    commandsPerSecond: Math.round(result.requests.total / SECONDS),
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
    byKind,
    projectionLagMs: lags,
    cpuMicrosecondsPerCommand,
  };
}

let run = 0;

function loadMix(base: string, studio: Studio, connections: number, seconds: number) {
  // Numbered across loads, so no two requests of a bench share an email or a key.
  const prefix = `mix-${process.pid}-${++run}`;
  let clients = 0;
  let keys = 0;
  const times = new Map<Kind, number[]>(KINDS.map((kind) => [kind, []]));
  const refused = new Map<Kind, Record<number, number>>();
  const pick = () => studio.sessionIds[Math.floor(Math.random() * studio.sessionIds.length)]!;
  type Context = { clientId?: string; first?: string; second?: string; sentAt?: number };
  const step = (
    kind: Kind,
    path: (context: Context) => string,
    body: (context: Context) => object,
  ): autocannon.Request => ({
    method: 'POST',
    setupRequest: (request, context: Context) => {
      context.sentAt = performance.now();
      return {
        ...request,
        path: path(context),
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${studio.token}`,
          'idempotency-key': `${prefix}-${++keys}`,
        },
        body: JSON.stringify(body(context)),
      };
    },
    onResponse: (status, responseBody, context: Context) => {
      times.get(kind)!.push(performance.now() - context.sentAt!);
      if (status >= 300) {
        const counts = refused.get(kind) ?? {};
        counts[status] = (counts[status] ?? 0) + 1;
        refused.set(kind, counts);
      }
      if (kind === 'register' && status === 201) {
        context.clientId = (JSON.parse(responseBody) as { id: string }).id;
        context.first = pick();
        do context.second = pick();
        while (context.second === context.first);
      }
    },
  });
  const enrollment = (session: 'first' | 'second') => (context: Context) =>
    `/v1/sessions/${context[session]}/enrollments/${context.clientId}`;
  const requests = [
    step(
      'register',
      () => '/v1/clients',
      () => {
        const n = ++clients;
        return { firstName: `Mix${n}`, lastName: 'Bench', email: `${prefix}-${n}@bench.example` };
      },
    ),
    step(
      'sell',
      () => '/v1/sales',
      (c) => ({
        clientId: c.clientId,
        items: [{ productId: studio.packId }],
        payment: { method: 'cash' },
      }),
    ),
    step(
      'issueCredits',
      (c) => `/v1/clients/${c.clientId}/credits`,
      () => ({ eventTypes: ['yoga'], count: 2, reason: 'Welcome offer' }),
    ),
    step(
      'enroll',
      (c) => `/v1/sessions/${c.first}/enrollments`,
      (c) => ({ clientId: c.clientId, payWith: 'credit', channel: 'online' }),
    ),
    step(
      'enrollAgain',
      (c) => `/v1/sessions/${c.second}/enrollments`,
      (c) => ({ clientId: c.clientId, payWith: 'credit', channel: 'studio' }),
    ),
    step(
      'cancel',
      (c) => `${enrollment('first')(c)}/cancel`,
      () => ({ outcome: 'cancel_and_refund' }),
    ),
    step(
      'checkIn',
      (c) => `${enrollment('second')(c)}/check-in`,
      () => ({}),
    ),
  ];
  return new Promise<{ result: autocannon.Result; byKind: object }>((resolve, reject) => {
    autocannon({ url: base, connections, duration: seconds, requests }, (error, result) => {
      if (error) return reject(error);
      const byKind = Object.fromEntries(
        KINDS.map((kind) => {
          const sorted = times.get(kind)!.sort((a, b) => a - b);
          return [
            kind,
            {
              answered: sorted.length,
              p50Ms: round(percentile(sorted, 0.5)),
              p99Ms: round(percentile(sorted, 0.99)),
              refused: refused.get(kind) ?? {},
            },
          ];
        }),
      );
      resolve({ result, byKind });
    });
  });
}

const round = (n: number) => Math.round(n * 10) / 10;
