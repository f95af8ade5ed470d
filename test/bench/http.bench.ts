import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Client } from 'pg';

/**
 * RegisterClient over HTTP against the API in its own process on PostgreSQL, with the
 * projections running in that process (the default), as a studio would run it on one machine.
 * Each request registers a new client with its own email and Idempotency-Key. Projection lag is
 * sampled from /health during the load: how long the oldest event not yet applied has waited.
 */
export async function benchHttp(url: string): Promise<object> {
  const schema = `bench_http_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.query('CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public');
  const databaseUrl = withSearchPath(url, schema);
  const port = await freePort();
  const api = await startApi(databaseUrl, port);
  try {
    const base = `http://127.0.0.1:${port}`;
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
  } finally {
    api.kill('SIGTERM');
    await new Promise((resolve) => api.once('exit', resolve));
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
  }
}

async function measure(
  api: ChildProcess,
  base: string,
  token: string,
  seconds: number,
  connections: number,
) {
  const lags: number[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const health = (await (await fetch(`${base}/health`)).json()) as {
        projections: { lagMs: number }[];
      };
      lags.push(Math.max(0, ...health.projections.map((p) => p.lagMs)));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  const cpu = cpuMeter(api);
  const result = await load(base, token, seconds, connections);
  const cpuMicrosecondsPerRequest = cpu.perRequest(result.requests.total);
  sampling = false;
  await sampler;
  lags.sort((a, b) => a - b);
  return {
    connections,
    seconds,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    commandsPerSecond: Math.round(result.requests.total / seconds),
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
    projectionLagMs: {
      p50: percentile(lags, 0.5),
      p99: percentile(lags, 0.99),
      samples: lags.length,
    },
    cpuMicrosecondsPerRequest,
  };
}

/**
 * CPU time spent by the API process, by every PostgreSQL process and by this process (the load
 * generator), from /proc: where a request's cost goes when the machine is the limit.
 */
function cpuMeter(api: ChildProcess) {
  const postgres = execFileSync('pgrep', ['-x', 'postgres']).toString().trim().split('\n');
  const ticks = (pids: (string | number | undefined)[]) =>
    pids.reduce<number>((sum, pid) => {
      try {
        const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        return sum + Number(fields[11]) + Number(fields[12]); // utime + stime
      } catch {
        return sum; // a backend that ended meanwhile
      }
    }, 0);
  const start = { api: ticks([api.pid]), postgres: ticks(postgres), self: process.cpuUsage() };
  return {
    perRequest(requests: number) {
      const self = process.cpuUsage(start.self);
      // Clock ticks are 10 ms on Linux.
      const micros = (ticksNow: number, ticksThen: number) =>
        Math.round(((ticksNow - ticksThen) * 10_000) / Math.max(1, requests));
      return {
        api: micros(ticks([api.pid]), start.api),
        postgres: micros(ticks(postgres), start.postgres),
        loadGenerator: Math.round((self.user + self.system) / Math.max(1, requests)),
      };
    },
  };
}

let counter = 0;

function load(base: string, token: string, seconds: number, connections: number, invalid = false) {
  return autocannon({
    url: `${base}/v1/clients`,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        setupRequest: (request) => {
          const n = ++counter;
          return {
            ...request,
            headers: {
              'content-type': 'application/json',
              authorization: `Bearer ${token}`,
              // A refused request stores no answer: the floor leaves the key out.
              ...(invalid ? {} : { 'idempotency-key': `bench-${process.pid}-${n}` }),
            },
            body: JSON.stringify({
              firstName: invalid ? n : `Client${n}`,
              lastName: 'Bench',
              email: `client${n}.${process.pid}@bench.example`,
              birthday: '1990-04-01',
            }),
          };
        },
      },
    ],
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function withSearchPath(url: string, schema: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('options', `-c search_path=${schema},public`);
  return parsed.toString();
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

async function startApi(databaseUrl: string, port: number): Promise<ChildProcess> {
  const root = join(__dirname, '..', '..');
  const child = spawn(process.execPath, [join(root, 'apps/api/main.js')], {
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) return child;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill();
  throw new Error('The API did not start.');
}

async function createStudio(databaseUrl: string): Promise<string> {
  const root = join(__dirname, '..', '..');
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        join(root, 'apps/cli/main.js'),
        'studio',
        'create',
        '--name',
        'Bench Studio',
        '--currency',
        'USD',
        '--timezone',
        'UTC',
        '--owner-email',
        'bench@example.com',
        '--json',
      ],
      { env: { ...process.env, DATABASE_URL: databaseUrl }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let text = '';
    child.stdout.on('data', (chunk) => (text += chunk));
    child.on('exit', (code) =>
      code === 0 ? resolve(text) : reject(new Error(`studio create exited ${code}`)),
    );
  });
  return (JSON.parse(output) as { token: string }).token;
}
