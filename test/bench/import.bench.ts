import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { Pool } from 'pg';
import type { ImportJob } from '@clientele/imports';
import { adminActions, loadConfig, openRuntime } from '@clientele/runtime';
import type { SqlExecutor } from '@clientele/database';
import { backendTicks, withSearchPath } from './support';

const ROWS = Number(process.env.IMPORT_BENCH_ROWS ?? 100_000);
const FIRST = ['Anna', 'Zoë', 'José', 'Марія', 'Liam', '美咲', 'Émilie', 'Jürgen'];
const LAST = ['Müller', 'García', 'Smith', 'Nguyen', 'Коваленко', '田中', 'Dubois', 'Okafor'];

/** A messy export: BOM, `;`, CRLF, a studio product's headers, quoted fields, blank lines. */
async function writeFile(path: string): Promise<void> {
  const out = createWriteStream(path);
  const write = async (line: string) => {
    if (!out.write(line)) await once(out, 'drain');
  };
  await write('\uFEFF"First Name";"Last Name";"E-Mail Address";"Mobile";"Date of Birth"\r\n');
  for (let i = 0; i < ROWS; i++) {
    const first = FIRST[i % FIRST.length]!;
    const last = LAST[(i * 7) % LAST.length]!;
    const day = String((i % 28) + 1).padStart(2, '0');
    const month = String((i % 12) + 1).padStart(2, '0');
    await write(
      `"${first}";"${last}";client${i}@example.com;+1 555 ${String(i).padStart(7, '0')};${day}.${month}.${1950 + (i % 50)}\r\n`,
    );
    if (i % 10_000 === 0) await write('\r\n');
  }
  out.end();
  await once(out, 'finish');
}

/** What `usage-at-exit` wrote for a command run in its own process. */
interface Usage {
  peakRssKb: number;
  cpuMicros: number;
}

/**
 * `clientele import KIND FILE --studio ID --json` as a studio runs it (`bin/clientele.js`, the
 * CLI's heap bound included), in its own process: the job it printed and, from the process
 * itself at exit, its peak resident memory and CPU time.
 */
async function importByCli(
  databaseUrl: string,
  kind: 'clients' | 'credits',
  path: string,
  studioId: string,
): Promise<{ job: ImportJob; usage: Usage }> {
  const usageFile = join(tmpdir(), `clientele-usage-${randomBytes(4).toString('hex')}.json`);
  const bin = join(__dirname, '..', '..', '..', 'bin', 'clientele.js');
  const child = spawn(bin, ['import', kind, path, '--studio', studioId, '--json'], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      NODE_OPTIONS: `--require ${join(__dirname, 'usage-at-exit.js')}`,
      USAGE_FILE: usageFile,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let printed = '';
  child.stdout.on('data', (chunk) => (printed += chunk));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`clientele import ${kind} exited ${code}`);
  try {
    return {
      job: JSON.parse(printed) as ImportJob,
      usage: JSON.parse(readFileSync(usageFile, 'utf8')) as Usage,
    };
  } finally {
    rmSync(usageFile, { force: true });
  }
}

interface Timed {
  created: number;
  skipped: number;
  errors: number;
  seconds: number;
  rowsPerSecond: number;
  /** CPU per row: the importer's own, and its PostgreSQL backends' (a floor, see `backendCpu`). */
  cpuMicrosPerRow: { importer: number; postgresBackends: number };
  peakRssMb: number;
}

/**
 * A fresh schema with a studio (made in this process) and the clients file written; each import
 * runs by the CLI in a process of its own, projections not running.
 */
