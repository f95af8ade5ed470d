import type { ImportedFrom } from '@clientele/shared';
import type { FileFacts } from './client-files';
import type { ClientDetails, ClientFieldDefinitions } from './client-details';
import type { PersonalDetails } from './client.events';

export type RegisterClientCommand = {
  type: 'RegisterClient';
  data: {
    clientId: string;
    studioId: string;
    firstName: string;
    lastName: string;
    email: string;
    phone?: string | null;
    birthday?: string | null;
    address?: PersonalDetails['address'];
    username?: string | null;
    /** A client brought from another product's export: no welcome message goes out. */
    importedFrom?: ImportedFrom;
  };
};

export type UpdateClientProfileCommand = {
  type: 'UpdateClientProfile';
  data: { clientId: string; studioId: string; changes: Partial<PersonalDetails> };
};

export type AddMemoCommand = {
  type: 'AddMemo';
  data: { clientId: string; studioId: string; memoId: string; text: string; starred: boolean };
};

/** Left out, the text or the star stays as it is. */
export type EditMemoCommand = {
  type: 'EditMemo';
  data: { clientId: string; studioId: string; memoId: string; text?: string; starred?: boolean };
};

export type RemoveMemoCommand = {
  type: 'RemoveMemo';
  data: { clientId: string; studioId: string; memoId: string };
};

export type ChangeClientDetailsCommand = {
  type: 'ChangeClientDetails';
  data: {
    clientId: string;
    studioId: string;
    changes: Partial<ClientDetails>;
    /** The studio's definitions, read by the handler. */
    definitions: ClientFieldDefinitions;
  };
};

export type GiveConsentCommand = {
  type: 'GiveConsent';
  data: { clientId: string; studioId: string; consent: string; version: string };
};

export type WithdrawConsentCommand = {
  type: 'WithdrawConsent';
  data: { clientId: string; studioId: string; consent: string };
};

/** Files already checked and stored by the handler: the decision is whether to record them. */
export type ClientFileCommand =
  | {
      type: 'SetProfileImage';
      data: { clientId: string; studioId: string; image: FileFacts | null };
    }
  | {
      type: 'AttachDocument';
      data: { clientId: string; studioId: string; document: FileFacts; name: string };
    }
  | { type: 'RemoveDocument'; data: { clientId: string; studioId: string; documentId: string } };

/** Staff ask for a message to the client: a password reset, or the welcome sent again. */
export type RequestPasswordResetCommand = {
  type: 'RequestPasswordReset';
  data: { clientId: string; studioId: string };
};

export type ResendWelcomeCommand = {
  type: 'ResendWelcome';
  data: { clientId: string; studioId: string };
};

/** What the duplicate's decision needs to know of the survivor, read by the handler. */
export interface SurvivorFacts {
  clientId: string;
  /** The client it was merged into, if the survivor is itself a merged duplicate. */
  mergedInto: string | null;
}

/** On the duplicate's stream: it becomes part of the survivor. */
export type MergeIntoCommand = {
  type: 'MergeInto';
  data: { clientId: string; studioId: string; survivor: SurvivorFacts; mergeId: string };
};

/** On the duplicate's stream: it stands alone again. */
export type UnmergeFromCommand = {
  type: 'UnmergeFrom';
  data: {
    clientId: string;
    studioId: string;
    survivorId: string;
    /** The merge the survivor still lists for this duplicate, if any: an unmerge to finish. */
    listedMergeId: string | null;
  };
};

/** On the survivor's stream: records (or forgets) a duplicate the duplicate's stream decided on. */
export type SurvivorMergeCommand =
  | {
      type: 'RecordDuplicate';
      data: { clientId: string; duplicateId: string; mergeId: string; mergedAt: string };
    }
  | {
      type: 'ReleaseDuplicate';
      data: { clientId: string; duplicateId: string; mergeId: string; unmergedAt: string };
    };

export type MergeCommand = MergeIntoCommand | UnmergeFromCommand | SurvivorMergeCommand;

/** Erase the client (GDPR art. 17): their personal data becomes unreadable for good. */
export type EraseClientCommand = {
  type: 'EraseClient';
  data: {
    clientId: string;
    studioId: string;
    /** The emails of the clients merged into this one, read by the handler: their claims go too. */
    duplicateEmails?: string[];
  };
};

export type ClientCommand =
  | MergeCommand
  | EraseClientCommand
  | ClientFileCommand
  | ChangeClientDetailsCommand
  | GiveConsentCommand
  | WithdrawConsentCommand
  | RegisterClientCommand
  | UpdateClientProfileCommand
  | AddMemoCommand
  | EditMemoCommand
  | RemoveMemoCommand
  | RequestPasswordResetCommand
  | ResendWelcomeCommand;
