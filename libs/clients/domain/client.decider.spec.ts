import { fold, InvalidInput, NotFound } from '@clientele/shared';
import { deciderSpec } from '@clientele/shared/testing/decider-spec';
import type {
  AddMemoCommand,
  ClientCommand,
  EditMemoCommand,
  RegisterClientCommand,
  RemoveMemoCommand,
} from './client.commands';
import { clientDecider, emailClaimStream } from './client.decider';
import type { ClientEvent, PersonalDetails } from './client.events';
import {
  ClientMustNotBeErasedTwice,
  ClientMustNotBeRegisteredTwice,
  EmailMustBeUniqueInStudio,
  ErasedClientMustStayErased,
} from './client.rules';

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

  it('records the import row a client was brought from, and nothing of it otherwise', () => {
    const importedFrom = { jobId: 'job-1', fileName: 'export.csv', fileSha256: 'ab12', row: 7 };
    spec
      .given([])
      .when(register({ importedFrom }))
      .then([{ ...registered, data: { ...registered.data, importedFrom } } as ClientEvent]);
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

  it('records nothing when an address comes again with its parts in another order', () => {
    const moved: ClientEvent = {
      type: 'ClientProfileUpdated',
      data: { clientId, personal: { address: { line1: '1 Main St', city: 'Springfield' } } },
    };
    spec
      .given([registered, moved])
      .when(update({ address: { city: 'Springfield', line1: '1 Main St' } }))
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

describe('internal memos', () => {
  const memoId = '6a2d9c1e-0000-4000-8000-000000000003';
  const added = (text = 'Allergic to peanuts', starred = false): ClientEvent => ({
    type: 'MemoAdded',
    data: { clientId, memoId, starred, personal: { text } },
  });
  const add = (text: string, starred = false, inStudio = studioId): AddMemoCommand => ({
    type: 'AddMemo',
    data: { clientId, studioId: inStudio, memoId, text, starred },
  });
  const edit = (changes: { text?: string; starred?: boolean }): EditMemoCommand => ({
    type: 'EditMemo',
    data: { clientId, studioId, memoId, ...changes },
  });
  const remove: RemoveMemoCommand = { type: 'RemoveMemo', data: { clientId, studioId, memoId } };
  const removed: ClientEvent = { type: 'MemoRemoved', data: { clientId, memoId } };

  it('adds a memo, its words trimmed, starred when asked', () => {
    spec
      .given([registered])
      .when(add('  Allergic to peanuts \n', true))
      .then([added('Allergic to peanuts', true)]);
  });

  it('adds the same memo once: asked again, it records nothing', () => {
    spec.given([registered, added()]).when(add('Allergic to peanuts')).then([]);
  });

  it.each([
    ['empty', '', 'must not be empty'],
    ['only blanks', ' \n\t ', 'must not be empty'],
    ['2001 characters long', 'x'.repeat(2001), 'must be at most 2000 characters'],
  ])('refuses a text that is %s', (_, text, message) => {
    spec
      .given([registered])
      .when(add(text))
      .thenThrows(InvalidInput, (error) =>
        expect(error.errors).toEqual([{ field: 'text', message }]),
      );
  });

  it('takes 2000 characters, counted after trimming', () => {
    const text = 'x'.repeat(2000);
    spec
      .given([registered])
      .when(add(` ${text} `))
      .then([added(text)]);
  });

  it('does not know a client of another studio, nor one never registered', () => {
    spec
      .given([registered])
      .when(add('Hip surgery', false, 'another-studio'))
      .thenThrows(NotFound, (e) => expect(e.code).toBe('client_not_found'));
    spec.given([]).when(add('Hip surgery')).thenThrows(NotFound);
    spec
      .given([registered, added()])
      .when({ ...remove, data: { ...remove.data, studioId: 'another-studio' } })
      .thenThrows(NotFound, (e) => expect(e.code).toBe('client_not_found'));
  });

  it('edits the text, and stars and unstars, each its own event', () => {
    spec
      .given([registered, added()])
      .when(edit({ text: ' Allergic to peanuts and shellfish ', starred: true }))
      .then([
        {
          type: 'MemoEdited',
          data: { clientId, memoId, personal: { text: 'Allergic to peanuts and shellfish' } },
        },
        { type: 'MemoStarred', data: { clientId, memoId } },
      ]);
    spec
      .given([registered, added('Allergic to peanuts', true)])
      .when(edit({ starred: false }))
      .then([{ type: 'MemoUnstarred', data: { clientId, memoId } }]);
  });

  it('records nothing when the text and the star are as they were', () => {
    spec
      .given([registered, added('Allergic to peanuts', true)])
      .when(edit({ text: 'Allergic to peanuts ', starred: true }))
      .then([]);
    spec
      .given([registered, added(), { type: 'MemoStarred', data: { clientId, memoId } }])
      .when(edit({ starred: true }))
      .then([]);
    spec.given([registered, added()]).when(edit({})).then([]);
  });

  it('refuses an edit to an empty text', () => {
    spec
      .given([registered, added()])
      .when(edit({ text: '   ', starred: true }))
      .thenThrows(InvalidInput);
  });

  it('removes a memo', () => {
    spec.given([registered, added()]).when(remove).then([removed]);
  });

  it.each<[string, ClientEvent[], ClientCommand]>([
    ['editing an unknown memo', [registered], edit({ text: 'x' })],
    ['starring an unknown memo', [registered], edit({ starred: true })],
    ['removing an unknown memo', [registered], remove],
    ['editing a removed memo', [registered, added(), removed], edit({ text: 'x' })],
    ['starring a removed memo', [registered, added(), removed], edit({ starred: true })],
    ['removing a removed memo', [registered, added(), removed], remove],
  ])('does not know the memo: %s', (_, given, command) => {
    spec
      .given(given)
      .when(command)
      .thenThrows(NotFound, (e) => expect(e.code).toBe('memo_not_found'));
  });

  it('never takes the id of a removed memo again', () => {
    spec.given([registered, added(), removed]).when(add('Allergic to peanuts')).then([]);
  });

  it('keeps memos through a profile change', () => {
    spec
      .given([
        registered,
        added(),
        { type: 'ClientProfileUpdated', data: { clientId, personal: { phone: '1' } } },
      ])
      .when(edit({ starred: true }))
      .then([{ type: 'MemoStarred', data: { clientId, memoId } }]);
  });
});

describe('asking for a message to the client', () => {
  const reset = (inStudio = studioId): ClientCommand => ({
    type: 'RequestPasswordReset',
    data: { clientId, studioId: inStudio },
  });
  const welcome: ClientCommand = { type: 'ResendWelcome', data: { clientId, studioId } };

  it('records a password reset request, as often as staff ask', () => {
    const requested: ClientEvent = { type: 'PasswordResetRequested', data: { clientId } };
    spec.given([registered]).when(reset()).then([requested]);
    spec.given([registered, requested]).when(reset()).then([requested]);
  });

  it('records a request for the welcome message again', () => {
    spec
      .given([registered])
      .when(welcome)
      .then([{ type: 'WelcomeMessageRequested', data: { clientId } }]);
  });

  it('asks nothing for a client of another studio, nor one never registered', () => {
    spec
      .given([registered])
      .when(reset('another-studio'))
      .thenThrows(NotFound, (e) => expect(e.code).toBe('client_not_found'));
    spec.given([]).when(welcome).thenThrows(NotFound);
  });

  it('leaves the profile as it was', () => {
    spec
      .given([registered, { type: 'PasswordResetRequested', data: { clientId } }])
      .when({ type: 'UpdateClientProfile', data: { clientId, studioId, changes: { phone: '1' } } })
      .then([{ type: 'ClientProfileUpdated', data: { clientId, personal: { phone: '1' } } }]);
  });
});

describe('erasing a client', () => {
  const erase = (inStudio = studioId): ClientCommand => ({
    type: 'EraseClient',
    data: { clientId, studioId: inStudio },
  });
  const erasedAt = '2026-11-23T10:00:00.000Z';
  const erasure: ClientEvent = {
    type: 'ClientErased',
    data: {
      clientId,
      studioId,
      erasedAt,
      covers: [clientId],
      emailClaims: [emailClaimStream(studioId, 'jane.doe@example.com')],
    },
  };
  const memo: ClientEvent = {
    type: 'MemoAdded',
    data: { clientId, memoId: 'm1', starred: true, personal: { text: 'Knee surgery' } },
  };

  it('records the erasure with the claim to release, and nothing personal', () => {
    spec.given([registered, memo]).when(erase()).then([erasure]);
    expect(JSON.stringify(erasure)).not.toMatch(/jane|Knee/i);
  });

  it('names the same claim stream whatever the case of the email', () => {
    expect(emailClaimStream(studioId, ' Jane.Doe@Example.com ')).toBe(
      emailClaimStream(studioId, 'jane.doe@example.com'),
    );
  });

  it('refuses a second erasure, saying when the first was', () => {
    spec
      .given([registered, erasure])
      .when(erase())
      .thenThrows(ClientMustNotBeErasedTwice, (e) => {
        expect(e.code).toBe('client_already_erased');
        expect(e.extensions.erasedAt).toBe(erasedAt);
      });
  });

  it('does not know a client of another studio, nor one never registered', () => {
    spec.given([registered]).when(erase('another-studio')).thenThrows(NotFound);
    spec.given([]).when(erase()).thenThrows(NotFound);
  });

  it('erases what its key could no longer open: no claim to name, and still erased', () => {
    const shredded: ClientEvent = {
      type: 'ClientRegistered',
      data: { clientId, studioId, registeredAt: erasedAt, personal: null },
    };
    spec
      .given([shredded])
      .when(erase())
      .then([{ ...erasure, data: { ...erasure.data, emailClaims: [] } } as ClientEvent]);
  });

  it.each<[string, ClientCommand]>([
    [
      'a profile change',
      { type: 'UpdateClientProfile', data: { clientId, studioId, changes: { phone: '1' } } },
    ],
    [
      'a memo',
      { type: 'AddMemo', data: { clientId, studioId, memoId: 'm2', text: 'x', starred: false } },
    ],
    ['a memo edit', { type: 'EditMemo', data: { clientId, studioId, memoId: 'm1', text: 'y' } }],
    [
      'custom fields',
      {
        type: 'ChangeClientDetails',
        data: {
          clientId,
          studioId,
          changes: { customFields: { a: 'b' } },
          definitions: { customerGroups: [], customFields: [], integrations: [] },
        },
      },
    ],
    [
      'a document',
      {
        type: 'AttachDocument',
        data: {
          clientId,
          studioId,
          name: 'x.pdf',
          document: { fileId: 'f', mediaType: 'application/pdf', size: 1, sha256: 'h' },
        },
      },
    ],
    ['a profile image', { type: 'SetProfileImage', data: { clientId, studioId, image: null } }],
    ['a password reset', { type: 'RequestPasswordReset', data: { clientId, studioId } }],
  ])('refuses %s afterwards', (_what, command) => {
    spec
      .given([registered, memo, erasure])
      .when(command)
      .thenThrows(ErasedClientMustStayErased, (e) => expect(e.code).toBe('client_erased'));
  });

  it('still tells another studio it does not know the client', () => {
    spec
      .given([registered, erasure])
      .when({ type: 'RequestPasswordReset', data: { clientId, studioId: 'another-studio' } })
      .thenThrows(NotFound);
  });

  it('folds to a profile with nothing personal left, whether the events open or not', () => {
    const opened = fold(clientDecider, [registered, memo, erasure]);
    const shut = fold(clientDecider, [
      { ...registered, data: { ...registered.data, personal: null } } as ClientEvent,
      { ...memo, data: { ...memo.data, personal: null } } as ClientEvent,
      erasure,
    ]);
    expect(opened).toEqual(shut);
    expect(opened).toMatchObject({ status: 'registered', personal: null, erasedAt });
  });
});
