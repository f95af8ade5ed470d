import {
  assertNever,
  InvalidInput,
  RuleViolation,
  type Decider,
  type FieldError,
} from '@clientele/shared';

export const studioStream = (studioId: string) => `studio-${studioId}`;

export type StudioEvent = {
  type: 'StudioCreated';
  data: { studioId: string; name: string; currency: string; timezone: string };
};

export type StudioCommand = {
  type: 'CreateStudio';
  data: { studioId: string; name: string; currency: string; timezone: string };
};

export type StudioState =
  | { status: 'none' }
  | { status: 'open'; studioId: string; name: string; currency: string; timezone: string };

export class StudioMustNotBeCreatedTwice extends RuleViolation {
  constructor(studioId: string) {
    super('studio_already_exists', `Studio ${studioId} already exists.`, { studioId });
  }
}

// ISO 4217 codes Intl knows; an unknown code cannot price anything.
const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));
const TIMEZONES = new Set(Intl.supportedValuesOf('timeZone'));

function validate(data: StudioCommand['data']): FieldError[] {
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
  evolve(_state, event) {
    switch (event.type) {
      case 'StudioCreated':
        return { status: 'open', ...event.data };
      default:
        return assertNever(event.type);
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
      default:
        return assertNever(command.type);
    }
  },
};
