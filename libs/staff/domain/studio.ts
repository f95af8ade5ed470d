import {
  assertNever,
  InvalidInput,
  NotFound,
  RuleViolation,
  type Decider,
  type FieldError,
} from '@clientele/shared';

export const studioStream = (studioId: string) => `studio-${studioId}`;

export type StudioEvent =
  | {
      type: 'StudioCreated';
      data: { studioId: string; name: string; currency: string; timezone: string };
    }
  | { type: 'BookingPolicySet'; data: { studioId: string } & BookingPolicy };

/** How the studio's bookings may be cancelled. */
export interface BookingPolicy {
  /** Cancelling less than this before the start forfeits the credit or payment. */
  lateCancelMinutes: number;
}

/** Twelve hours, the window most studios we know of start with, until they set their own. */
export const DEFAULT_BOOKING_POLICY: BookingPolicy = { lateCancelMinutes: 12 * 60 };

export type StudioCommand =
  | {
      type: 'CreateStudio';
      data: { studioId: string; name: string; currency: string; timezone: string };
    }
  | { type: 'SetBookingPolicy'; data: { studioId: string } & BookingPolicy };

export type StudioState =
  | { status: 'none' }
  | {
      status: 'open';
      studioId: string;
      name: string;
      currency: string;
      timezone: string;
      bookingPolicy: BookingPolicy;
    };

export class StudioMustNotBeCreatedTwice extends RuleViolation {
  constructor(studioId: string) {
    super('studio_already_exists', `Studio ${studioId} already exists.`, { studioId });
  }
}

// ISO 4217 codes Intl knows; an unknown code cannot price anything.
const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));
const TIMEZONES = new Set(Intl.supportedValuesOf('timeZone'));

function validate(data: Extract<StudioCommand, { type: 'CreateStudio' }>['data']): FieldError[] {
  const errors: FieldError[] = [];
  if (data.name.trim().length === 0) errors.push({ field: 'name', message: 'must not be empty' });
  if (!CURRENCIES.has(data.currency)) {
    errors.push({ field: 'currency', message: 'must be an ISO 4217 code such as USD or EUR' });
  }
  if (!TIMEZONES.has(data.timezone) && data.timezone !== 'UTC') {
    errors.push({
      field: 'timezone',
      message: 'must be an IANA time zone such as America/New_York',
    });
  }
  return errors;
}

export const studioDecider: Decider<StudioCommand, StudioEvent, StudioState> = {
  initialState: { status: 'none' },
  evolve(state, event) {
    switch (event.type) {
      case 'StudioCreated':
        return { status: 'open', ...event.data, bookingPolicy: DEFAULT_BOOKING_POLICY };
      case 'BookingPolicySet': {
        if (state.status !== 'open') return state;
        const { lateCancelMinutes } = event.data;
        return { ...state, bookingPolicy: { lateCancelMinutes } };
      }
      default:
        return assertNever(event);
    }
  },
  decide(command, state) {
    switch (command.type) {
      case 'CreateStudio': {
        if (state.status !== 'none') throw new StudioMustNotBeCreatedTwice(command.data.studioId);
        const errors = validate(command.data);
        if (errors.length > 0) throw new InvalidInput('The studio is not valid.', errors);
        return [
          { type: 'StudioCreated', data: { ...command.data, name: command.data.name.trim() } },
        ];
      }
      case 'SetBookingPolicy': {
        if (state.status !== 'open') throw new NotFound('studio', command.data.studioId);
        const { lateCancelMinutes } = command.data;
        if (
          !Number.isSafeInteger(lateCancelMinutes) ||
          lateCancelMinutes < 0 ||
          lateCancelMinutes > 14 * 24 * 60
        ) {
          throw new InvalidInput('The booking policy is not valid.', [
            {
              field: 'lateCancelMinutes',
              message: 'must be a whole number of minutes from 0 to 20160 (14 days)',
            },
          ]);
        }
        if (state.bookingPolicy.lateCancelMinutes === lateCancelMinutes) return [];
        return [{ type: 'BookingPolicySet', data: command.data }];
      }
      default:
        return assertNever(command);
    }
  },
};
