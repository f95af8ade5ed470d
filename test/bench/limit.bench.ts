import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Pool } from 'pg';

const SECONDS = Number(process.env.LIMIT_BENCH_SECONDS ?? 10);
const CLIENTS = [1, 8, 32];
/** About the size of one of our events' data (a client's registration, sealed). */
const DATA = JSON.stringify({ payload: 'x'.repeat(500) });

/**
 * The limit (issue 8): how many single-row appends a second this PostgreSQL takes on this
 * machine, with nothing of ours in the way. A bare events table (a sequence, a unique
 * stream/revision pair, JSON data) and one INSERT a transaction, by pgbench and by the same
 * statement from Node (`pg`, prepared), at 1, 8 and 32 connections. What the event store and the
 * API reach is read against it.
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
    return { seconds: SECONDS, pgbench, node };
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
