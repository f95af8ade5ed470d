import { InvalidInput } from '@clientele/shared';
import { deciderSpec } from '../../shared/testing/decider-spec';
import {
  clientFieldsDecider,
  detailsChanges,
  type ClientDetails,
  DEFAULT_DETAILS,
  withDetails,
  type ClientFieldDefinitions,
} from './client-details';
import { clientDecider } from './client.decider';
import type { ClientEvent } from './client.events';

const definitions: ClientFieldDefinitions = {
  customerGroups: ['Students', 'Seniors'],
  customFields: [
    { key: 'emergencyContact', label: 'Emergency contact', type: 'text' },
    { key: 'shoeSize', label: 'Shoe size', type: 'number' },
    { key: 'joinedOn', label: 'Joined on', type: 'date' },
    { key: 'level', label: 'Level', type: 'choice', choices: ['beginner', 'advanced'] },
  ],
  integrations: ['mailchimp'],
};
const scope = { clientId: 'c1', studioId: 's1' };
const registered: ClientEvent = {
  type: 'ClientRegistered',
  data: {
    ...scope,
    registeredAt: '2026-01-01T00:00:00.000Z',
    personal: {
      firstName: 'Zoë',
      lastName: 'Müller',
      email: 'zoe@example.com',
      phone: null,
      birthday: null,
      address: null,
      username: null,
    },
  },
};
const spec = deciderSpec(clientDecider);

describe("the studio's client fields", () => {
  const fields = deciderSpec(clientFieldsDecider);
  const define = (d: ClientFieldDefinitions) => ({
    type: 'DefineClientFields' as const,
    data: { studioId: 's1', ...d },
  });

  it('are defined whole; the same definitions again record nothing', () => {
    fields
      .given([])
      .when(define(definitions))
      .then([{ type: 'ClientFieldsDefined', data: define(definitions).data }]);
    fields
      .given([{ type: 'ClientFieldsDefined', data: define(definitions).data }])
      .when(define(definitions))
      .then([]);
  });

  it('the same definitions record nothing whatever the order of their keys (as jsonb gives them back)', () => {
    const stored = {
      integrations: ['mailchimp'],
      studioId: 's1',
      customFields: definitions.customFields.map(({ key, type, label, choices }) =>
        choices ? { type, key, choices, label } : { type, key, label },
      ),
      customerGroups: ['Students', 'Seniors'],
    };
    fields
      .given([{ type: 'ClientFieldsDefined', data: stored }])
      .when(define(definitions))
      .then([]);
  });

  it('refuses bad keys, duplicates, and a choice without choices, naming each', () => {
    fields
      .given([])
      .when(
        define({
          customerGroups: ['A', 'A'],
          customFields: [
            { key: '1bad', label: 'x', type: 'text' },
            { key: 'level', label: 'Level', type: 'choice' },
            { key: 'size', label: 'Size', type: 'number', choices: ['1'] },
          ],
          integrations: ['mail chimp'],
        }),
      )
      .thenThrows(InvalidInput, (e) =>
        expect(e.errors.map((f) => f.field)).toEqual([
          'customerGroups.1',
          'integrations.0',
          'customFields.0',
          'customFields.1.choices',
          'customFields.2.choices',
        ]),
      );
  });
});

describe("a client's details", () => {
  it('records only what changes, custom fields under personal', () => {
    spec
      .given([registered])
      .when({
        type: 'ChangeClientDetails',
        data: {
          ...scope,
          definitions,
          changes: {
            customerGroup: 'Students',
            newsletter: false,
            sync: { mailchimp: false },
            customFields: { shoeSize: 38, level: 'beginner' },
          },
        },
      })
      .then([
        {
          type: 'ClientDetailsChanged',
          data: {
            clientId: 'c1',
            details: { customerGroup: 'Students', sync: { mailchimp: false } },
            personal: { customFields: { shoeSize: 38, level: 'beginner' } },
          },
        },
      ]);
    spec
      .given([registered])
      .when({
        type: 'ChangeClientDetails',
        data: { ...scope, definitions, changes: { newsletter: false, sync: { mailchimp: true } } },
      })
      .then([]);
  });

  it('refuses what the studio did not define and values of the wrong type', () => {
    expect(() =>
      detailsChanges(
        DEFAULT_DETAILS,
        {
          customerGroup: 'VIP',
          sync: { zapier: false },
          customFields: { shoeSize: 'big', joinedOn: '2026-02-30', level: 'expert', pet: 'cat' },
        },
        definitions,
      ),
    ).toThrow(
      expect.objectContaining({
        errors: [
          expect.objectContaining({ field: 'customerGroup' }),
          { field: 'sync.zapier', message: 'is not an integration of the studio' },
          { field: 'customFields.shoeSize', message: 'must be a number' },
          { field: 'customFields.joinedOn', message: 'must be a real date as YYYY-MM-DD' },
          { field: 'customFields.level', message: 'must be one of beginner, advanced' },
          { field: 'customFields.pet', message: 'is not a field of the studio' },
        ],
      }),
    );
  });

  it('refuses a newsletter choice that is not true or false (null included)', () => {
    for (const newsletter of [null, 'yes', 1]) {
      expect(() =>
        detailsChanges(
          DEFAULT_DETAILS,
          { newsletter } as unknown as Partial<ClientDetails>,
          definitions,
        ),
      ).toThrow(
        expect.objectContaining({
          errors: [{ field: 'newsletter', message: 'must be true or false' }],
        }),
      );
    }
  });

  it('merges custom fields by key, null clearing one', () => {
    const before = withDetails(DEFAULT_DETAILS, {
      customFields: { shoeSize: 38, level: 'advanced' },
    });
    expect(withDetails(before, { customFields: { shoeSize: null } }).customFields).toEqual({
      level: 'advanced',
    });
  });
});

describe('consent', () => {
  const give = (version: string) => ({
    type: 'GiveConsent' as const,
    data: { ...scope, consent: 'data_protection', version },
  });
  const given: ClientEvent = {
    type: 'ConsentGiven',
    data: {
      clientId: 'c1',
      consent: 'data_protection',
      version: '2026-01',
      givenAt: '2026-11-23T10:00:00.000Z',
    },
  };

  it('records the version and time once; a new version again; a withdrawal once', () => {
    spec.given([registered]).when(give('2026-01')).then([given]);
    spec.given([registered, given]).when(give('2026-01')).then([]);
    spec
      .given([registered, given])
      .when(give('2027-01'))
      .then([{ ...given, data: { ...given.data, version: '2027-01' } } as ClientEvent]);
    const withdraw = {
      type: 'WithdrawConsent' as const,
      data: { ...scope, consent: 'data_protection' },
    };
    const withdrawn: ClientEvent = {
      type: 'ConsentWithdrawn',
      data: { clientId: 'c1', consent: 'data_protection', withdrawnAt: '2026-11-23T10:00:00.000Z' },
    };
    spec.given([registered, given]).when(withdraw).then([withdrawn]);
    spec.given([registered, given, withdrawn]).when(withdraw).then([]);
    spec.given([registered]).when(give(' ')).thenThrows(InvalidInput);
  });
});
