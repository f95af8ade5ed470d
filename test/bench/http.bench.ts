import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
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
    for (const connections of [8, 32]) {
      await load(base, token, 3, connections); // warm-up
      results[`connections_${connections}`] = await measure(base, token, 10, connections);
    }
    return { command: 'RegisterClient', database: 'postgres', ...results };
  } finally {
    api.kill('SIGTERM');
    await new Promise((resolve) => api.once('exit', resolve));
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
  }
}

async function measure(base: string, token: string, seconds: number, connections: number) {
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
  const result = await load(base, token, seconds, connections);
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
  };
}

let counter = 0;

function load(base: string, token: string, seconds: number, connections: number) {
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
              'idempotency-key': `bench-${process.pid}-${n}`,
            },
            body: JSON.stringify({
              firstName: `Client${n}`,
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
