import type { ColumnType, Insertable, Selectable } from 'kysely';
import type { Address } from '@clientele/clients';

/** `client_profiles`: one row a client, with folded copies of the searchable text. */
export interface ClientProfilesTable {
  client_id: string;
  studio_id: string;
  first_name: string;
  last_name: string;
  email: string;
  phone: string | null;
  birthday: string | null;
  /** jsonb: written as JSON text, read back as an object. */
  address: ColumnType<Address | null, string | null, string | null>;
  username: string | null;
  registered_at: Date;
  updated_at: Date;
  version: number;
  first_folded: string;
  last_folded: string;
  email_folded: string;
  search_text: string;
  sort_key: string;
}

export type ClientProfileRow = Selectable<ClientProfilesTable>;
export type NewClientProfileRow = Insertable<ClientProfilesTable>;
