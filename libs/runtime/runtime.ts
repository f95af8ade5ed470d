import { migrateToLatest, openDatabase, type Database } from '@clientele/database';
import {
  encryptedPersonalData,
  EventStoreDbEventStore,
  PersonalDataEventStore,
  PersonalDataKeys,
  personalDataKeysMigrations,
  PostgresEventStore,
  eventStoreMigrations,
  type EventStore,
} from '@clientele/eventstore';
import { ProjectionRunner, projectorMigrations, type Projection } from '@clientele/projector';
import { productsMigrations, productsProjection, studioProducts } from '@projections/catalog';
import {
  OfflinePaymentGateway,
  StripePaymentGateway,
  type PaymentGateway,
} from '@clientele/billing';
import { AccountUpkeep } from '@clientele/entitlements';
import { BookingUpkeep } from '@clientele/scheduling';
import {
  accountsNeedingUpkeep,
  clientAccountsMigrations,
  clientAccountsProjection,
  unrecordedChargesToGiveBack,
} from '@projections/client-accounts';
import { clientProfilesMigrations, clientProfilesProjection } from '@projections/client-profiles';
import {
  placesToSettle,
  recurringProjection,
  recurringToBook,
  scheduleMigrations,
  scheduleProjection,
  sessionCalendar,
  sessionsToClose,
} from '@projections/schedule';
import { staffDirectoryMigrations, staffDirectoryProjection } from '@projections/staff-directory';
import { relationshipsMigrations, relationshipsProjection } from '@projections/relationships';
import { waiversMigrations, waiversProjection } from '@projections/waivers';
import { reportsMigrations } from '@projections/reports';
import { filesMigrations } from '@clientele/files';
import { idempotencyMigrations } from '@clientele/idempotency';
import { ImportJobStore, Imports, importsMigrations } from '@clientele/imports';
import { join } from 'node:path';
import {
  eventStoreDirectory,
  logTransport,
  NotificationDispatcher,
  notificationOutbox,
  notificationOutboxProjection,
  smtpTransport,
} from '@clientele/notifications';
import type { Migration } from 'kysely';
import type { ClienteleConfig } from './config';
import { openEmbedded } from './embedded';

export const projections: Projection[] = [
  clientProfilesProjection,
  clientAccountsProjection,
  staffDirectoryProjection,
  productsProjection,
  scheduleProjection,
  recurringProjection,
  waiversProjection,
  relationshipsProjection,
];

export const migrations: Record<string, Migration>[] = [
  eventStoreMigrations,
  personalDataKeysMigrations,
  projectorMigrations,
  clientProfilesMigrations,
  staffDirectoryMigrations,
  idempotencyMigrations,
  productsMigrations,
  clientAccountsMigrations,
  scheduleMigrations,
  waiversMigrations,
  relationshipsMigrations,
  filesMigrations,
  reportsMigrations,
  importsMigrations,
];

