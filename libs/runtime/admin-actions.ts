import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { readClientHistory } from '@clientele/audit';
import {
  failedRowsCsv,
  IMPORT_COLUMNS,
  parseColumnMapping,
  publicJob,
  type DateOrder,
  type ImportJob,
  type ImportKind,
  type ProgressListener,
} from '@clientele/imports';
import {
  seedStudios,
  validSeedOptions,
  type SeedProgress,
  type SeedSummary,
} from '@clientele/seed';
import { InvalidInput, NotFound, RuleViolation, type FieldError } from '@clientele/shared';
import { CreateStudio, CreateStudioHandler } from '@clientele/staff';
import { streamsTouching } from '@projections/audit';
import type { ClienteleConfig } from './config';
import { runningServer } from './embedded';
import { openRuntime, type Runtime } from './runtime';

/**
 * What the CLI does, as named actions over a runtime. The CLI runs an action itself, or — when
 * an API owns the embedded database — asks that API to run it (POST /internal/admin/{action}),
 * so each action has one implementation whichever way it travels.
 */
export const adminActions = {
  async 'studio.create'(runtime: Runtime, args: Record<string, unknown>) {
    const text = (name: string, required = true) => {
      const value = args[name];
      if (value === undefined && !required) return undefined;
      if (typeof value !== 'string') {
        throw new InvalidInput(`--${name} is required.`, [{ field: name, message: 'is required' }]);
      }
      return value;
    };
    const ownerName = text('ownerName', false);
    const input = {
      name: text('name')!,
      currency: text('currency')!,
      timezone: text('timezone')!,
      ownerEmail: text('ownerEmail')!,
      ...(ownerName ? { ownerName } : {}),
    };
    return new CreateStudioHandler(runtime.store).execute(new CreateStudio(input, new Date()));
  },

  /**
   * Rebuilds one projection (`name`) or every one, together from one read of the log, each into
   * new tables beside the live ones, swapped in at the end (ADR 0020): the API keeps serving the
   * old tables meanwhile. `ms` is the whole run's. On the
   * embedded database this runs inside the API process (see `runAdminAction`). Progress goes to
   * `options.progress`, a line now and then.
   */
  async 'projections.rebuild'(
    runtime: Runtime,
    args: Record<string, unknown>,
    options: AdminActionOptions = {},
  ) {
    const known = runtime.runner.names;
    const name = args.name;
    if (name !== undefined && (typeof name !== 'string' || !known.includes(name))) {
      const message = `must be one of: ${known.join(', ')}`;
      throw new InvalidInput(`Unknown projection ${JSON.stringify(name)}; ${message}.`, [
        { field: 'name', message },
      ]);
    }
    // Every projection at once, from one read of the log (ProjectionRunner.rebuildTogether).
    const names = name === undefined ? known : [name];
    const started = Date.now();
    const applied = new Map<string, number>();
    let said = 0;
    const results = await runtime.runner.rebuildTogether(names, (progress) => {
      applied.set(progress.name, progress.eventsApplied);
      if (Date.now() - said < 1000) return;
      said = Date.now();
      const by = [...applied].filter(([, count]) => count > 0);
      options.progress?.(
        `${progress.eventsRead} events read${by.length > 0 ? `; applied: ${by.map(([n, count]) => `${n} ${count}`).join(', ')}` : ''}`,
      );
    });
    const ms = Date.now() - started;
    const rebuilt = names.map((projection) => ({
      name: projection,
      ...results.get(projection)!,
      ms,
    }));
    for (const r of rebuilt) options.progress?.(`${r.name}: rebuilt from ${r.eventsRead} events`);
    return { rebuilt };
  },

  /**
   * Bills membership periods that came due and lapses expired credits, now or as of `asOf` (an
   * ISO time, to catch up after the worker was down). The API and the worker also run it every
   * minute; running it again renews and expires nothing twice.
   */
  async 'accounts.upkeep'(runtime: Runtime, args: Record<string, unknown>) {
    const asOf = asOfArgument(args);
    // The read model that lists due accounts must have reached the log first.
    await runtime.runner.catchUp('client_accounts');
    return runtime.upkeep.runOnce(asOf);
  },

  /**
   * Settles bookings a crash left half done (a lapsed hold, a credit left reserved, a refund
   * owed) and marks the no-shows of sessions that ended. The API and the worker also run it
   * every minute; running it again does nothing twice.
   */
  async 'bookings.upkeep'(runtime: Runtime, args: Record<string, unknown>) {
    const asOf = asOfArgument(args);
    await runtime.runner.catchUp('client_accounts');
    await runtime.runner.catchUp('schedule');
    return runtime.bookingUpkeep.runOnce(asOf);
  },

  /**
   * Sends the notifications due now, or as of `asOf` (an ISO time: due by then), through
   * SMTP_URL or to the log. The API and the worker also send every 2 seconds; running it
   * again sends nothing twice.
   */
  async 'notifications.send'(runtime: Runtime, args: Record<string, unknown>) {
    return runtime.notifications.runOnce(asOfArgument(args));
  },

  /**
   * A client's audit history (ADR 0019): every event of every stream that touched them, and the
   * account folded as of `asOf` (an ISO time, or now). Any studio's client: the CLI has the
   * database, not a studio's token.
   */
  async 'audit.client'(runtime: Runtime, args: Record<string, unknown>) {
    const clientId = args.clientId;
    if (typeof clientId !== 'string' || !UUID.test(clientId)) {
      throw new InvalidInput('The client id must be a UUID.', [
        { field: 'clientId', message: 'must be a UUID' },
      ]);
    }
    const asOf = asOfArgument(args);
    // The read models name the sessions and pairs to read: they reach the log first.
    for (const name of ['schedule', 'client_relationships', 'recurring_registrations']) {
      await runtime.runner.catchUp(name);
    }
    return readClientHistory(runtime.store, streamsTouching(runtime.db), {
      studioId: null,
      clientId,
      asOf,
    });
  },

  /**
   * Imports clients from the CSV file at `path` (on this machine: the CLI's, or the API's that
   * owns the embedded database) into studio `studio` (the only one when left out). The same
   * file's unfinished import is resumed rather than started again. With `options.job` (the CLI
   * running it in its own process) it answers when the job ends; otherwise at once, and the
   * job runs in the background (`imports.show` follows it).
   */
  'imports.clients'(runtime: Runtime, args: Record<string, unknown>, options?: AdminActionOptions) {
    return runImport(runtime, 'clients', args, options);
  },

  /** Imports the credits clients have left (ADR 0021), as `imports.clients` imports clients. */
  'imports.credits'(runtime: Runtime, args: Record<string, unknown>, options?: AdminActionOptions) {
    return runImport(runtime, 'credits', args, options);
  },

  /** Imports the memberships clients hold (ADR 0021), as `imports.clients` imports clients. */
  'imports.memberships'(
    runtime: Runtime,
    args: Record<string, unknown>,
    options?: AdminActionOptions,
  ) {
    return runImport(runtime, 'memberships', args, options);
  },

  /** An import job of the studio, as `GET /v1/imports/{id}` answers it. */
  async 'imports.show'(runtime: Runtime, args: Record<string, unknown>) {
    const studioId = await studioArgument(runtime, args.studio);
    return publicJob(await runtime.imports.jobs.get(studioId, String(args.id)));
  },

  /** Writes the job's failed rows, with their reasons, as a CSV file at `path`. */
  async 'imports.errors'(runtime: Runtime, args: Record<string, unknown>) {
    const studioId = await studioArgument(runtime, args.studio);
    const job = await runtime.imports.jobs.get(studioId, String(args.id));
    await pipeline(failedRowsCsv(runtime.imports.jobs, job), createWriteStream(String(args.path)));
    return { path: String(args.path), rows: job.errors };
  },

  /**
   * Seeds an empty database with studios, their clients and a year (`months`) of their
   * history, through the command handlers (libs/seed). With `options.seed` (the CLI running it
   * in its own process) it answers when done; otherwise at once, and it runs in the background
   * (`dev.seed.show` follows it), as an import does.
   */
  async 'dev.seed'(
    runtime: Runtime,
    args: Record<string, unknown>,
    options: AdminActionOptions = {},
  ) {
    const seedOptions = validSeedOptions(args);
    const events = await countEvents(runtime);
    if (events !== null && events > 0) {
      throw new DatabaseNotEmpty(events);
    }
    const job: SeedJob = {
      id: randomUUID(),
      status: 'running',
      progress: null,
      summary: null,
      error: null,
    };
    seedJobs.set(job.id, job);
    const ports = {
      store: runtime.store,
      gateway: runtime.gateway,
      async upkeep(now: Date) {
        await runtime.runner.catchUp('client_accounts');
        await runtime.runner.catchUp('schedule');
        const accounts = await runtime.upkeep.runOnce(now);
        const bookings = await runtime.bookingUpkeep.runOnce(now);
        const failed = [...accounts.failed, ...bookings.failed];
        if (failed.length > 0) throw new Error(`upkeep failed: ${JSON.stringify(failed[0])}`);
        return {
          renewals: accounts.renewals,
          expiredGrants: accounts.expiredGrants,
          noShows: bookings.noShows,
        };
      },
      catchUp: async () => {
        await runtime.runner.catchUp();
        await runtime.runner.analyze();
      },
      countEvents: () => countEvents(runtime),
    };
    const running = runtime
      .withoutTimedUpkeep(() =>
        seedStudios(ports, seedOptions, (progress) => {
          job.progress = progress;
          options.seed?.(progress);
        }),
      )
      .then(
        (summary) => Object.assign(job, { status: 'done', summary }),
        (error: unknown) =>
          Object.assign(job, {
            status: 'failed',
            error: error instanceof Error ? error.message : String(error),
          }),
      );
    if (!options.seed) return { ...job };
    await running;
    return { ...job };
  },

  /** A seed running in this process, as `dev.seed` answered it, now. */
  async 'dev.seed.show'(_runtime: Runtime, args: Record<string, unknown>) {
    const job = seedJobs.get(String(args.id));
    if (!job) throw new NotFound('seed', String(args.id));
    return { ...job };
  },

  /** Each projection's checkpoint and events applied, as its runner sees them. */
  async 'projections.status'(runtime: Runtime) {
    return runtime.runner.status();
  },
} satisfies Record<string, (runtime: Runtime, args: Record<string, unknown>) => Promise<unknown>>;

