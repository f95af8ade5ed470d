import type { ChildProcess } from 'node:child_process';
import { cpuMeter, createStudio, lagSampler, postLoad, withApi } from './support';

/**
 * RegisterClient over HTTP against the API in its own process on PostgreSQL, with the
 * projections running in that process (the default), as a studio would run it on one machine.
 * Each request registers a new client with its own email and Idempotency-Key. Projection lag is
 * sampled from /health during the load: how long the oldest event not yet applied has waited.
 */
export async function benchHttp(url: string): Promise<object> {
  return withApi(url, 'http', async ({ databaseUrl, base, process: api }) => {
    const token = await createStudio(databaseUrl);
    const results: Record<string, object> = {};
    for (const connections of [8, 32, 128]) {
      await load(base, token, 3, connections); // warm-up
      results[`connections_${connections}`] = await measure(api, base, token, 10, connections);
    }
    // The framework's floor: the same route, authenticated, its body refused by validation (400)
    // before any command runs. No command can be cheaper than this.
    const cpu = cpuMeter(api);
    const refused = await load(base, token, 5, 32, true);
    return {
      command: 'RegisterClient',
      database: 'postgres',
      ...results,
      refusedByValidation: {
        connections: 32,
        requestsPerSecond: Math.round(refused.requests.total / 5),
        not4xx: refused.requests.total - refused['4xx'],
        cpuMicrosecondsPerRequest: cpu.perRequest(refused.requests.total),
      },
    };
  });
}

async function measure(
  api: ChildProcess,
  base: string,
  token: string,
  seconds: number,
  connections: number,
) {
  const lag = lagSampler(base);
  const cpu = cpuMeter(api);
  const result = await load(base, token, seconds, connections);
  const cpuMicrosecondsPerRequest = cpu.perRequest(result.requests.total);
  const projectionLagMs = await lag.stop();
  return {
    connections,
    seconds,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    commandsPerSecond: Math.round(result.requests.total / seconds),
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
    projectionLagMs,
    cpuMicrosecondsPerRequest,
  };
}

let counter = 0;

function load(base: string, token: string, seconds: number, connections: number, invalid = false) {
  // Numbered across loads, so no two requests of a run share an email or a key.
  const offset = counter;
  counter += 1_000_000;
  return postLoad({
    base,
    path: '/v1/clients',
    token,
    connections,
    seconds,
    body: (i) => {
      const n = offset + i;
      return {
        firstName: invalid ? n : `Client${n}`,
        lastName: 'Bench',
        email: `client${n}.${process.pid}@bench.example`,
        birthday: '1990-04-01',
      };
    },
    // A refused request stores no answer: the floor leaves the key out.
    key: (i) => (invalid ? undefined : `bench-${process.pid}-${offset + i}`),
  });
}
