import type { PersonalDetails } from './domain/client.events';

/** A client as the API shows it: the profile read model, or the write side right after a change. */
export interface ClientProfile extends PersonalDetails {
  id: string;
  studioId: string;
  registeredAt: string;
  updatedAt: string;
  /** The stream revision: the ETag, and what `If-Match` names. */
  version: number;
}
