import type { ClientDetails, Consent } from './domain/client-details';
import type { FileFacts } from './domain/client-files';
import type { PersonalDetails } from './domain/client.events';

/** Personal details as shown: every one null once the client was erased. */
export type ShownPersonalDetails = { [K in keyof PersonalDetails]: PersonalDetails[K] | null };

/** What an erased client's profile shows of their personal details: nothing. */
export const ERASED_PERSONAL_DETAILS: ShownPersonalDetails = {
  firstName: null,
  lastName: null,
  email: null,
  phone: null,
  birthday: null,
  address: null,
  username: null,
};

/** A client as the API shows it: the profile read model, or the write side right after a change. */
export interface ClientProfile extends ShownPersonalDetails, ClientDetails {
  /** Consents in force by name (`data_protection`): which version, and when. */
  consents: Record<string, Consent>;
  /** The profile image's facts; its bytes at `GET /v1/clients/{id}/image`. */
  image: FileFacts | null;
  id: string;
  studioId: string;
  registeredAt: string;
  updatedAt: string;
  /** The stream revision: the ETag, and what `If-Match` names. */
  version: number;
  /** The client this one was merged into, while the merge stands (ADR 0016). */
  mergedInto: string | null;
  mergedAt: string | null;
  /** Erased (GDPR art. 17): personal details gone for good, money and attendance kept. */
  erased: boolean;
  erasedAt: string | null;
}
