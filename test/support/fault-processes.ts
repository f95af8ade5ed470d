import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '@clientele/database';
import { loadConfig, openRuntime, type Runtime } from '@clientele/runtime';
import { seeded } from './openapi-routes';

/**
 * What the fault tests share: the code compiled as `npm run build` compiles it, for child
 * processes to run and be killed (SIGKILL); one database for the test and its children (a PGlite
 * folder, or a schema of its own on DATABASE_URL); and kill timings that are random but replay
 * with FAULT_SEED.
 */
const ROOT = join(__dirname, '../..');

/** Compiles the code into `dist/<folder>` (one per test file: suites run side by side). */
export function compileForChildren(folder: string): string {
  const out = join(ROOT, 'dist', folder);
  execFileSync(
    join(ROOT, 'node_modules/.bin/swc'),
    ['apps', 'libs', 'projections', 'test/support', '-d', out, '--copy-files', '--quiet'].concat([
      '--config-file',
      '.swcrc',
      '--ignore',
      '**/*.spec.ts',
    ]),
    { cwd: ROOT },
  );
  return out;
}

/** The database a fault test and the processes it kills share, and their environment. */
export interface FaultDatabase {
  /** The data folder: the embedded database's, and where uploads wait for their import. */
  dataDir: string;
  /** On PostgreSQL: the test's own schema. */
  schema?: string;
  /** A runtime of this process on it (the embedded folder: only while no child holds it). */
  open(): Promise<Runtime>;
  /** What a child's environment needs to run Clientele on it. */
  env: Record<string, string>;
  drop(): Promise<void>;
}

export function faultDatabase(): FaultDatabase {
  const url = process.env.DATABASE_URL;
  const dataDir = mkdtempSync(join(tmpdir(), 'clientele-fault-'));
  const base = { CLIENTELE_DATA_DIR: dataDir, READ_CONSISTENCY_TIMEOUT_MS: '5000' };
  if (!url) {
    return {
      dataDir,
      open: () => openRuntime(loadConfig(base), 'server'),
      env: base,
      drop: async () => rmSync(dataDir, { recursive: true, force: true }),
    };
  }
  const schema = `t_${randomBytes(6).toString('hex')}`;
  // A child's own pool reaches the schema through DATABASE_URL (openDatabase keeps `options`).
  const childUrl = new URL(url);
  childUrl.searchParams.set('options', `-c search_path=${schema},public`);
  return {
    dataDir,
    schema,
    async open() {
      const database = await openDatabase({ url, schema, poolSize: 12 });
      const runtime = await openRuntime(loadConfig(base), 'server', { database });
      return { ...runtime, close: async () => (await runtime.close(), await database.close()) };
    },
    env: { ...base, DATABASE_URL: childUrl.toString() },
    async drop() {
      rmSync(dataDir, { recursive: true, force: true });
      const db = await openDatabase({ url });
      await db.sql.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await db.close();
    },
  };
}

/** A child process of the compiled code, its output kept for the failure message. */
export interface Child {
  process: ChildProcess;
  output(): string;
  /** Resolves when a line of its output contains `text`; rejects if it exits first. */
  said(text: string, timeoutMs?: number): Promise<void>;
  /** SIGKILL: no handler runs, nothing is flushed or closed. Resolves once it is gone. */
  kill(): Promise<void>;
}

export function startChild(script: string, args: string[], env: Record<string, string>): Child {
  const child = spawn(process.execPath, [script, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const listeners = new Set<() => void>();
  const hear = (chunk: Buffer) => {
    output += chunk.toString();
    for (const listener of [...listeners]) listener();
  };
  child.stdout!.on('data', hear);
  child.stderr!.on('data', hear);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    process: child,
    output: () => output,
    said(text, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const done = (error?: Error) => {
          clearTimeout(timer);
          listeners.delete(check);
          child.off('exit', gone);
          if (error) reject(error);
          else resolve();
        };
        const check = () => {
          if (output.includes(text)) done();
        };
        const gone = () => done(new Error(`the child exited before saying "${text}":\n${output}`));
        const timer = setTimeout(
          () => done(new Error(`the child never said "${text}":\n${output}`)),
          timeoutMs,
        );
        listeners.add(check);
        child.once('exit', gone);
        check();
      });
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** A port free now on the loopback, for an API child to listen on. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * Kill timings: random, from FAULT_SEED when set (to replay a failure), printed either way.
 */
export function faultRandom(test: string): () => number {
  const seed = Number(process.env.FAULT_SEED ?? Math.floor(Math.random() * 2 ** 31));
  console.warn(`${test}: FAULT_SEED=${seed}`);
  return seeded(seed);
}

/**
 * A fault test file's setup: the code compiled into `dist/<folder>` and a database of its own,
 * dropped at the end. Read `out` and `db` inside tests.
 */
export function faultSuite(folder: string): { out: string; db: FaultDatabase } {
  const suite = {} as { out: string; db: FaultDatabase };
  beforeAll(() => {
    suite.out = compileForChildren(folder);
    suite.db = faultDatabase();
  }, 120_000);
  afterAll(() => suite.db.drop());
  return suite;
}
