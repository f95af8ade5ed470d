import {
  assertNever,
  claimStream,
  InvalidInput,
  NotFound,
  sameJson,
  type Decider,
  type FieldError,
} from '@clientele/shared';
import {
  checkConsent,
  DEFAULT_DETAILS,
  detailsChanges,
  withDetails,
  type ClientDetails,
  type Consent,
} from './client-details';
import { checkDocumentName, knownDocument, type FileFacts } from './client-files';
import type {
  AddMemoCommand,
  ChangeClientDetailsCommand,
  ClientFileCommand,
  ClientCommand,
  EditMemoCommand,
  EraseClientCommand,
  GiveConsentCommand,
  WithdrawConsentCommand,
  RegisterClientCommand,
  RemoveMemoCommand,
  UpdateClientProfileCommand,
} from './client.commands';
import type { ClientEvent, MemoEvent, PersonalDetails, Shredded } from './client.events';
import { decideMerge, evolveMerges, NO_MERGES, type MergeState } from './client-merge';
import {
  ClientMustNotBeErasedTwice,
  ClientMustNotBeRegisteredTwice,
  ClientWasMerged,
  EmailMustBeUniqueInStudio,
  ErasedClientMustStayErased,
} from './client.rules';

/** A removed memo stays known, so its id is never taken again. */
export interface MemoState {
  /** Null once the client was erased. */
  text: string | null;
  starred: boolean;
  removed: boolean;
}

export type ClientState =
  | { status: 'unregistered' }
  /** Its registration's email was taken by another client before the registration landed. */
  | { status: 'lapsed'; takenBy: string }
  | ({
      status: 'registered';
      clientId: string;
      studioId: string;
      registeredAt: string;
      /** Null once the client was erased (their key is gone). */
      personal: Shredded<PersonalDetails>;
      memos: ReadonlyMap<string, MemoState>;
      details: ClientDetails;
      /** Consents in force, by name. */
      consents: ReadonlyMap<string, Consent>;
      image: FileFacts | null;
      /** Documents on the profile, by id, with their names (null: unreadable, erased). */
      documents: ReadonlyMap<string, string | null>;
      /** When the client was erased; null while they are not. */
      erasedAt: string | null;
    } & MergeState);

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** The stream that holds one email of one studio (ADR 0004): its name is a hash, not the email. */
export function emailClaimStream(studioId: string, email: string): string {
  return claimStream('clientEmail', studioId, normaliseEmail(email));
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
  const { clientId, studioId, importedFrom, ...input } = command.data;
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
      data: {
        clientId,
        studioId,
        registeredAt: now.toISOString(),
        personal,
        ...(importedFrom ? { importedFrom } : {}),
      },
    },
  ];
}

function update(command: UpdateClientProfileCommand, state: ClientState, now: Date): ClientEvent[] {
  const client = clientOfStudio(state, command);
  const changes = tidy(command.data.changes);
  const errors = validate(changes, now);
  if (errors.length > 0) throw new InvalidInput('The client details are not valid.', errors);
  // Only what really changes becomes part of the event: an empty PATCH records nothing.
  const changed: Partial<PersonalDetails> = {};
  for (const [key, value] of Object.entries(changes) as [keyof PersonalDetails, unknown][]) {
    if (value === undefined) continue;
    if (!sameJson(client.personal?.[key], value)) {
      (changed as Record<string, unknown>)[key] = value;
    }
  }
  if (Object.keys(changed).length === 0) return [];
  return [
    { type: 'ClientProfileUpdated', data: { clientId: command.data.clientId, personal: changed } },
  ];
}

type RegisteredClient = Extract<ClientState, { status: 'registered' }>;

const MEMO_MAX_LENGTH = 2000;

/** The client a command is about, which must be the studio's. */
function registeredInStudio(
  state: ClientState,
  command: { data: { clientId: string; studioId: string } },
): RegisteredClient {
  if (state.status !== 'registered' || state.studioId !== command.data.studioId) {
    throw new NotFound('client', command.data.clientId);
  }
  return state;
}

