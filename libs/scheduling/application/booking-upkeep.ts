import { randomUUID } from 'node:crypto';
import type { PaymentGateway } from '@clientele/billing';
import type { EventStore } from '@clientele/eventstore';
import type { RequestContext } from '@clientele/shared';
import { BookingWorkflow } from './booking-workflow';
import { readSession } from './read-session';
import { RecurringBooking, type SessionCalendar } from './recurring';

/** Places whose account may not match them: a lapsed hold, a credit left reserved, a refund owed. */
export type FindPlacesToSettle = (
  now: Date,
  limit: number,
) => Promise<{ studioId: string; sessionId: string; enrollmentId: string }[]>;

/** Sessions that ended with confirmed places nobody checked in. */
export type FindSessionsToClose = (
  now: Date,
  limit: number,
) => Promise<{ studioId: string; sessionId: string }[]>;

/** Recurring registrations with a matching session not tried yet (one scheduled since). */
export type FindRecurringToBook = (
  now: Date,
  limit: number,
) => Promise<{ studioId: string; registrationId: string }[]>;

export interface BookingUpkeepFinders {
  places: FindPlacesToSettle;
  sessions: FindSessionsToClose;
  recurring: FindRecurringToBook;
  calendar: SessionCalendar;
}

export interface BookingUpkeepReport {
  /** Places brought in line with the client's account. */
  settled: number;
  /** Sessions whose absent clients were marked no-shows. */
  sessionsClosed: number;
  noShows: number;
  /** Sessions recurring registrations booked, and those they could not (reported on them). */
  recurringBooked: number;
  recurringFailed: number;
  failed: { sessionId: string; enrollmentId: string | null; error: string }[];
}

const PAGE = 200;

/**
 * The processes that keep bookings true after the fact: settle what a crash left half done
 * (ADR 0010), mark no-shows once a session has ended, and book recurring registrations into
 * sessions scheduled since. Each step is a decision at a revision
 * keyed by the enrollment, so running twice, or in two workers at once, does nothing twice.
 */
export class BookingUpkeep {
  private readonly workflow: BookingWorkflow;
  private readonly recurring: RecurringBooking;

  constructor(
    private readonly store: EventStore,
    gateway: PaymentGateway,
    private readonly find: BookingUpkeepFinders,
  ) {
    this.workflow = new BookingWorkflow(store, gateway);
    this.recurring = new RecurringBooking(store, gateway, find.calendar);
  }

  async runOnce(now: Date): Promise<BookingUpkeepReport> {
    const report: BookingUpkeepReport = {
      settled: 0,
      sessionsClosed: 0,
      noShows: 0,
      recurringBooked: 0,
      recurringFailed: 0,
      failed: [],
    };
    const context = (studioId: string): RequestContext => ({
      studioId,
      actor: { type: 'system', id: 'booking-upkeep' },
      correlationId: randomUUID(),
      now,
    });
    // One pass each: what the read model still lists as not done yet is tried on the next run.
    for (const { studioId, sessionId, enrollmentId } of await this.find.places(now, PAGE)) {
      try {
        const { session } = await readSession(this.store, sessionId, studioId);
        await this.workflow.settle(context(studioId), session, enrollmentId);
        report.settled++;
      } catch (error) {
        report.failed.push({ sessionId, enrollmentId, error: messageOf(error) });
      }
    }
    for (const { studioId, sessionId } of await this.find.sessions(now, PAGE)) {
      try {
        await readSession(this.store, sessionId, studioId);
        const { appended } = await this.workflow.decision(sessionId, context(studioId), {
          type: 'MarkNoShows',
          data: { sessionId },
        });
        report.sessionsClosed++;
        report.noShows += appended.length;
      } catch (error) {
        report.failed.push({ sessionId, enrollmentId: null, error: messageOf(error) });
      }
    }
    for (const { studioId, registrationId } of await this.find.recurring(now, PAGE)) {
      try {
        const run = await this.recurring.run(context(studioId), registrationId);
        report.recurringBooked += run.booked.length;
        report.recurringFailed += run.failed.length;
      } catch (error) {
        report.failed.push({
          sessionId: registrationId,
          enrollmentId: null,
          error: messageOf(error),
        });
      }
    }
    return report;
  }
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
