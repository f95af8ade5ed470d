import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { PAYMENT_GATEWAY, type PaymentGateway } from '@clientele/billing';
import { assertClientOfStudio, duplicatesOf } from '@clientele/clients';
import { addDays, localDate, localSlot, startOfDay } from '@clientele/entitlements';
import {
  commandContext,
  EVENT_STORE,
  handleCommand,
  idForRequest,
  type EventStore,
} from '@clientele/eventstore';
import {
  ClienteleError,
  fold,
  NotFound,
  Unavailable,
  uuidFrom,
  type RequestContext,
} from '@clientele/shared';
import { readStudioSettings } from '@clientele/staff';
import {
  recurringDecider,
  recurringStream,
  type RecurringCommand,
  type RecurringEvent,
  type RecurringState,
  type RecurringTerms,
} from '../domain/recurring-registration';
import { BookingWorkflow } from './booking-workflow';
import { readClassType, readSession } from './read-session';

/** The calendar's sessions of a class type starting in [from, to): what recurring books from. */
export interface SessionCalendar {
  sessionsOf(
    studioId: string,
    classTypeId: string,
    from: Date,
    to: Date,
  ): Promise<{ sessionId: string; startsAt: string }[]>;
}

export const SESSION_CALENDAR = Symbol('SessionCalendar');

export interface RecurringRun {
  booked: { sessionId: string; startsAt: string; enrollmentId: string; status: string }[];
  failed: { sessionId: string; startsAt: string; code: string; message: string }[];
}

/**
 * Books a recurring registration into each matching session not tried yet. A session the rules
 * refuse (full, no credit, no membership) is recorded as failed with the reason, and not tried
 * again; a processor out of reach stops the run, to be tried again by the next one.
 */
export class RecurringBooking {
  private readonly workflow: BookingWorkflow;

  constructor(
    private readonly store: EventStore,
    gateway: PaymentGateway,
    private readonly calendar: SessionCalendar,
  ) {
    this.workflow = new BookingWorkflow(store, gateway);
  }

  async run(context: RequestContext, registrationId: string): Promise<RecurringRun> {
    const run: RecurringRun = { booked: [], failed: [] };
    const state = await this.read(registrationId);
    if (state.status !== 'active') return run;
    const { terms } = state;
    const { timezone } = await readStudioSettings(this.store, terms.studioId);
    const sessions = await this.calendar.sessionsOf(
      terms.studioId,
      terms.classTypeId,
      context.now,
      new Date(startOfDay(addDays(terms.until, 1), timezone)),
    );
    for (const { sessionId, startsAt } of sessions) {
      const slot = localSlot(new Date(startsAt), timezone);
      if (slot.weekday !== terms.weekday || slot.time !== terms.time) continue;
      if (state.tried.has(sessionId)) continue;
      const outcome = await this.book(context, terms, sessionId, startsAt);
      if ('code' in outcome) run.failed.push(outcome);
      else run.booked.push(outcome);
    }
    return run;
  }

  private async book(
    context: RequestContext,
    terms: RecurringTerms,
    sessionId: string,
    startsAt: string,
  ): Promise<RecurringRun['booked'][number] | RecurringRun['failed'][number]> {
    const { registrationId } = terms;
    try {
      const { session } = await readSession(this.store, sessionId, terms.studioId);
      const enrolled = await this.workflow.enroll(context, session, {
        enrollmentId: uuidFrom(`recurring:${registrationId}:${sessionId}`),
        clientId: terms.clientId,
        payWith: terms.payWith,
        channel: terms.channel,
        waitlist: false,
        makeUp: false,
      });
      const booked = {
        registrationId,
        sessionId,
        startsAt,
        enrollmentId: enrolled.enrollmentId,
        status: enrolled.status,
      };
      await this.decide(context, { type: 'RecordRecurringOutcome', data: booked });
      return booked;
    } catch (error) {
      if (!(error instanceof ClienteleError) || error instanceof Unavailable) throw error;
      const failed = {
        registrationId,
        sessionId,
        startsAt,
        code: error.code,
        message: error.message,
      };
      await this.decide(context, {
        type: 'RecordRecurringOutcome',
        data: { ...failed, failed: true },
      });
      return failed;
    }
  }

  async decide(context: RequestContext, command: RecurringCommand): Promise<RecurringState> {
    const result = await handleCommand(
      this.store,
      recurringStream(command.data.registrationId),
      recurringDecider,
      command,
      commandContext(context, { replayByKey: false }),
    );
    return result.state;
  }

  async read(registrationId: string): Promise<RecurringState> {
    return fold(
      recurringDecider,
      (await this.store.readStream(recurringStream(registrationId))) as unknown as RecurringEvent[],
    );
  }
}

export type RecurringInput = Omit<RecurringTerms, 'registrationId' | 'studioId' | 'clientId'>;

export class RegisterRecurring extends Command<{ registrationId: string } & RecurringRun> {
  constructor(
    readonly clientId: string,
    readonly input: RecurringInput,
    readonly context: RequestContext,
  ) {
    super();
  }
}

/** Creates the registration and books every matching session already on the calendar. */
@CommandHandler(RegisterRecurring)
export class RegisterRecurringHandler implements ICommandHandler<RegisterRecurring> {
  private readonly booking: RecurringBooking;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PAYMENT_GATEWAY) gateway: PaymentGateway,
    @Inject(SESSION_CALENDAR) calendar: SessionCalendar,
  ) {
    this.booking = new RecurringBooking(store, gateway, calendar);
  }

  async execute({ clientId, input, context }: RegisterRecurring) {
    await assertClientOfStudio(this.store, context.studioId, clientId);
    await readClassType(this.store, context.studioId, input.classTypeId);
    const { timezone } = await readStudioSettings(this.store, context.studioId);
    const registrationId = idForRequest(`recurring:${clientId}`, context);
    await handleCommand(
      this.store,
      recurringStream(registrationId),
      recurringDecider,
      {
        type: 'CreateRecurringRegistration',
        data: {
          ...input,
          registrationId,
          studioId: context.studioId,
          clientId,
          today: localDate(context.now, timezone),
        },
      },
      commandContext(context, { replayByKey: false }),
    );
    return { registrationId, ...(await this.booking.run(context, registrationId)) };
  }
}

export class EndRecurring extends Command<{ registrationId: string; status: 'ended' }> {
  constructor(
    readonly clientId: string,
    readonly registrationId: string,
    readonly reason: string,
    readonly context: RequestContext,
  ) {
    super();
  }
}

/** Stops booking future sessions; places already booked stay until cancelled one by one. */
@CommandHandler(EndRecurring)
export class EndRecurringHandler implements ICommandHandler<EndRecurring> {
  private readonly booking: RecurringBooking;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PAYMENT_GATEWAY) gateway: PaymentGateway,
    @Inject(SESSION_CALENDAR) calendar: SessionCalendar,
  ) {
    this.booking = new RecurringBooking(store, gateway, calendar);
  }

  async execute({ clientId, registrationId, reason, context }: EndRecurring) {
    const state = await this.booking.read(registrationId);
    if (
      state.status === 'none' ||
      state.terms.studioId !== context.studioId ||
      // The client's own, or one a client merged into it made (ADR 0016).
      (state.terms.clientId !== clientId &&
        !(await duplicatesOf(this.store, clientId)).includes(state.terms.clientId))
    ) {
      throw new NotFound('recurring_registration', registrationId);
    }
    await this.booking.decide(context, {
      type: 'EndRecurringRegistration',
      data: { registrationId, reason },
    });
    return { registrationId, status: 'ended' as const };
  }
}
