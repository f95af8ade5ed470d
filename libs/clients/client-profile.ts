import type { Address } from './domain/client.events';

/** A client as the API shows it: the profile read model, or the write side right after a change. */
export interface ClientProfile {
  id: string;
  studioId: string;
  firstName: string;
  lastName: string;
  email: string;
  phone: string | null;
  birthday: string | null;
  address: Address | null;
  username: string | null;
  registeredAt: string;
  updatedAt: string;
  /** The stream revision: the ETag, and what `If-Match` names. */
  version: number;
}
