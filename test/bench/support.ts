import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Client } from 'pg';
import type { SqlExecutor } from '@clientele/database';

/** What the HTTP benchmarks share: an API in its own process, a studio, CPU meters. */

/** The pack the HTTP benchmarks sell: ten yoga classes for $120, valid 90 days. */
export const TEN_CLASS_PACK = {
  kind: 'class_pack',
  name: '10 classes',
  price: { amount: 12000, currency: 'USD' },
  credits: { count: 10, eventTypes: ['yoga'] },
  validityDays: 90,
};

export function withSearchPath(url: string, schema: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('options', `-c search_path=${schema},public`);
  return parsed.toString();
}

export function freePort(): Promise<number> {
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

export async function startApi(
  databaseUrl: string,
  port: number,
  env: Record<string, string> = {},
): Promise<ChildProcess> {
  const root = join(__dirname, '..', '..');
  // BENCH_API_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the API.
  const nodeArgs = (process.env.BENCH_API_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, join(root, 'apps/api/main.js')], {
    env: {
      ...process.env,
      ...env,
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  // A bench that dies must not leave its API running on.
  process.once('exit', () => child.kill('SIGKILL'));
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

/** Runs `npx clientele ARGS…` on the database; answers what it printed on stdout. */
export function cli(databaseUrl: string, args: string[], stderr: 'inherit' | 'ignore' = 'inherit') {
  const root = join(__dirname, '..', '..');
  return new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'apps/cli/main.js'), ...args], {
      env: { ...process.env, DATABASE_URL: databaseUrl },
      stdio: ['ignore', 'pipe', stderr],
    });
    let text = '';
    child.stdout.on('data', (chunk) => (text += chunk));
    child.on('exit', (code) =>
      code === 0 ? resolve(text) : reject(new Error(`clientele ${args[0]} exited ${code}`)),
    );
  });
}

export async function createStudio(databaseUrl: string): Promise<string> {
  const output = await cli(databaseUrl, [
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
  ]);
  return (JSON.parse(output) as { token: string }).token;
}

/** apps/worker in its own process: the projections and the upkeep, beside an API without them. */
export function startWorker(databaseUrl: string): Promise<ChildProcess> {
  const root = join(__dirname, '..', '..');
  return startNode(
    'the worker',
    [join(root, 'apps/worker/main.js')],
    { DATABASE_URL: databaseUrl },
    'Clientele worker',
  );
}

/**
 * A Node script in its own process, once it has printed `ready` on stdout. A bench that dies
 * must not leave it running on.
 */
