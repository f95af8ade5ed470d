import type { ClientDetails, Consent } from './domain/client-details';
import type { FileFacts } from './domain/client-files';
import type { PersonalDetails } from './domain/client.events';

/** A client as the API shows it: the profile read model, or the write side right after a change. */
export interface ClientProfile extends PersonalDetails, ClientDetails {
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
}