/**
 * The same, not erased (nothing is recorded on an erased client's profile any more) and not
 * merged into another (the survivor answers for it: ADR 0016).
 */
function clientOfStudio(
  state: ClientState,
  command: { data: { clientId: string; studioId: string } },
): RegisteredClient {
  const client = registeredInStudio(state, command);
  if (client.erasedAt !== null) throw new ErasedClientMustStayErased(client.clientId);
  if (client.mergedInto) throw new ClientWasMerged(client.clientId, client.mergedInto.survivorId);
  return client;
}

/**
 * The clients whose keys erasing this one destroys: itself, and the clients merged into it (the
 * same person: their events belong to this account now; their keys must go too).
 */
export function erasureCovers(client: RegisteredClient): string[] {
  return [client.clientId, ...client.duplicates.keys()];
}

function erase(command: EraseClientCommand, state: ClientState, now: Date): ClientEvent[] {
  const client = registeredInStudio(state, command);
  // The survivor is erased, and with it the duplicate.
  if (client.mergedInto) throw new ClientWasMerged(client.clientId, client.mergedInto.survivorId);
  if (client.erasedAt !== null) {
    throw new ClientMustNotBeErasedTwice(client.clientId, client.erasedAt);
  }
  const { clientId, studioId } = command.data;
  return [
    {
      type: 'ClientErased',
      data: {
        clientId,
        studioId,
        erasedAt: now.toISOString(),
        covers: erasureCovers(client),
        emailClaims: [
          ...(client.personal ? [client.personal.email] : []),
          ...(command.data.duplicateEmails ?? []),
        ].map((email) => emailClaimStream(studioId, email)),
      },
    },
  ];
}

/** What is left of the client once erased: the facts, none of the personal data. */
function erased(client: RegisteredClient, erasedAt: string): RegisteredClient {
  const memos = new Map<string, MemoState>();
  for (const [id, memo] of client.memos) memos.set(id, { ...memo, text: null });
  return {
    ...client,
    personal: null,
    memos,
    details: { ...client.details, customFields: {} },
    image: null,
    documents: new Map(),
    erasedAt,
  };
}

function memoOf(client: RegisteredClient, memoId: string): MemoState {
  const memo = client.memos.get(memoId);
  if (!memo || memo.removed) throw new NotFound('memo', memoId);
  return memo;
}

function memoText(text: string): string {
  const trimmed = text.trim();
  const invalid = (message: string) =>
    new InvalidInput('The memo is not valid.', [{ field: 'text', message }]);
  if (trimmed.length === 0) throw invalid('must not be empty');
  if (trimmed.length > MEMO_MAX_LENGTH) {
    throw invalid(`must be at most ${MEMO_MAX_LENGTH} characters`);
  }
  return trimmed;
}

function addMemo(command: AddMemoCommand, state: ClientState): ClientEvent[] {
  const client = clientOfStudio(state, command);
  const { clientId, memoId, starred } = command.data;
  const text = memoText(command.data.text);
  // The same memo asked again (a retried request) is the one already added.
  if (client.memos.has(memoId)) return [];
  return [{ type: 'MemoAdded', data: { clientId, memoId, starred, personal: { text } } }];
}

function editMemo(command: EditMemoCommand, state: ClientState): ClientEvent[] {
  const { clientId, memoId, starred } = command.data;
  const memo = memoOf(clientOfStudio(state, command), memoId);
  const events: ClientEvent[] = [];
  if (command.data.text !== undefined) {
    const text = memoText(command.data.text);
    if (text !== memo.text) {
      events.push({ type: 'MemoEdited', data: { clientId, memoId, personal: { text } } });
    }
  }
  if (starred !== undefined && starred !== memo.starred) {
    events.push({ type: starred ? 'MemoStarred' : 'MemoUnstarred', data: { clientId, memoId } });
  }
  return events;
}

