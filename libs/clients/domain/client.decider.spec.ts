import { InvalidInput, NotFound } from '@clientele/shared';
import { deciderSpec } from '@clientele/shared/testing/decider-spec';
import type { RegisterClientCommand } from './client.commands';
import { clientDecider } from './client.decider';
import type { ClientEvent, PersonalDetails } from './client.events';
import { ClientMustNotBeRegisteredTwice, EmailMustBeUniqueInStudio } from './client.rules';

const spec = deciderSpec(clientDecider, new Date('2026-11-23T10:00:00Z'));
const clientId = '3f1c2a9e-0000-4000-8000-000000000001';
const studioId = 'b7e0d7a2-0000-4000-8000-000000000002';

const jane: PersonalDetails = {
  firstName: 'Jane',
  lastName: 'Doe',
  email: 'Jane.Doe@Example.com',
  phone: null,
  birthday: '1990-04-01',
  address: null,
  username: null,
};
const registered: ClientEvent = {
  type: 'ClientRegistered',
  data: { clientId, studioId, registeredAt: '2026-11-23T10:00:00.000Z', personal: jane },
};
const register = (data: Partial<RegisterClientCommand['data']> = {}): RegisterClientCommand => ({
  type: 'RegisterClient',
  data: {
    clientId,
    studioId,
    firstName: 'Jane',
    lastName: 'Doe',
    email: 'Jane.Doe@Example.com',
    birthday: '1990-04-01',
    ...data,
  },
});

describe('registering a client', () => {
  it('records who the client is, trimming what staff typed', () => {
    spec
      .given([])
      .when(register({ firstName: '  Jane ', email: ' Jane.Doe@Example.com ' }))
      .then([registered]);
  });

  it('cannot register once its email claim lapsed to another client', () => {
    spec
      .given([{ type: 'EmailClaimLapsed', data: { clientId, takenBy: 'other-client' } }])
      .when(register())
      .thenThrows(EmailMustBeUniqueInStudio, (e) =>
        expect(e.extensions.existingClientId).toBe('other-client'),
      );
  });

  it('keeps a registered profile when a pending email change lapses', () => {
    spec
      .given([
        registered,
        { type: 'EmailClaimLapsed', data: { clientId, takenBy: 'other-client' } },
      ])
      .when({ type: 'UpdateClientProfile', data: { clientId, studioId, changes: { phone: '1' } } })
      .then([{ type: 'ClientProfileUpdated', data: { clientId, personal: { phone: '1' } } }]);
  });

  it('cannot register the same client twice', () => {
    spec.given([registered]).when(register()).thenThrows(ClientMustNotBeRegisteredTwice);
  });

  it.each([
    [{ email: 'not-an-email' }, 'email'],
    [{ firstName: '   ' }, 'firstName'],
    [{ birthday: '1990-02-30' }, 'birthday'],
    [{ birthday: '01/04/1990' }, 'birthday'],
    [{ birthday: '2030-01-01' }, 'birthday'],
  ])('refuses %j, naming the field', (input, field) => {
    spec
      .given([])
      .when(register(input))
      .thenThrows(InvalidInput, (error) =>
        expect(error.errors.map((e) => e.field)).toEqual([field]),
      );
  });
});

describe('updating a client profile', () => {
  const update = (changes: Partial<PersonalDetails>, inStudio = studioId) => ({
    type: 'UpdateClientProfile' as const,
    data: { clientId, studioId: inStudio, changes },
  });

  it('records only the fields that change', () => {
    spec
      .given([registered])
      .when(update({ firstName: 'Jane', phone: '+1 555 0100' }))
      .then([
        { type: 'ClientProfileUpdated', data: { clientId, personal: { phone: '+1 555 0100' } } },
      ]);
  });

  it('records nothing when nothing changes', () => {
    spec
      .given([registered])
      .when(update({ lastName: 'Doe' }))
      .then([]);
  });

  it('does not know a client of another studio', () => {
    spec
      .given([registered])
      .when(update({ phone: '1' }, 'another-studio'))
      .thenThrows(NotFound);
  });

  it('does not know a client that was never registered', () => {
    spec
      .given([])
      .when(update({ phone: '1' }))
      .thenThrows(NotFound);
  });

  it('refuses an invalid email', () => {
    spec
      .given([registered])
      .when(update({ email: 'nope' }))
      .thenThrows(InvalidInput);
  });
});
