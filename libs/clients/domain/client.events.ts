import type { ImportedFrom } from '@clientele/shared';
import type { FileFacts } from './client-files';
import type { ClientDetails } from './client-details';
/**
 * The client's own stream: `client-<uuid>`. Personal data travels in `personal` only, sealed with
 * the client's key by one codec (libs/eventstore PersonalDataCodec). Once the client is erased
 * the key is gone and every `personal` reads as null (`Shredded`): readers must expect it.
 */
export type Shredded<T> = T | null;

export interface Address {
  line1?: string;
  line2?: string;
  city?: string;
  region?: string;
  postalCode?: string;
  country?: string;
}

export interface PersonalDetails {
  firstName: string;
  lastName: string;
  email: string;
  phone: string | null;
  birthday: string | null;
  address: Address | null;
  username: string | null;
}

export type ClientRegistered = {
  type: 'ClientRegistered';
  data: {
    clientId: string;
    studioId: string;
    registeredAt: string;
    personal: Shredded<PersonalDetails>;
    /** Only for a client brought by an import: the row they came from. */
    importedFrom?: ImportedFrom;
  };
};

export type ClientProfileUpdated = {
  type: 'ClientProfileUpdated';
  data: { clientId: string; personal: Shredded<Partial<PersonalDetails>> };
};

/**
 * The email this client had claimed (to register, or to change to) lapsed: the change never
 * landed, and another client took the email. Appended at the revision that was inspected, so
 * the lapsed change, if still in flight, conflicts instead of landing.
 */
export type EmailClaimLapsed = {
  type: 'EmailClaimLapsed';
  data: { clientId: string; takenBy: string };
};

/**
 * An internal memo of staff about the client ("allergic to peanuts", "hip surgery: modify"):
 * never shown to the client; a starred one is shown on every roster that holds the client. Its
 * words are often about health, so they travel in `personal` and are erased with the client's
 * key like their name (issue 6, item 6). Who wrote or changed it is the event's actor.
 */
export type MemoAdded = {
  type: 'MemoAdded';
  data: {
    clientId: string;
    memoId: string;
    starred: boolean;
    personal: Shredded<{ text: string }>;
  };
};

export type MemoEdited = {
  type: 'MemoEdited';
  data: { clientId: string; memoId: string; personal: Shredded<{ text: string }> };
};

export type MemoStarred = { type: 'MemoStarred'; data: { clientId: string; memoId: string } };

export type MemoUnstarred = { type: 'MemoUnstarred'; data: { clientId: string; memoId: string } };

export type MemoRemoved = { type: 'MemoRemoved'; data: { clientId: string; memoId: string } };

export type MemoEvent = MemoAdded | MemoEdited | MemoStarred | MemoUnstarred | MemoRemoved;

/**
 * Group, newsletter and sync preferences as changed (only what changed); custom field values are
 * what the studio chose to record about the client, so they travel in `personal`.
 */
export type ClientDetailsChanged = {
  type: 'ClientDetailsChanged';
  data: {
    clientId: string;
    details: Partial<Pick<ClientDetails, 'customerGroup' | 'newsletter' | 'sync'>>;
    personal: Shredded<Partial<Pick<ClientDetails, 'customFields'>>>;
  };
};

/** The client accepted a version of a text, e.g. the studio's data-protection notice. */
export type ConsentGiven = {
  type: 'ConsentGiven';
  data: { clientId: string; consent: string; version: string; givenAt: string };
};

export type ConsentWithdrawn = {
  type: 'ConsentWithdrawn';
  data: { clientId: string; consent: string; withdrawnAt: string };
};

/** The profile image, replaced or (null) removed; `replaced` names the file it took over from. */
export type ProfileImageChanged = {
  type: 'ProfileImageChanged';
  data: { clientId: string; image: FileFacts | null; replaced: string | null };
};

/** A PDF kept on the profile; its name may say who it is about, so it travels in `personal`. */
export type DocumentAttached = {
  type: 'DocumentAttached';
  data: { clientId: string; document: FileFacts; personal: Shredded<{ name: string }> };
};

