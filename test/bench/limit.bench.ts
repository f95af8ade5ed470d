import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Pool } from 'pg';
import autocannon from 'autocannon';
import { cpuMeter, freePort, startNode, stop } from './support';

const SECONDS = Number(process.env.LIMIT_BENCH_SECONDS ?? 10);
const CLIENTS = [1, 8, 32];
/** The servers of limit-http-server.ts, each loaded as the command mix is (32 connections). */
const HTTP_SERVERS = ['node', 'nest', 'nest-batched', 'nest-no-append'] as const;
/** About the size of one of our events' data (a client's registration, sealed). */
const DATA = JSON.stringify({ payload: 'x'.repeat(500) });

/**
 * The limit (issue 8): how many single-row appends a second this PostgreSQL takes on this
 * machine, with nothing of ours in the way. A bare events table (a sequence, a unique
 * stream/revision pair, JSON data) and one INSERT a transaction, by pgbench and by the same
 * statement from Node (`pg`, prepared), at 1, 8 and 32 connections; then the same append as the
 * whole of an HTTP request, loaded as the command mix is, by node:http and by NestJS. What the
 * event store and the API reach is read against it.
 */
export async function benchLimit(url: string): Promise<object> {
  const schema = `bench_limit_${randomBytes(4).toString('hex')}`;
  const admin = new Pool({ connectionString: url, max: 1 });
  const dir = mkdtempSync(join(tmpdir(), 'clientele-limit-'));
  try {
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.query(`CREATE TABLE ${schema}.events (
      global_position bigserial PRIMARY KEY,
      stream_name text NOT NULL,
      revision bigint NOT NULL,
      type text NOT NULL,
      data jsonb NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (stream_name, revision))`);
    const script = join(dir, 'append.sql');
    writeFileSync(
      script,
      `\\set n random(1, 1000000000000)\nINSERT INTO ${schema}.events (stream_name, revision, type, data) VALUES ('s-' || :client_id || '-' || :n, 0, 'Bench', '${DATA}');\n`,
    );
    const pgbench: Record<string, object> = {};
    const node: Record<string, object> = {};
    for (const clients of CLIENTS) {
      pgbench[`${clients} connections`] = await runPgbench(url, script, clients);
      node[`${clients} connections`] = await runNode(url, schema, clients);
      console.error(
        `bench: limit ${clients}: pgbench ${JSON.stringify(pgbench[`${clients} connections`])} node ${JSON.stringify(node[`${clients} connections`])}`,
      );
    }
    const http: Record<string, object> = {};
    for (const server of HTTP_SERVERS) {
      http[server] = await runHttp(url, `${schema}.events`, server);
      console.error(`bench: limit over HTTP, ${server}: ${JSON.stringify(http[server])}`);
    }
    return { seconds: SECONDS, pgbench, node, http };
  } finally {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runPgbench(url: string, script: string, clients: number): Promise<object> {
  const target = new URL(url);
  const { stdout } = await promisify(execFile)('pgbench', [
    '--no-vacuum',
    '--protocol=prepared',
    `--client=${clients}`,
    `--jobs=${Math.min(clients, 2)}`,
    `--time=${SECONDS}`,
    `--file=${script}`,
    `--host=${target.hostname}`,
    `--port=${target.port || '5432'}`,
    `--username=${decodeURIComponent(target.username) || 'postgres'}`,
    target.pathname.slice(1),
  ]);
  const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(stdout);
  const latency = /latency average = ([\d.]+) ms/.exec(stdout);
  if (!tps || !latency) throw new Error(`pgbench said something else:\n${stdout}`);
  return { appendsPerSecond: Math.round(Number(tps[1])), latencyAverageMs: Number(latency[1]) };
}

async function runNode(url: string, schema: string, clients: number): Promise<object> {
  const pool = new Pool({ connectionString: url, max: clients });
  const insert = {
    name: 'limit_append',
    text: `INSERT INTO ${schema}.events (stream_name, revision, type, data) VALUES ($1, 0, 'Bench', $2)`,
  };
  const latencies: number[] = [];
  // A second of warm-up (connections, the prepared statement, the JIT) is not counted.
  const from = performance.now() + 1000;
  const until = from + SECONDS * 1000;
  try {
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (performance.now() < until) {
          const started = performance.now();
          await pool.query({ ...insert, values: [`s-${randomBytes(8).toString('hex')}`, DATA] });
          if (started >= from) latencies.push(performance.now() - started);
        }
      }),
    );
  } finally {
    await pool.end();
  }
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Number(latencies[Math.floor(q * (latencies.length - 1))]!.toFixed(2));
  return {
    appendsPerSecond: Math.round(latencies.length / SECONDS),
    p50Ms: at(0.5),
    p99Ms: at(0.99),
  };
}

/**
 * One append a request over HTTP, with autocannon on 32 connections setting up each request as
 * the command mix does (its own Idempotency-Key, a bearer token, a new email). Any request that
 * fails fails the bench: the figure counts appends made.
 */
async function runHttp(url: string, table: string, server: string): Promise<object> {
  const port = await freePort();
  const child = await startNode(
    `the ${server} server`,
    [join(__dirname, 'limit-http-server.js'), server],
    { DATABASE_URL: url, LIMIT_TABLE: table, PORT: String(port) },
    'listening',
  );
  try {
    let n = 0;
    const load = (seconds: number) =>
      new Promise<autocannon.Result>((resolve, reject) => {
        const request: autocannon.Request = {
          method: 'POST',
          path: '/v1/clients',
          setupRequest: (request) => ({
            ...request,
            headers: {
              'content-type': 'application/json',
              authorization: 'Bearer limit',
              'idempotency-key': `limit-${server}-${++n}`,
            },
            body: JSON.stringify({
              firstName: `Limit${n}`,
              lastName: 'Bench',
              email: `l${n}@bench.example`,
            }),
          }),
        };
        autocannon(
          {
            url: `http://127.0.0.1:${port}`,
            connections: 32,
            duration: seconds,
            requests: [request],
          },
          (error, result) => (error ? reject(error) : resolve(result)),
        );
      });
    await load(2); // warm-up: connections, the JIT, the prepared statement
    const cpu = cpuMeter(child);
    const result = await load(SECONDS);
    const { api, postgres, loadGenerator } = cpu.perRequest(result.requests.total);
    const failed = result.non2xx + result.errors + result.timeouts;
    if (failed > 0) throw new Error(`the ${server} server failed ${failed} requests`);
    return {
      requestsPerSecond: Math.round(result.requests.total / SECONDS),
      latencyMs: { p50: result.latency.p50, p99: result.latency.p99 },
      cpuMicrosecondsPerRequest: { server: api, postgres, loadGenerator },
    };
  } finally {
    await stop(child);
  }
}