function removeMemo(command: RemoveMemoCommand, state: ClientState): ClientEvent[] {
  const { clientId, memoId } = command.data;
  memoOf(clientOfStudio(state, command), memoId);
  return [{ type: 'MemoRemoved', data: { clientId, memoId } }];
}

function evolveMemos(
  memos: ReadonlyMap<string, MemoState>,
  event: MemoEvent,
): ReadonlyMap<string, MemoState> {
  const { memoId } = event.data;
  if (event.type === 'MemoAdded') {
    const { starred, personal } = event.data;
    return new Map(memos).set(memoId, { text: personal?.text ?? null, starred, removed: false });
  }
  const memo = memos.get(memoId);
  // Only a memo added before is ever changed: decide refuses the others.
  if (!memo) return memos;
  switch (event.type) {
    case 'MemoEdited':
      return new Map(memos).set(memoId, { ...memo, text: event.data.personal?.text ?? null });
    case 'MemoStarred':
    case 'MemoUnstarred':
      return new Map(memos).set(memoId, { ...memo, starred: event.type === 'MemoStarred' });
    case 'MemoRemoved':
      return new Map(memos).set(memoId, { ...memo, removed: true });
    default:
      return assertNever(event);
  }
}

function changeDetails(command: ChangeClientDetailsCommand, state: ClientState): ClientEvent[] {
  const client = clientOfStudio(state, command);
  const { customFields, ...details } = detailsChanges(
    client.details,
    command.data.changes,
    command.data.definitions,
  );
  if (!customFields && Object.keys(details).length === 0) return [];
  return [
    {
      type: 'ClientDetailsChanged',
      data: {
        clientId: command.data.clientId,
        details,
        personal: customFields ? { customFields } : {},
      },
    },
  ];
}

function consent(
  command: GiveConsentCommand | WithdrawConsentCommand,
  state: ClientState,
  now: Date,
): ClientEvent[] {
  const client = clientOfStudio(state, command);
  const { clientId, consent: name } = command.data;
  const current = client.consents.get(name);
  if (command.type === 'WithdrawConsent') {
    checkConsent(name, null);
    if (!current) return [];
    return [
      {
        type: 'ConsentWithdrawn',
        data: { clientId, consent: name, withdrawnAt: now.toISOString() },
      },
    ];
  }
  const version = command.data.version.trim();
  checkConsent(name, version);
  if (current?.version === version) return [];
  return [
    {
      type: 'ConsentGiven',
      data: { clientId, consent: name, version, givenAt: now.toISOString() },
    },
  ];
}