async function runImport(
  runtime: Runtime,
  kind: ImportKind,
  args: Record<string, unknown>,
  options: AdminActionOptions = {},
): Promise<ImportJob> {
  const mapping = parseColumnMapping(
    typeof args.map === 'string' ? args.map : '',
    IMPORT_COLUMNS[kind],
  );
  const studioId = await studioArgument(runtime, args.studio);
  const path = String(args.path);
  const dryRun = args.dryRun === true;
  const dateOrder = (args.dateOrder ?? 'auto') as DateOrder;
  if (!['auto', 'dmy', 'mdy'].includes(dateOrder)) {
    throw new InvalidInput('--date-order must be auto, dmy or mdy.', [
      { field: 'dateOrder', message: 'must be auto, dmy or mdy' },
    ]);
  }
  const resumed = dryRun ? null : await runtime.imports.unfinishedOf(studioId, kind, path);
  const job =
    resumed ??
    (await runtime.imports.create({
      id: randomUUID(),
      kind,
      studioId,
      actor: { type: 'system', id: 'cli' },
      dryRun,
      fileName: path.split(/[\\/]/).pop() ?? path,
      filePath: path,
      mapping,
      dateOrder,
    }));
  if (options.job) return runtime.imports.start(job, options.job);
  void runtime.imports.start(job).catch(() => undefined);
  return publicJob(job);
}

