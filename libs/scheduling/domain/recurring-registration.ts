import {
  assertNever,
  InvalidInput,
  NotFound,
  RuleViolation,
  type Decider,
  type FieldError,
} from '@clientele/shared';
import type { Channel, PayWith } from './session.events';

/**
 * A client booked into every session of a class type on a weekday and time until a date. Each
 * matching session is tried once: booked by the usual rules, or a failure recorded with its
 * reason, so the desk sees what could not be booked instead of a place silently missing.
 */
export const recurringStream = (registrationId: string) => `recurring-${registrationId}`;

export interface RecurringTerms {
  registrationId: string;
  studioId: string;
  clientId: string;
  classTypeId: string;
  /** ISO weekday: 1 is Monday, 7 is Sunday, in the studio's time zone. */
  weekday: number;
  /** HH:MM, the sessions' local start time. */
  time: string;
  /** The last day booked (YYYY-MM-DD, the studio's calendar), inclusive. */
  until: string;
  payWith: PayWith;
  channel: Channel;
}

export type RecurringEvent =
  | { type: 'RecurringRegistrationCreated'; data: RecurringTerms }
  | {
      type: 'RecurringSessionBooked';
      data: {
        registrationId: string;
        sessionId: string;
        startsAt: string;
        enrollmentId: string;
        status: 'confirmed' | 'waitlisted';
      };
    }
  | {
      /** Reported, not hidden: the session stays unbooked and the reason is kept. */
      type: 'RecurringSessionFailed';
      data: {
        registrationId: string;
        sessionId: string;
        startsAt: string;
        code: string;
        message: string;
      };
    }
  | { type: 'RecurringRegistrationEnded'; data: { registrationId: string; reason: string } };

export type RecurringCommand =
  | { type: 'CreateRecurringRegistration'; data: RecurringTerms & { today: string } }
  | {
      type: 'RecordRecurringOutcome';
      data:
        | Extract<RecurringEvent, { type: 'RecurringSessionBooked' }>['data']
        | (Extract<RecurringEvent, { type: 'RecurringSessionFailed' }>['data'] & {
            failed: true;
          });
    }
  | { type: 'EndRecurringRegistration'; data: { registrationId: string; reason: string } };

export type RecurringState =
  | { status: 'none' }
  | {
      status: 'active' | 'ended';
      terms: RecurringTerms;
      /** Sessions already tried, booked or failed: each is tried once. */
      tried: ReadonlySet<string>;
    };

export class RecurringRegistrationEnded extends RuleViolation {
  constructor(registrationId: string) {
    super('recurring_registration_ended', `Recurring registration ${registrationId} has ended.`, {
      registrationId,
    });
  }
}

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const MAX_WEEKS = 53;

function validate(c: RecurringTerms & { today: string }) {
  const errors: FieldError[] = [];
  if (!Number.isInteger(c.weekday) || c.weekday < 1 || c.weekday > 7) {
    errors.push({ field: 'weekday', message: 'must be 1 (Monday) to 7 (Sunday)' });
  }
  if (!TIME.test(c.time)) errors.push({ field: 'time', message: 'must be HH:MM, 24-hour' });
  if (!DAY.test(c.until) || Number.isNaN(Date.parse(`${c.until}T00:00:00Z`))) {
    errors.push({ field: 'until', message: 'must be a day, YYYY-MM-DD' });
  } else if (c.until < c.today) {
    errors.push({ field: 'until', message: 'must not be in the past' });
  } else if (Date.parse(c.until) - Date.parse(c.today) > MAX_WEEKS * 7 * 86_400_000) {
    errors.push({ field: 'until', message: `must be within ${MAX_WEEKS} weeks` });
  }
  if (errors.length > 0) throw new InvalidInput('The recurring registration is not valid.', errors);
}

export const recurringDecider: Decider<RecurringCommand, RecurringEvent, RecurringState> = {
  initialState: { status: 'none' },
  evolve(state, event) {
    switch (event.type) {
      case 'RecurringRegistrationCreated':
        return { status: 'active', terms: event.data, tried: new Set() };
      case 'RecurringSessionBooked':
      case 'RecurringSessionFailed':
        if (state.status === 'none') return state;
        return { ...state, tried: new Set(state.tried).add(event.data.sessionId) };
      case 'RecurringRegistrationEnded':
        if (state.status === 'none') return state;
        return { ...state, status: 'ended' };
      default:
        return assertNever(event);
    }
  },
  decide(command, state) {
    switch (command.type) {
      case 'CreateRecurringRegistration': {
        validate(command.data);
        if (state.status !== 'none') return [];
        const { today: _today, ...terms } = command.data;
        return [{ type: 'RecurringRegistrationCreated', data: terms }];
      }
      case 'RecordRecurringOutcome': {
        const d = command.data;
        if (state.status === 'none') throw new NotFound('recurring_registration', d.registrationId);
        if (state.tried.has(d.sessionId)) return [];
        if (state.status === 'ended') throw new RecurringRegistrationEnded(d.registrationId);
        if ('failed' in d) {
          const { failed: _failed, ...data } = d;
          return [{ type: 'RecurringSessionFailed', data }];
        }
        return [{ type: 'RecurringSessionBooked', data: d }];
      }
      case 'EndRecurringRegistration': {
        const d = command.data;
        if (state.status === 'none') throw new NotFound('recurring_registration', d.registrationId);
        if (state.status === 'ended') return [];
        return [{ type: 'RecurringRegistrationEnded', data: d }];
      }
      default:
        return assertNever(command);
    }
  },
};