async function withImportStudio(
  url: string,
  work: (setup: {
    dir: string;
    clients: string;
    /** Imports FILE by the CLI: rows per second, CPU per row, the importer's peak memory. */
    timed: (kind: 'clients' | 'credits', file: string) => Promise<Timed>;
  }) => Promise<object>,
): Promise<object> {
  const schema = `bench_import_${randomBytes(4).toString('hex')}`;
  const admin = new Pool({ connectionString: url, max: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  const dir = mkdtempSync(join(tmpdir(), 'clientele-import-bench-'));
  const clients = join(dir, 'clients.csv');
  await writeFile(clients);
  // Its own name, so its backends' CPU is told apart from other work on a shared server.
  const databaseUrl = new URL(withSearchPath(url, schema));
  databaseUrl.searchParams.set('application_name', schema);
  const config = { ...loadConfig({}), databaseUrl: databaseUrl.toString(), dataDir: dir };
  const runtime = await openRuntime(config, 'client');
  try {
    const { studioId } = await adminActions['studio.create'](runtime, {
      name: 'Bench Studio',
      currency: 'USD',
      timezone: 'UTC',
      ownerEmail: 'bench@example.com',
    });
    const timed = async (kind: 'clients' | 'credits', file: string): Promise<Timed> => {
      const postgres = backendCpu(runtime.db.sql, schema);
      const started = Date.now();
      const { job, usage } = await importByCli(databaseUrl.toString(), kind, file, studioId);
      const seconds = (Date.now() - started) / 1000;
      const postgresMicros = await postgres.stop();
      console.error(`bench: import ${JSON.stringify(job)} in ${seconds}s`);
      const rows = job.total ?? job.processed;
      const perRow = (micros: number) => Math.round(micros / Math.max(1, rows));
      return {
        created: job.created,
        skipped: job.skipped,
        errors: job.errors,
        seconds,
        rowsPerSecond: Math.round(rows / seconds),
        cpuMicrosPerRow: {
          importer: perRow(usage.cpuMicros),
          postgresBackends: perRow(postgresMicros),
        },
        peakRssMb: Math.round(usage.peakRssKb / 1024),
      };
    };
    return await work({ dir, clients, timed });
  } finally {
    await runtime.close();
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The CPU of the PostgreSQL backends whose `application_name` is NAME, sampled from /proc every
 * 100 ms until `stop`: the command's process has ended by then, and its backends with it, so each
 * counts as last seen (a floor, short by at most a sample's worth). The samples themselves run
 * on one of those connections, a few µs of a row.
 */
function backendCpu(sql: SqlExecutor, name: string) {
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  const sample = async () => {
    for (const [pid, ticks] of await backendTicks(sql, name)) {
      if (!first.has(pid)) first.set(pid, ticks);
      last.set(pid, ticks);
    }
  };
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      await sample();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  return {
    async stop(): Promise<number> {
      sampling = false;
      await sampler;
      let ticks = 0;
      for (const [pid, at] of last) ticks += at - first.get(pid)!;
      return ticks * 10_000; // clock ticks of 10 ms
    },
  };
}

/** The file imported, then the same file again (every row skipped). */
async function firstAndAgain(run: () => Promise<Timed>): Promise<object> {
  const first = await run();
  const again = await run();
  return {
    rows: ROWS,
    first: {
      rowsPerSecond: first.rowsPerSecond,
      cpuMicrosPerRow: first.cpuMicrosPerRow,
      seconds: first.seconds,
      created: first.created,
      errors: first.errors,
      peakRssMb: first.peakRssMb,
    },
    again: {
      rowsPerSecond: again.rowsPerSecond,
      cpuMicrosPerRow: again.cpuMicrosPerRow,
      seconds: again.seconds,
      skipped: again.skipped,
    },
  };
}

/**
 * 100,000 rows imported by `clientele import clients` into a fresh schema: rows per second and
 * the importer's peak resident memory. Then the same file again (every row skipped).
 */
export function benchImport(url: string): Promise<object> {
  return withImportStudio(url, ({ clients, timed }) =>
    firstAndAgain(() => timed('clients', clients)),
  );
}

/**
 * The credits clients have left (ADR 0021), a row per client of the clients file (imported
 * first, not counted): each row finds its client by email and runs ImportCredits on the
 * account. Then the same file again (every row skipped).
 */
export function benchImportCredits(url: string): Promise<object> {
  return withImportStudio(url, async ({ dir, clients, timed }) => {
    await timed('clients', clients);
    const credits = join(dir, 'credits.csv');
    const out = createWriteStream(credits);
    const write = async (line: string) => {
      if (!out.write(line)) await once(out, 'drain');
    };
    await write('\uFEFFE-Mail Address;Credits left;Expiry date;Class type\r\n');
    for (let i = 0; i < ROWS; i++) {
      await write(`client${i}@example.com;${(i % 9) + 1};2099-12-31;yoga\r\n`);
    }
    out.end();
    await once(out, 'finish');
    return firstAndAgain(() => timed('credits', credits));
  });
}