export type DocumentRemoved = {
  type: 'DocumentRemoved';
  data: { clientId: string; documentId: string };
};

/**
 * Staff asked that the client be told how to set a new password for the studio's app.
 * Clientele holds no password: the message it causes (libs/notifications) names this request,
 * and the studio's app, which owns the login, acts on it (ADR 0014).
 */
export type PasswordResetRequested = {
  type: 'PasswordResetRequested';
  data: { clientId: string };
};

/** Staff asked for the welcome message to be sent again (a client who never logged in). */
export type WelcomeMessageRequested = {
  type: 'WelcomeMessageRequested';
  data: { clientId: string };
};

/**
 * A merge is a link, not a move (ADR 0016): the duplicate's events stay in its streams, so
 * its history stays readable and an unmerge is exact. The duplicate's stream holds the decision
 * (`ClientMergedInto`, `ClientUnmerged`); the survivor's records that it answers for the
 * duplicate (`DuplicateMerged`, `DuplicateUnmerged`), which is what a command about the
 * survivor consults to find the duplicate's credits, items and signatures.
 */
export type ClientMergedInto = {
  type: 'ClientMergedInto';
  data: { clientId: string; survivorId: string; mergeId: string; mergedAt: string };
};

export type ClientUnmerged = {
  type: 'ClientUnmerged';
  data: { clientId: string; survivorId: string; mergeId: string; unmergedAt: string };
};

export type DuplicateMerged = {
  type: 'DuplicateMerged';
  data: { clientId: string; duplicateId: string; mergeId: string; mergedAt: string };
};

export type DuplicateUnmerged = {
  type: 'DuplicateUnmerged';
  data: { clientId: string; duplicateId: string; mergeId: string; unmergedAt: string };
};

export type MergeEvent = ClientMergedInto | ClientUnmerged | DuplicateMerged | DuplicateUnmerged;

/**
 * The client was erased (GDPR art. 17): their key is destroyed after this is recorded, so every
 * `personal` of theirs reads as null from then on; money, attendance and the facts of what
 * happened stay. `covers` are the clients whose keys go with it (this one, and any merged into
 * it); `emailClaims` the claim streams (hashed names) to release, so finishing an erasure never
 * needs the email that the key no longer opens. Nothing personal in it.
 */
export type ClientErased = {
  type: 'ClientErased';
  data: {
    clientId: string;
    studioId: string;
    erasedAt: string;
    covers: string[];
    emailClaims: string[];
  };
};

export type ClientEvent =
  | MergeEvent
  | ClientErased
  | ProfileImageChanged
  | DocumentAttached
  | DocumentRemoved
  | ClientRegistered
  | ClientProfileUpdated
  | EmailClaimLapsed
  | MemoEvent
  | ClientDetailsChanged
  | ConsentGiven
  | ConsentWithdrawn
  | PasswordResetRequested
  | WelcomeMessageRequested;

const memoEventTypes = new Set<MemoEvent['type']>([
  'MemoAdded',
  'MemoEdited',
  'MemoStarred',
  'MemoUnstarred',
  'MemoRemoved',
]);

export const isMemoEvent = (event: ClientEvent): event is MemoEvent =>
  memoEventTypes.has(event.type as MemoEvent['type']);

export const clientEventTypes: ReadonlySet<ClientEvent['type']> = new Set([
  'ClientRegistered',
  'ClientProfileUpdated',
  'EmailClaimLapsed',
  ...memoEventTypes,
  'ClientDetailsChanged',
  'ConsentGiven',
  'ConsentWithdrawn',
  'ProfileImageChanged',
  'DocumentAttached',
  'DocumentRemoved',
  'PasswordResetRequested',
  'WelcomeMessageRequested',
  'ClientMergedInto',
  'ClientUnmerged',
  'DuplicateMerged',
  'DuplicateUnmerged',
  'ClientErased',
]);

export const clientStream = (clientId: string) => `client-${clientId}`;