function files(command: ClientFileCommand, state: ClientState): ClientEvent[] {
  const client = clientOfStudio(state, command);
  const { clientId } = command.data;
  switch (command.type) {
    case 'SetProfileImage': {
      const { image } = command.data;
      const replaced = client.image?.fileId ?? null;
      if (replaced === (image?.fileId ?? null)) return [];
      return [{ type: 'ProfileImageChanged', data: { clientId, image, replaced } }];
    }
    case 'AttachDocument': {
      const name = checkDocumentName(command.data.name);
      if (client.documents.has(command.data.document.fileId)) return [];
      return [
        {
          type: 'DocumentAttached',
          data: { clientId, document: command.data.document, personal: { name } },
        },
      ];
    }
    case 'RemoveDocument':
      knownDocument(client.documents, command.data.documentId);
      return [{ type: 'DocumentRemoved', data: { clientId, documentId: command.data.documentId } }];
    default:
      return assertNever(command);
  }
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
          memos: new Map(),
          details: DEFAULT_DETAILS,
          consents: new Map(),
          image: null,
          documents: new Map(),
          erasedAt: null,
          ...NO_MERGES,
        };
      case 'ClientProfileUpdated':
        if (state.status !== 'registered') return state;
        return {
          ...state,
          personal:
            state.personal && event.data.personal
              ? { ...state.personal, ...event.data.personal }
              : null,
        };
      case 'ClientErased':
        return state.status === 'registered' ? erased(state, event.data.erasedAt) : state;
      case 'EmailClaimLapsed':
        // A registered client keeps its profile: only an in-flight change was overtaken.
        return state.status === 'unregistered'
          ? { status: 'lapsed', takenBy: event.data.takenBy }
          : state;
      case 'MemoAdded':
      case 'MemoEdited':
      case 'MemoStarred':
      case 'MemoUnstarred':
      case 'MemoRemoved':
        if (state.status !== 'registered') return state;
        return { ...state, memos: evolveMemos(state.memos, event) };
      case 'ClientDetailsChanged':
        if (state.status !== 'registered') return state;
        return {
          ...state,
          details: withDetails(state.details, { ...event.data.details, ...event.data.personal }),
        };
      case 'ConsentGiven': {
        if (state.status !== 'registered') return state;
        const { consent, version, givenAt } = event.data;
        return { ...state, consents: new Map(state.consents).set(consent, { version, givenAt }) };
      }
      case 'ProfileImageChanged':
        if (state.status !== 'registered') return state;
        return { ...state, image: event.data.image };
      case 'DocumentAttached': {
        if (state.status !== 'registered') return state;
        const { document, personal } = event.data;
        return {
          ...state,
          documents: new Map(state.documents).set(document.fileId, personal?.name ?? null),
        };
      }
      case 'DocumentRemoved': {
        if (state.status !== 'registered') return state;
        const documents = new Map(state.documents);
        documents.delete(event.data.documentId);
        return { ...state, documents };
      }
      case 'ConsentWithdrawn': {
        if (state.status !== 'registered') return state;
        const consents = new Map(state.consents);
        consents.delete(event.data.consent);
        return { ...state, consents };
      }
      case 'PasswordResetRequested':
      case 'WelcomeMessageRequested':
        return state;
      case 'ClientMergedInto':
      case 'ClientUnmerged':
      case 'DuplicateMerged':
      case 'DuplicateUnmerged':
        if (state.status !== 'registered') return state;
        return { ...state, ...evolveMerges(state, event) };
      default:
        return assertNever(event);
    }
  },
  decide(command, state, now) {
    switch (command.type) {
      case 'RegisterClient':
        return register(command, state, now);
      case 'EraseClient':
        return erase(command, state, now);
      case 'UpdateClientProfile':
        return update(command, state, now);
      case 'AddMemo':
        return addMemo(command, state);
      case 'EditMemo':
        return editMemo(command, state);
      case 'RemoveMemo':
        return removeMemo(command, state);
      case 'ChangeClientDetails':
        return changeDetails(command, state);
      case 'GiveConsent':
      case 'WithdrawConsent':
        return consent(command, state, now);
      case 'SetProfileImage':
      case 'AttachDocument':
      case 'RemoveDocument':
        return files(command, state);
      case 'RequestPasswordReset':
        clientOfStudio(state, command);
        return [{ type: 'PasswordResetRequested', data: { clientId: command.data.clientId } }];
      case 'ResendWelcome':
        clientOfStudio(state, command);
        return [{ type: 'WelcomeMessageRequested', data: { clientId: command.data.clientId } }];
      case 'MergeInto':
      case 'UnmergeFrom':
        // An erased client is merged with no one: what would link them is gone.
        if (state.status === 'registered' && state.erasedAt !== null) {
          throw new ErasedClientMustStayErased(state.clientId);
        }
        return decideMerge(command, state.status === 'registered' ? state : null, now);
      case 'RecordDuplicate':
      case 'ReleaseDuplicate':
        return decideMerge(command, state.status === 'registered' ? state : null, now);
      default:
        return assertNever(command);
    }
  },
};