export async function startNode(
  what: string,
  args: string[],
  env: Record<string, string>,
  ready: string,
): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  child.once('exit', () => process.removeListener('exit', kill));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes(ready)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${what} exited ${code}`)));
  });
  return child;
}

export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
}

/**
 * CPU time spent by the API process, by every PostgreSQL process and by this process (the load
 * generator), from /proc: where a request's cost goes when the machine is the limit.
 */
export function cpuMeter(api: ChildProcess, worker?: ChildProcess) {
  const postgresPids = () => {
    try {
      return execFileSync('pgrep', ['-x', 'postgres']).toString().trim().split('\n');
    } catch {
      return []; // no PostgreSQL server running (the embedded PGlite lives in the API process)
    }
  };
  const snapshot = () => new Map(postgresPids().map((pid) => [pid, ticksOf(pid) ?? 0]));
  const start = {
    api: ticksOf(api.pid) ?? 0,
    worker: ticksOf(worker?.pid) ?? 0,
    postgres: snapshot(),
    self: process.cpuUsage(),
  };
  return {
    perRequest(requests: number) {
      const self = process.cpuUsage(start.self);
      // Backends alive at the end, from their count at the start or from their birth (a pool
      // that grew); a backend that ended meanwhile is lost, so PostgreSQL's figure is a floor.
      let postgres = 0;
      for (const [pid, ticks] of snapshot()) postgres += ticks - (start.postgres.get(pid) ?? 0);
      // Clock ticks are 10 ms on Linux.
      const micros = (ticks: number) => Math.round((ticks * 10_000) / Math.max(1, requests));
      return {
        api: micros((ticksOf(api.pid) ?? 0) - start.api),
        ...(worker ? { worker: micros((ticksOf(worker.pid) ?? 0) - start.worker) } : {}),
        postgres: micros(postgres),
        loadGenerator: Math.round((self.user + self.system) / Math.max(1, requests)),
      };
    },
  };
}

/**
 * CPU time of this process and of the PostgreSQL backends that connected with `applicationName`
 * (a bench's own connections, not other users' of a shared server: its WAL writer, checkpointer
 * and autovacuum are not counted, which `cpuMeter` counts with every process), from /proc.
 */
export function ownCpuMeter(sql: SqlExecutor, applicationName: string) {
  const backends = () => backendTicks(sql, applicationName);
  return {
    async start() {
      const start = { self: process.cpuUsage(), backends: await backends() };
      return {
        /** Microseconds of CPU per unit, here (Node) and in PostgreSQL, since `start`. */
        async perUnit(units: number) {
          const self = process.cpuUsage(start.self);
          let postgres = 0;
          // A backend that ended meanwhile is lost (pools keep theirs while busy): a floor.
          for (const [pid, ticks] of await backends())
            postgres += ticks - (start.backends.get(pid) ?? 0);
          const per = (micros: number) => Number((micros / Math.max(1, units)).toFixed(1));
          return { node: per(self.user + self.system), postgres: per(postgres * 10_000) };
        },
      };
    },
  };
}

/**
 * The CPU so far, in clock ticks of 10 ms, of each PostgreSQL backend that connected with
 * `applicationName` and is still alive.
 */
export async function backendTicks(
  sql: SqlExecutor,
  applicationName: string,
): Promise<Map<number, number>> {
  const rows = await sql.query<{ pid: number }>(
    'SELECT pid FROM pg_stat_activity WHERE application_name = $1',
    [applicationName],
  );
  const ticks = new Map<number, number>();
  for (const { pid } of rows) {
    const used = ticksOf(pid);
    if (used !== undefined) ticks.set(pid, used); // ended since the query
  }
  return ticks;
}

function ticksOf(pid: string | number | undefined): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime, clock ticks of 10 ms
  } catch {
    return undefined; // a backend that ended meanwhile
  }
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

/** Waits until every projection has applied the log (from /health); answers how long since `from`. */
export async function caughtUp(base: string, from = performance.now()): Promise<number> {
  for (;;) {
    const health = (await (await fetch(`${base}/health`)).json()) as {
      projections?: { caughtUp: boolean }[];
    };
    if (health.projections?.every((p) => p.caughtUp)) return Math.round(performance.now() - from);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Samples /health every 100 ms until stopped: the largest projection lag (how long the oldest
 * event not yet applied has waited), as p50/p99 over the samples.
 */
export function lagSampler(base: string) {
  const lags: number[] = [];
  let failed = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      try {
        const health = (await (await fetch(`${base}/health`)).json()) as {
          projections?: { lagMs: number }[];
        };
        if (health.projections) lags.push(Math.max(0, ...health.projections.map((p) => p.lagMs)));
        else failed++;
      } catch {
        failed++; // counted, not fatal: a bench must not die and leave its API running
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  return {
    async stop() {
      sampling = false;
      await sampler;
      lags.sort((a, b) => a - b);
      return {
        p50: percentile(lags, 0.5),
        p99: percentile(lags, 0.99),
        samples: lags.length,
        failedSamples: failed,
      };
    },
  };
}

/**
 * POSTs to `path` on `connections` connections for `seconds`, each request with the body made
 * for its number and, when `key` gives one, an Idempotency-Key.
 */
export function postLoad(options: {
  base: string;
  path: string;
  token: string;
  connections: number;
  seconds: number;
  body(n: number): unknown;
  key?(n: number): string | undefined;
}) {
  let counter = 0;
  return autocannon({
    url: `${options.base}${options.path}`,
    connections: options.connections,
    duration: options.seconds,
    requests: [
      {
        method: 'POST',
        setupRequest: (request) => {
          const n = ++counter;
          const key = options.key?.(n);
          return {
            ...request,
            headers: {
              'content-type': 'application/json',
              authorization: `Bearer ${options.token}`,
              ...(key ? { 'idempotency-key': key } : {}),
            },
            body: JSON.stringify(options.body(n)),
          };
        },
      },
    ],
  });
}

/**
 * Runs `measure` against an API of its own, in its own process, on a fresh schema of the
 * PostgreSQL at `url`; stops the API and drops the schema afterwards.
 */
export async function withApi<T>(
  url: string,
  name: string,
  measure: (api: {
    databaseUrl: string;
    base: string;
    process: ChildProcess;
    schema: string;
  }) => Promise<T>,
): Promise<T> {
  const schema = `bench_${name}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.query('CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public');
  const databaseUrl = withSearchPath(url, schema);
  const port = await freePort();
  const api = await startApi(databaseUrl, port);
  try {
    return await measure({ databaseUrl, base: `http://127.0.0.1:${port}`, process: api, schema });
  } finally {
    await stop(api);
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
  }
}
