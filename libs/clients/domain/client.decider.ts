import {
  assertNever,
  InvalidInput,
  NotFound,
  type Decider,
  type FieldError,
} from '@clientele/shared';
import type {
  ClientCommand,
  RegisterClientCommand,
  UpdateClientProfileCommand,
} from './client.commands';
import type { ClientEvent, PersonalDetails } from './client.events';
import { ClientMustNotBeRegisteredTwice, EmailMustBeUniqueInStudio } from './client.rules';

export type ClientState =
  | { status: 'unregistered' }
  /** Its registration's email was taken by another client before the registration landed. */
  | { status: 'lapsed'; takenBy: string }
  | {
      status: 'registered';
      clientId: string;
      studioId: string;
      registeredAt: string;
      personal: PersonalDetails;
    };

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

function validate(personal: Partial<PersonalDetails>, now: Date): FieldError[] {
  const errors: FieldError[] = [];
  for (const field of ['firstName', 'lastName'] as const) {
    const value = personal[field];
    if (value !== undefined && value.trim().length === 0) {
      errors.push({ field, message: 'must not be empty' });
    }
  }
  if (personal.email !== undefined && !EMAIL.test(personal.email.trim())) {
    errors.push({ field: 'email', message: 'must be an email address' });
  }
  if (personal.birthday) {
    const match = DAY.exec(personal.birthday);
    const date = match ? new Date(`${personal.birthday}T00:00:00Z`) : null;
    if (
      !date ||
      Number.isNaN(date.getTime()) ||
      date.toISOString().slice(0, 10) !== personal.birthday
    ) {
      errors.push({ field: 'birthday', message: 'must be a real date as YYYY-MM-DD' });
    } else if (date.getTime() > now.getTime()) {
      errors.push({ field: 'birthday', message: 'must not be in the future' });
    } else if (date.getUTCFullYear() < 1900) {
      errors.push({ field: 'birthday', message: 'must be after 1900' });
    }
  }
  return errors;
}

function tidy<T extends Partial<PersonalDetails>>(personal: T): T {
  const result = { ...personal };
  for (const field of ['firstName', 'lastName', 'email'] as const) {
    const value = result[field];
    if (typeof value === 'string') (result as Partial<PersonalDetails>)[field] = value.trim();
  }
  return result;
}

function register(command: RegisterClientCommand, state: ClientState, now: Date): ClientEvent[] {
  if (state.status === 'lapsed') throw new EmailMustBeUniqueInStudio(state.takenBy);
  if (state.status !== 'unregistered') {
    throw new ClientMustNotBeRegisteredTwice(command.data.clientId);
  }
  const { clientId, studioId, ...input } = command.data;
  const personal: PersonalDetails = tidy({
    firstName: input.firstName,
    lastName: input.lastName,
    email: input.email,
    phone: input.phone ?? null,
    birthday: input.birthday ?? null,
    address: input.address ?? null,
    username: input.username ?? null,
  });
  const errors = validate(personal, now);
  if (errors.length > 0) throw new InvalidInput('The client details are not valid.', errors);
  return [
    {
      type: 'ClientRegistered',
      data: { clientId, studioId, registeredAt: now.toISOString(), personal },
    },
  ];
}

function update(command: UpdateClientProfileCommand, state: ClientState, now: Date): ClientEvent[] {
  if (state.status !== 'registered' || state.studioId !== command.data.studioId) {
    throw new NotFound('client', command.data.clientId);
  }
  const changes = tidy(command.data.changes);
  const errors = validate(changes, now);
  if (errors.length > 0) throw new InvalidInput('The client details are not valid.', errors);
  // Only what really changes becomes part of the event: an empty PATCH records nothing.
  const changed: Partial<PersonalDetails> = {};
  for (const [key, value] of Object.entries(changes) as [keyof PersonalDetails, unknown][]) {
    if (value === undefined) continue;
    if (JSON.stringify(state.personal[key]) !== JSON.stringify(value)) {
      (changed as Record<string, unknown>)[key] = value;
    }
  }
  if (Object.keys(changed).length === 0) return [];
  return [
    { type: 'ClientProfileUpdated', data: { clientId: command.data.clientId, personal: changed } },
  ];
}

export const clientDecider: Decider<ClientCommand, ClientEvent, ClientState> = {
  initialState: { status: 'unregistered' },
  evolve(state, event) {
    switch (event.type) {
      case 'ClientRegistered':
        return {
          status: 'registered',
          clientId: event.data.clientId,
          studioId: event.data.studioId,
          registeredAt: event.data.registeredAt,
          personal: event.data.personal,
        };
      case 'ClientProfileUpdated':
        if (state.status !== 'registered') return state;
        return { ...state, personal: { ...state.personal, ...event.data.personal } };
      case 'EmailClaimLapsed':
        // A registered client keeps its profile: only an in-flight change was overtaken.
        return state.status === 'unregistered'
          ? { status: 'lapsed', takenBy: event.data.takenBy }
          : state;
      default:
        return assertNever(event);
    }
  },
  decide(command, state, now) {
    switch (command.type) {
      case 'RegisterClient':
        return register(command, state, now);
      case 'UpdateClientProfile':
        return update(command, state, now);
      default:
        return assertNever(command);
    }
  },
};