export type AdminActionResult<A extends AdminAction> = Awaited<
  ReturnType<(typeof adminActions)[A]>
>;

export type AdminAction = keyof typeof adminActions;

export function isAdminAction(name: string): name is AdminAction {
  return Object.hasOwn(adminActions, name);
}

/** An action that the API ran and refused: its problem document, readable in a terminal. */
export class RemoteActionFailed extends Error {
  constructor(
    message: string,
    readonly errors: FieldError[],
  ) {
    super(message);
  }
}

/**
 * What an action run in this process may tell as it goes. Arguments are JSON (they may travel to
 * a running API); these callbacks only reach an action run in the caller's process.
 */
export interface AdminActionOptions {
  /** A long action's progress, a line now and then (a rebuild). */
  progress?: (line: string) => void;
  /** An import job as it moves: the action then answers when the job ends. */
  job?: ProgressListener;
  /** A seed as it goes: the action then answers when the seed ends. */
  seed?: (progress: SeedProgress) => void;
}

export interface SeedJob {
  id: string;
  status: 'running' | 'done' | 'failed';
  progress: SeedProgress | null;
  summary: SeedSummary | null;
  error: string | null;
}

/** Seeds this process runs or ran (a dev tool's: kept until the process ends). */
const seedJobs = new Map<string, SeedJob>();

