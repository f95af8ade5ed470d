import type { ColumnType, Insertable, Selectable } from 'kysely';
import type { Address } from '@clientele/clients';
import type { Actor } from '@clientele/shared';

/** `client_profiles`: one row a client, with folded copies of the searchable text. */
export interface ClientProfilesTable {
  client_id: string;
  studio_id: string;
  /** Null once the client was erased, as every personal column. */
  first_name: string | null;
  last_name: string | null;
  email: string | null;
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
  customer_group: ColumnType<string | null, string | null | undefined, string | null>;
  newsletter: ColumnType<boolean, boolean | undefined, boolean>;
  /** jsonb objects, written as JSON text or merged in SQL. */
  sync: ColumnType<Record<string, boolean>, string | undefined, never>;
  custom_fields: ColumnType<Record<string, string | number | boolean>, string | undefined, never>;
  image: ColumnType<
    { fileId: string; mediaType: string; size: number; sha256: string } | null,
    string | null | undefined,
    string | null
  >;
  consents: ColumnType<
    Record<string, { version: string; givenAt: string }>,
    string | undefined,
    never
  >;
  /** The survivor this client was merged into, while the merge stands. */
  merged_into: ColumnType<string | null, string | null | undefined, string | null>;
  merged_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  erased_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export type ClientProfileRow = Selectable<ClientProfilesTable>;
export type NewClientProfileRow = Insertable<ClientProfilesTable>;

/** `client_memos`: one row a memo; a removed one keeps its row, without its text. */
export interface ClientMemosTable {
  memo_id: string;
  client_id: string;
  studio_id: string;
  text: string | null;
  starred: boolean;
  removed: boolean;
  created_at: Date;
  /** jsonb, as `updated_by`: written as JSON text, read back as an object. */
  created_by: ColumnType<Actor, string, string>;
  updated_at: Date;
  updated_by: ColumnType<Actor, string, string>;
  /** The client stream's revision last applied to the memo. */
  version: number;
}

export type ClientMemoRow = Selectable<ClientMemosTable>;
export type NewClientMemoRow = Insertable<ClientMemosTable>;

/** `client_merges`: one row a merge, kept after an unmerge (`unmerged_at`). */
export interface ClientMergesTable {
  merge_id: string;
  studio_id: string;
  survivor_id: string;
  duplicate_id: string;
  merged_at: Date;
  merged_by: ColumnType<Actor, string, string>;
  unmerged_at: Date | null;
  unmerged_by: ColumnType<Actor | null, string | null, string | null>;
}