/** The wired infrastructure one process runs on: database, event store, projection runner. */
export interface Runtime {
  config: ClienteleConfig;
  db: Database;
  store: EventStore;
  /** The clients' data keys that seal their personal data; erasure destroys them (ADR 0015). */
  keys: PersonalDataKeys;
  runner: ProjectionRunner;
  /** How cards are charged and refunded (the offline adapter until issue 5's Stripe one). */
  gateway: PaymentGateway;
  /** Membership renewals and credit expiry (AccountUpkeep). */
  upkeep: AccountUpkeep;
  /** Settling bookings a crash left half done, and marking no-shows (BookingUpkeep). */
  bookingUpkeep: BookingUpkeep;
  /** Sends what the outbox holds: by SMTP with SMTP_URL, to the log otherwise (ADR 0014). */
  notifications: NotificationDispatcher;
  /** CSV imports of clients, their credits and memberships, run in the background of this process. */
  imports: Imports;
  /**
   * Runs both upkeeps now and then every `everyMs`, and sends notifications every
   * `notifyEveryMs`, until `close()`.
   */
  startUpkeep(everyMs?: number, notifyEveryMs?: number): void;
  /**
   * Runs `work` with the timed upkeep skipped meanwhile: `dev seed` drives a simulated clock,
   * and an upkeep at the real now would lapse its holds and credits before their time.
   */
  withoutTimedUpkeep<T>(work: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * - `server`: the API; on the embedded default it owns the PGlite folder.
 * - `client`: the CLI, when no API runs on the embedded folder (see admin-actions.ts).
 * - `worker`: apps/worker; needs DATABASE_URL (an embedded database has one process).
 * `database` and `gateway` replace the configured ones (tests hand in theirs).
 */
export async function openRuntime(
  config: ClienteleConfig,
  role: 'server' | 'client' | 'worker',
  extra: { database?: Database; gateway?: PaymentGateway } = {},
): Promise<Runtime> {
  let closeDatabase: () => Promise<void>;
  let db: Database;
  if (extra.database) {
    db = extra.database;
    closeDatabase = async () => undefined;
  } else if (config.databaseUrl) {
    db = await openDatabase({ url: config.databaseUrl });
    closeDatabase = () => db.close();
  } else if (role === 'worker') {
    throw new Error(
      'The worker needs DATABASE_URL: the embedded database lives inside the API process, which runs the projections itself.',
    );
  } else {
    const embedded = await openEmbedded(
      config.dataDir,
      role === 'server' ? 'the Clientele API' : 'the Clientele CLI',
    );
    db = embedded.db;
    closeDatabase = embedded.close;
  }
  try {
    await migrateToLatest(db, ...migrations);
  } catch (error) {
    await closeDatabase();
    throw error;
  }
  // On PostgreSQL the append writes the outbox; EventStoreDB's events reach it by a projection.
  const inner = config.eventStoreUrl
    ? EventStoreDbEventStore.fromConnectionString(config.eventStoreUrl)
    : new PostgresEventStore(db.sql, { name: db.kind, outbox: notificationOutbox });
  // Keys live in this database also when the events are on EventStoreDB.
  const keys = new PersonalDataKeys(db.sql);
  const eventStore = withRunnerWakeUp(
    new PersonalDataEventStore(inner, encryptedPersonalData(keys)),
    () => runner.notify(),
  );
  const fed = config.eventStoreUrl ? [...projections, notificationOutboxProjection] : projections;
  const runner = new ProjectionRunner(db, eventStore, fed, {
    onError: (name, error) => console.error(`projection ${name} failed; retrying`, error),
  });
  // Stripe when it has a key; otherwise cards are taken on the studio's own terminal.
  const gateway: PaymentGateway =
    extra.gateway ??
    (config.stripeSecretKey
      ? new StripePaymentGateway({ secretKey: config.stripeSecretKey, ...config.stripeApi })
      : new OfflinePaymentGateway());
  const upkeep = new AccountUpkeep(
    eventStore,
    (now, limit) => accountsNeedingUpkeep(db, now, limit),
    gateway,
    (before, limit) => unrecordedChargesToGiveBack(db, before, limit),
  );
  const bookingUpkeep = new BookingUpkeep(eventStore, gateway, {
    places: (now, limit) => placesToSettle(db, now, limit),
    sessions: (now, limit) => sessionsToClose(db, now, limit),
    recurring: (now, limit) => recurringToBook(db, now, limit),
    calendar: sessionCalendar(db),
  });
  const notifications = new NotificationDispatcher(
    db.sql,
    config.smtpUrl ? smtpTransport(config.smtpUrl) : logTransport(),
    eventStoreDirectory(eventStore),
    { from: config.mailFrom },
  );
  const imports = new Imports(eventStore, new ImportJobStore(db), {
    uploadsDir: join(config.dataDir, 'imports'),
    catalog: (studioId) => studioProducts(db, studioId),
  });
  let upkeepTimer: NodeJS.Timeout | undefined;
  let upkeepRun: Promise<void> = Promise.resolve();
  let notifyTimer: NodeJS.Timeout | undefined;
  let notifyRun: Promise<void> = Promise.resolve();
  let closed = false;
  let upkeepHeld = 0;
  return {
    config,
    db,
    store: eventStore,
    keys,
    runner,
    gateway,
    upkeep,
    bookingUpkeep,
    notifications,
    imports,
    startUpkeep(everyMs = 60_000, notifyEveryMs = 2_000) {
      const tick = () => {
        if (upkeepHeld > 0) {
          upkeepTimer = setTimeout(tick, everyMs);
          return;
        }
        const now = new Date();
        upkeepRun = upkeep
          .runOnce(now)
          .then((report) => {
            for (const failure of report.failed) {
              console.error(`account upkeep of ${failure.clientId} failed: ${failure.error}`);
            }
          })
          .catch((error: unknown) => console.error('account upkeep failed; retrying', error))
          .then(() => bookingUpkeep.runOnce(now))
          .then((report) => {
            for (const failure of report?.failed ?? []) {
              console.error(
                `booking upkeep of session ${failure.sessionId} failed: ${failure.error}`,
              );
            }
          })
          .catch((error: unknown) => console.error('booking upkeep failed; retrying', error))
          .finally(() => {
            if (!closed) upkeepTimer = setTimeout(tick, everyMs);
          });
      };
      upkeepTimer = setTimeout(tick, 1_000);
      const send = () => {
        notifyRun = notifications
          .runOnce()
          .then(({ retrying, failed }) => {
            if (retrying + failed === 0) return;
            console.error(
              `notifications: ${retrying} to try again, ${failed} given up (their lastError says why)`,
            );
          })
          .catch((error: unknown) => console.error('sending notifications failed; retrying', error))
          .finally(() => {
            if (!closed) notifyTimer = setTimeout(send, notifyEveryMs);
          });
      };
      notifyTimer = setTimeout(send, 1_000);
    },
    async withoutTimedUpkeep(work) {
      upkeepHeld++;
      // A run already under way finishes first.
      await upkeepRun;
      try {
        return await work();
      } finally {
        upkeepHeld--;
      }
    },
    async close() {
      closed = true;
      clearTimeout(upkeepTimer);
      clearTimeout(notifyTimer);
      await Promise.all([upkeepRun, notifyRun, imports.stop()]);
      notifications.transport.close();
      await runner.stop();
      await inner.close();
      await closeDatabase();
    },
  };
}

/** Appends made in this process wake the projection runner at once instead of at its next poll. */
function withRunnerWakeUp(store: EventStore, wake: () => void): EventStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property === 'append' || property === 'appendMany') {
        const write = value as (...args: unknown[]) => Promise<unknown>;
        return async (...args: unknown[]) => {
          const result = await write.apply(target, args);
          wake();
          return result;
        };
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