export class DatabaseNotEmpty extends RuleViolation {
  constructor(events: number) {
    super(
      'database_not_empty',
      `dev seed fills an empty database, and this one holds ${events} events: point CLIENTELE_DATA_DIR or DATABASE_URL at a fresh one.`,
    );
  }
}

/** Events in the log; null on EventStoreDB, where counting means reading them all. */
async function countEvents(runtime: Runtime): Promise<number | null> {
  if (runtime.config.eventStoreUrl) return null;
  const [row] = await runtime.db.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM events');
  return row!.n;
}

export async function runAdminAction<A extends AdminAction>(
  config: ClienteleConfig,
  action: A,
  args: Record<string, unknown>,
  options: AdminActionOptions = {},
): Promise<AdminActionResult<A>> {
  const server = config.databaseUrl ? null : runningServer(config.dataDir);
  if (server) {
    const response = await fetch(`${server.url}/internal/admin/${action}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-clientele-admin-secret': server.adminSecret,
      },
      body: JSON.stringify(args),
    });
    const body = (await response.json()) as Record<string, unknown>;
    if (!response.ok) {
      throw new RemoteActionFailed(
        String(body.detail ?? response.statusText),
        (body.errors as FieldError[]) ?? [],
      );
    }
    return body as never;
  }
  const runtime = await openRuntime(config, 'client');
  try {
    return (await adminActions[action](runtime, args, options)) as AdminActionResult<A>;
  } finally {
    await runtime.close();
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** `--studio`: a studio's id, or, left out, the only studio there is. */
async function studioArgument(runtime: Runtime, given: unknown): Promise<string> {
  await runtime.runner.catchUp('staff_directory');
  const rows = (await runtime.db.kysely
    .selectFrom('studios')
    .select(['studio_id', 'name'])
    .orderBy('name')
    .execute()) as { studio_id: string; name: string }[];
  if (typeof given === 'string') {
    if (!rows.some((row) => row.studio_id === given)) throw new NotFound('studio', given);
    return given;
  }
  if (rows.length === 1) return rows[0]!.studio_id;
  const listed = rows.map((row) => `${row.studio_id} (${row.name})`).join(', ') || 'none yet';
  throw new InvalidInput(`Say which studio with --studio; the studios are: ${listed}.`, [
    { field: 'studio', message: 'is required when there is not exactly one studio' },
  ]);
}

/** `--as-of`: an ISO time to run as of, or now. */
function asOfArgument(args: Record<string, unknown>): Date {
  if (args.asOf === undefined) return new Date();
  const asOf = new Date(String(args.asOf));
  if (typeof args.asOf !== 'string' || Number.isNaN(asOf.getTime())) {
    throw new InvalidInput('--as-of must be an ISO 8601 time.', [
      { field: 'asOf', message: 'must be an ISO 8601 time' },
    ]);
  }
  return asOf;
}
