import 'reflect-metadata';
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ImportJob, ImportKind } from '@clientele/imports';
import {
  failureText,
  loadConfig,
  RemoteActionFailed,
  runAdminAction,
  runningServer,
  type SeedJob,
} from '@clientele/runtime';
import type { SeedProgress } from '@clientele/seed';
import { accountSummary, timeline, timelineCsv } from '@clientele/audit';
import { ClienteleError, InvalidInput } from '@clientele/shared';
import { SingleBar, Presets } from 'cli-progress';
import { Command, CommanderError } from 'commander';

export function buildProgram(): Command {
  const program = new Command('clientele')
    .description('Clientele: the event-sourced client account of a studio')
    .showHelpAfterError()
    .exitOverride();

  const studio = program.command('studio').description('Studios');
  studio
    .command('create')
    .description('Create a studio and its owner; prints the owner’s token once')
    .requiredOption('--name <name>', 'the studio’s name')
    .requiredOption('--currency <code>', 'ISO 4217 currency, e.g. USD')
    .requiredOption('--timezone <zone>', 'IANA time zone, e.g. America/New_York')
    .requiredOption('--owner-email <email>', 'the owner’s email')
    .option('--owner-name <name>', 'the owner’s name')
    .option('--json', 'print {"studioId", "token"} as JSON')
    .action(
      async (options: {
        name: string;
        currency: string;
        timezone: string;
        ownerEmail: string;
        ownerName?: string;
        json?: boolean;
      }) => {
        const { json: _json, ...args } = options;
        const result = await runAdminAction(loadConfig(), 'studio.create', args);
        if (options.json) {
          console.log(JSON.stringify({ studioId: result.studioId, token: result.token }));
          return;
        }
        console.log(`Studio ${result.studioId} created.`);
        console.log(`Owner token (shown once, keep it safe): ${result.token}`);
        console.log(`Try: curl -H "Authorization: Bearer ${result.token}" ${apiUrl()}/v1/studio`);
      },
    );

  const projections = program.command('projections').description('Read models fed by the log');
  projections
    .command('rebuild')
    .description(
      'Replay the whole log into new tables for a projection (or every one) and swap them in; the API keeps serving the old ones meanwhile',
    )
    .argument('[name]', 'the projection to rebuild; every one when absent')
    .option('--json', 'print {"rebuilt": [{"name", "eventsRead", "eventsApplied", "ms"}]} as JSON')
    .action(async (name: string | undefined, options: { json?: boolean }) => {
      // Progress on stderr, so --json output stays clean; the API prints it when it runs this.
      const result = await runAdminAction(
        loadConfig(),
        'projections.rebuild',
        name === undefined ? {} : { name },
        { progress: (line) => console.error(line) },
      );
      if (options.json) {
        console.log(JSON.stringify(result));
        return;
      }
      const [first] = result.rebuilt;
      // Several are rebuilt together, from one read: the events and the time are the run's.
      if (first && result.rebuilt.length > 1) {
        console.log(
          `Rebuilt ${result.rebuilt.length} projections together from ${first.eventsRead} events in ${first.ms} ms:`,
        );
      }
      for (const r of result.rebuilt) {
        console.log(
          result.rebuilt.length > 1
            ? `  ${r.name}: ${r.eventsApplied} applied`
            : `${r.name}: rebuilt from ${r.eventsRead} events (${r.eventsApplied} applied) in ${r.ms} ms`,
        );
      }
    });
  projections
    .command('status')
    .description('Where each projection stands in the log')
    .option('--json', 'print the status of each projection as JSON')
    .action(async (options: { json?: boolean }) => {
      const result = await runAdminAction(loadConfig(), 'projections.status', {});
      if (options.json) {
        console.log(JSON.stringify(result));
        return;
      }
      for (const s of result) {
        const parts = [
          `${s.eventsApplied} events applied`,
          `checkpoint ${s.checkpoint ?? 'none (not started)'}`,
          ...(s.lastLagMs !== null ? [`lag ${s.lastLagMs} ms`] : []),
          ...(s.lastError !== null ? [`last error: ${s.lastError}`] : []),
        ];
        console.log(`${s.name}: ${parts.join(', ')}`);
      }
    });

  const accounts = program.command('accounts').description('Client accounts');
  accounts
    .command('upkeep')
    .description(
      'Bill membership periods that came due, lapse expired credits and give back card charges nothing recorded (safe to repeat)',
    )
    .option('--as-of <time>', 'ISO 8601 time to run as of (default: now)')
    .option('--json', 'print the report as JSON')
    .action(async (options: { asOf?: string; json?: boolean }) => {
      const result = await runAdminAction(
        loadConfig(),
        'accounts.upkeep',
        options.asOf === undefined ? {} : { asOf: options.asOf },
      );
      if (options.json) {
        console.log(JSON.stringify(result));
        return;
      }
      console.log(
        `${result.accounts} accounts kept: ${result.renewals} membership periods billed (${result.charged} charged to a saved card), ${result.expiredGrants} grants expired`,
      );
      for (const charge of result.givenBack) {
        console.log(
          `${charge.clientId}: card charge ${charge.reference} that nothing recorded given back (${charge.amount.amount} ${charge.amount.currency} minor units)`,
        );
      }
      for (const refused of result.declined) {
        console.error(
          `${refused.clientId}: renewal bill ${refused.billId} not paid: ${refused.code}`,
        );
      }
      for (const failure of result.failed) console.error(`${failure.clientId}: ${failure.error}`);
    });

  const bookings = program.command('bookings').description('Bookings');
  bookings
    .command('upkeep')
    .description(
      'Settle bookings a crash left half done, mark the no-shows of ended sessions, book recurring registrations (safe to repeat)',
    )
    .option('--as-of <time>', 'ISO 8601 time to run as of (default: now)')
    .option('--json', 'print the report as JSON')
    .action(async (options: { asOf?: string; json?: boolean }) => {
      const result = await runAdminAction(
        loadConfig(),
        'bookings.upkeep',
        options.asOf === undefined ? {} : { asOf: options.asOf },
      );
      if (options.json) {
        console.log(JSON.stringify(result));
        return;
      }
      console.log(
        `${result.settled} places settled; ${result.sessionsClosed} sessions closed with ${result.noShows} no-shows; recurring registrations booked ${result.recurringBooked} sessions, ${result.recurringFailed} could not be booked`,
      );
      for (const failure of result.failed) {
        console.error(`session ${failure.sessionId}: ${failure.error}`);
      }
    });

  const notifications = program.command('notifications').description('Mail to clients');
  notifications
    .command('send')
    .description(
      'Send the notifications due now through SMTP_URL (to the log without it); failures wait and are tried again (safe to repeat)',
    )
    .option('--as-of <time>', 'ISO 8601 time to run as of (default: now)')
    .option('--json', 'print {"sent", "retrying", "failed"} as JSON')
    .action(async (options: { asOf?: string; json?: boolean }) => {
      const result = await runAdminAction(
        loadConfig(),
        'notifications.send',
        options.asOf === undefined ? {} : { asOf: options.asOf },
      );
      if (options.json) {
        console.log(JSON.stringify(result));
        return;
      }
      console.log(
        `${result.sent} notifications sent, ${result.retrying} to try again later, ${result.failed} given up (GET /v1/clients/{id}/notifications says why)`,
      );
    });

  const audit = program.command('audit').description('Replay the log for an auditor');
  audit
    .command('client')
    .description(
      'A client’s timeline: every event of every stream that touched them (and the clients merged into them), and the account as it stood',
    )
    .argument('<id>', 'the client’s id')
    .option('--as-of <time>', 'ISO 8601 time to replay to (default: now)')
    .option('--format <format>', 'text (a line per event), json or csv', 'text')
    .action(async (clientId: string, options: { asOf?: string; format: string }) => {
      if (!['text', 'json', 'csv'].includes(options.format)) {
        throw new InvalidInput('--format must be text, json or csv.', [
          { field: 'format', message: 'must be text, json or csv' },
        ]);
      }
      const history = await runAdminAction(loadConfig(), 'audit.client', {
        clientId,
        ...(options.asOf === undefined ? {} : { asOf: options.asOf }),
      });
      if (options.format === 'json') {
        console.log(JSON.stringify(history, null, 2));
        return;
      }
      const lines = timeline(history);
      if (options.format === 'csv') {
        console.log(timelineCsv(lines));
        return;
      }
      for (const line of lines) {
        console.log(
          `${line.at}  ${line.actor.padEnd(44)}  ${line.stream.padEnd(50)}  ${line.what}`,
        );
      }
      for (const line of accountSummary(history)) console.log(line);
    });
  const imports = program.command('import').description('Bring data from another product');
  const kinds: { kind: ImportKind; description: string; map: string }[] = [
    {
      kind: 'clients',
      description:
        'Import clients from a CSV file: columns matched by their headers, or by --map; the same file again creates no one, and an import that stopped resumes',
      map: 'email=E-mail,firstName=First,…',
    },
    {
      kind: 'credits',
      description:
        'Import the credits clients have left in another product (import the clients first): email, the pack (name or id) or the event types of a plain count, the credits left, their expiry, the purchase date; recorded as imported with their row, nothing sold; the same file again adds nothing',
      map: 'email=E-mail,product=Pass,remaining=Classes left,expiresOn=Valid until,…',
    },
    {
      kind: 'memberships',
      description:
        'Import the memberships clients hold in another product (import the clients first): email, the membership (name or id), start date, next payment date, a freeze (from, until); the first renewal bills on the next payment date; the same file again adds nothing',
      map: 'email=E-mail,product=Membership,startsOn=Start,nextPaymentDue=Next billing date,…',
    },
  ];
  for (const { kind, description, map } of kinds) {
    imports
      .command(kind)
      .description(description)
      .argument('<file>', 'the CSV file (UTF-8, `,` `;` or tab, a header row)')
      .option('--map <mapping>', `which column is which: ${map}`)
      .option('--dry-run', 'check every row and report; write nothing')
      .option(
        '--date-order <order>',
        'how dates with slashes are written: auto, dmy or mdy',
        'auto',
      )
      .option('--studio <id>', 'the studio (needed when there are several)')
      .option('--json', 'print the job as JSON')
      .action(
        async (
          file: string,
          options: {
            map?: string;
            dryRun?: boolean;
            dateOrder: string;
            studio?: string;
            json?: boolean;
          },
        ) => {
          const path = resolve(file);
          if (!existsSync(path) || !statSync(path).isFile()) {
            throw new InvalidInput(`No file at ${path}.`, [
              { field: 'file', message: 'not found' },
            ]);
          }
          const config = loadConfig();
          const bar = new SingleBar(
            {
              format:
                '{bar} {value}/{total} rows | {created} created, {updated} updated, {skipped} skipped, {errors} failed',
              hideCursor: true,
            },
            Presets.shades_classic,
          );
          let shown = false;
          const show = (job: ImportJob) => {
            const counts = {
              created: job.created,
              updated: job.updated,
              skipped: job.skipped,
              errors: job.errors,
            };
            if (!shown) bar.start(job.total ?? 0, job.processed, counts);
            shown = true;
            bar.setTotal(job.total ?? 0);
            bar.update(job.processed, counts);
          };
          const args = {
            path,
            dateOrder: options.dateOrder,
            ...(options.map !== undefined ? { map: options.map } : {}),
            ...(options.dryRun ? { dryRun: true } : {}),
            ...(options.studio !== undefined ? { studio: options.studio } : {}),
          };
          let job: ImportJob;
          try {
            job = await runAdminAction(config, `imports.${kind}`, args, { job: show });
            // An API that owns the database runs it in the background: follow it there.
            while (job.status === 'queued' || job.status === 'running') {
              show(job);
              await new Promise((next) => setTimeout(next, 250));
              job = await runAdminAction(config, 'imports.show', {
                id: job.id,
                studio: job.studioId,
              });
            }
            if (shown) show(job);
          } finally {
            bar.stop();
          }
          let errorsFile: string | null = null;
          if (job.errors > 0) {
            errorsFile = `${path}.errors.csv`;
            await runAdminAction(config, 'imports.errors', {
              id: job.id,
              studio: job.studioId,
              path: errorsFile,
            });
          }
          if (options.json) {
            console.log(JSON.stringify({ ...job, errorsFile }));
            return;
          }
          if (job.status === 'failed') {
            throw new InvalidInput(
              `The import stopped: ${job.error}. Run the same command again to resume it.`,
            );
          }
          const verb = job.dryRun ? 'Dry run of' : 'Imported';
          console.log(
            `${verb} ${job.fileName}: ${counted(job.total ?? 0, 'row')} — ${job.created} created, ${job.updated} updated, ${job.skipped} skipped, ${job.errors} failed (job ${job.id}).`,
          );
          console.log(
            `Columns: ${Object.entries(job.columns)
              .map(([field, header]) => `${field} ← "${header}"`)
              .join(', ')}.`,
          );
          if (job.ignoredHeaders.length > 0) {
            console.log(
              `Not imported: ${job.ignoredHeaders.map((h) => `"${h}"`).join(', ')} (no field is read from ${job.ignoredHeaders.length === 1 ? 'it' : 'them'}; --map can name one).`,
            );
          }
          if (errorsFile) console.log(`The failed rows and why: ${errorsFile}`);
        },
      );
  }

  const dev = program.command('dev').description('Tools for trying Clientele out');
  dev
    .command('seed')
    .description(
      'Fill an empty database with studios, their catalogs, timetables and clients, and months of their history (sales, bookings, cancellations, refunds, check-ins, waivers), through the same commands the API runs',
    )
    .option('--clients <n>', 'clients in all, spread over the studios', '100000')
    .option('--months <n>', 'months of history, ending today', '12')
    .option('--studios <n>', 'studios, of uneven sizes', '4')
    .option('--seed <n>', 'the same seed makes the same dataset', '1')
    .option('--concurrency <n>', 'commands in flight at once', '24')
    .option('--json', 'print the summary as JSON')
    .action(
      async (options: {
        clients: string;
        months: string;
        studios: string;
        seed: string;
        concurrency: string;
        json?: boolean;
      }) => {
        const config = loadConfig();
        const { json: _json, ...args } = options;
        const bar = new SingleBar(
          {
            format: '{bar} {phase} {value}/{total} | {clients} clients, {events} events',
            hideCursor: true,
          },
          Presets.shades_classic,
        );
        let shown = false;
        const show = (progress: SeedProgress | null) => {
          if (!progress) return;
          const phase = progress.phase === 'days' ? 'days' : 'read models';
          const counts = { phase, clients: progress.clients, events: progress.events };
          if (!shown) bar.start(progress.total, progress.done, counts);
          shown = true;
          bar.setTotal(progress.total);
          bar.update(progress.done, counts);
        };
        let job: SeedJob;
        try {
          job = await runAdminAction(config, 'dev.seed', args, { seed: show });
          // An API that owns the database runs it in the background: follow it there.
          while (job.status === 'running') {
            show(job.progress);
            await new Promise((next) => setTimeout(next, 500));
            job = await runAdminAction(config, 'dev.seed.show', { id: job.id });
          }
        } finally {
          bar.stop();
        }
        if (job.status === 'failed' || !job.summary) {
          throw new Error(`The seed stopped: ${job.error}`);
        }
        const summary = job.summary;
        if (options.json) {
          console.log(JSON.stringify(summary));
          return;
        }
        console.log(
          `Seeded ${counted(summary.studios.length, 'studio')} in ${summary.seconds} s: ${summary.eventsAppended} events (${summary.eventsPerSecond} events/s while writing; the read models took ${summary.projectionSeconds} s more).`,
        );
        console.log(
          `${summary.clients} clients, ${summary.products} products, ${summary.sessions} sessions, ${summary.sales} sales, ${summary.enrollments} enrollments, ${summary.cancellations} cancellations, ${summary.refunds} refunds, ${summary.checkIns} check-ins, ${summary.noShows} no-shows, ${summary.waiversSigned} waivers signed, ${summary.membershipRenewals} membership renewals, ${summary.creditsExpired} credit grants expired.`,
        );
        const refused = Object.entries(summary.refused);
        if (refused.length > 0) {
          console.log(
            `Refused by a rule: ${refused.map(([what, n]) => `${what} ×${n}`).join(', ')}.`,
          );
        }
        for (const studio of summary.studios) {
          console.log(
            `${studio.name} (${studio.clients} clients): studio ${studio.studioId}, owner token ${studio.token}`,
          );
        }
        const [first] = summary.studios;
        if (first) {
          console.log(`Try: curl -H "Authorization: Bearer ${first.token}" ${apiUrl()}/v1/clients`);
        }
      },
    );

  return program;
}

/**
 * Where the API answers, for a hint printed after the work is done: the one running on the data
 * folder, else the configured port. Reading the running API's file may race its start or stop;
 * a hint never fails a command that succeeded.
 */
function apiUrl(): string {
  const config = loadConfig();
  try {
    const server = config.databaseUrl ? null : runningServer(config.dataDir);
    if (server) return server.url;
  } catch {
    // the file half written or just removed: the configured port will do
  }
  return `http://localhost:${config.port}`;
}

function counted(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

export async function run(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    // Help ends with 0; a usage error (an unknown command or option, a missing one) is bad input
    // like any other: 2.
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof InvalidInput || error instanceof RemoteActionFailed) {
      console.error(`error: ${error.message}`);
      for (const e of error.errors) console.error(`  ${e.field}: ${e.message}`);
      return 2;
    }
    if (error instanceof ClienteleError) {
      console.error(`error: ${failureText(error)}`);
      return 2;
    }
    console.error(`error: ${failureText(error)}`);
    return 1;
  }
}

if (require.main === module) {
  void run(process.argv.slice(2)).then((code) => process.exit(code));
}
