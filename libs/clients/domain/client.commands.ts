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

/** Erase the client (GDPR art. 17): their personal data becomes unreadable for good. */
export type EraseClientCommand = {
  type: 'EraseClient';
  data: { clientId: string; studioId: string };
};

export type ClientCommand =
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
