import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import type { ClientProfile } from '@clientele/clients';
import {
  DATABASE,
  afterPageCursor,
  encodePageCursor,
  statementName,
  type Database,
} from '@clientele/database';
import { NotFound } from '@clientele/shared';
import { sql } from 'kysely';
import type { ClientProfileRow } from './client-profiles.table';
import { foldForSearch } from './search-text';

const COLUMNS = [
  'client_id',
  'studio_id',
  'first_name',
  'last_name',
  'email',
  'phone',
  'birthday',
  'address',
  'username',
  'registered_at',
  'updated_at',
  'version',
  'sort_key',
  'customer_group',
  'newsletter',
  'sync',
  'custom_fields',
  'consents',
  'image',
  'merged_into',
  'merged_at',
  'erased_at',
] as const;

export function toProfile(row: Pick<ClientProfileRow, (typeof COLUMNS)[number]>): ClientProfile {
  return {
    id: row.client_id,
    studioId: row.studio_id,
    firstName: row.first_name,
    lastName: row.last_name,
    email: row.email,
    phone: row.phone,
    birthday: row.birthday,
    address: row.address,
    username: row.username,
    customerGroup: row.customer_group,
    newsletter: row.newsletter,
    sync: row.sync,
    customFields: row.custom_fields,
    consents: row.consents,
    image: row.image,
    registeredAt: new Date(row.registered_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
    version: Number(row.version),
    mergedInto: row.merged_into,
    mergedAt: row.merged_at ? new Date(row.merged_at).toISOString() : null,
    erased: row.erased_at !== null,
    erasedAt: row.erased_at ? new Date(row.erased_at).toISOString() : null,
  };
}

export class GetClientProfile extends Query<ClientProfile> {
  constructor(
    readonly studioId: string,
    readonly clientId: string,
  ) {
    super();
  }
}

/** The profile's row; a query that wants more about the client selects it beside these columns. */
export function profileQuery(db: Database, studioId: string, clientId: string) {
  return (
    db.kysely
      .selectFrom('client_profiles')
      .select(COLUMNS)
      .where('client_id', '=', clientId)
      // Another studio's client is simply not there (invariant 6).
      .where('studio_id', '=', studioId)
  );
}

@QueryHandler(GetClientProfile)
export class GetClientProfileHandler implements IQueryHandler<GetClientProfile> {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async execute({ studioId, clientId }: GetClientProfile): Promise<ClientProfile> {
    const row = await profileQuery(this.db, studioId, clientId).executeTakeFirst();
    if (!row) throw new NotFound('client', clientId);
    return toProfile(row as ClientProfileRow);
  }
}

export interface ClientPage {
  items: ClientProfile[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export class SearchClients extends Query<ClientPage> {
  constructor(
    readonly studioId: string,
    readonly search: string | undefined,
    readonly limit: number,
    readonly cursor: string | undefined,
  ) {
    super();
  }
}

/** Tokens shorter than this match by prefix; longer ones anywhere (a trigram index serves them). */
const SUBSTRING_MIN = 3;
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}

/** A search's words, folded as the profiles' search columns are; at most 8. */
function searchWords(search: string | undefined): string[] {
  return foldForSearch(search ?? '')
    .split(/\s+/)
    .filter((token) => token.length > 0)
    .slice(0, 8);
}

/** Every word matches the first name, last name or email of the profile queried. */
function everyWordMatches(words: string[]) {
  return sql<boolean>`(${sql.join(
    words.map((word) => {
      const pattern = escapeLike(word);
      return word.length >= SUBSTRING_MIN
        ? sql`search_text LIKE ${`%${pattern}%`}`
        : sql`(first_folded LIKE ${`${pattern}%`} OR last_folded LIKE ${`${pattern}%`} OR email_folded LIKE ${`${pattern}%`})`;
    }),
    sql` AND `,
  )})`;
}

/**
 * The clients a search finds, as a subquery of ids: every word must match the first name, last
 * name or email, ignoring case and accents. A merged duplicate is found by its own name and
 * email too, and answers as its survivor (ADR 0016); an erased client is found by nothing.
 * Undefined when the search has no words (everyone).
 */
export function clientsMatching(db: Database, studioId: string, search: string | undefined) {
  const words = searchWords(search);
  if (words.length === 0) return undefined;
  return db.kysely
    .selectFrom('client_profiles')
    .select(sql<string>`coalesce(merged_into, client_id)`.as('client_id'))
    .where('studio_id', '=', studioId)
    .where('erased_at', 'is', null)
    .where(everyWordMatches(words));
}

@QueryHandler(SearchClients)
export class SearchClientsHandler implements IQueryHandler<SearchClients> {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async execute({ studioId, search, limit, cursor }: SearchClients): Promise<ClientPage> {
    // An erased client has no name or email to be found or listed by (their id still opens
    // them); a merged duplicate is listed as the client it was merged into, and found by its
    // own name and email too (ADR 0016).
    const words = searchWords(search);
    const after = cursor ? afterPageCursor(cursor, 'client_id') : undefined;
    const listed = () => {
      const query = this.db.kysely
        .selectFrom('client_profiles')
        .select(COLUMNS)
        .where('studio_id', '=', studioId)
        .where('merged_into', 'is', null)
        .where('erased_at', 'is', null);
      return after ? query.where(after) : query;
    };
    // Those found by their own words, and the survivors of duplicates found by theirs, as a
    // union: asked as one list of ids, the planner read every profile of the studio to join them.
    const matching = clientsMatching(this.db, studioId, search);
    const query = !matching
      ? listed()
      : listed()
          .where(everyWordMatches(words))
          .union(listed().where('client_id', 'in', matching.where('merged_into', 'is not', null)));
    const page = query
      .orderBy('sort_key')
      .orderBy('client_id')
      .limit(limit + 1)
      .compile();
    // A search of up to three words found anywhere (the trigram index takes them as parameters)
    // is planned once per connection for each shape (so many words, a cursor or none): a few
    // names. A word matched by its beginning needs its pattern in the plan to use its index.
    const prepared = words.length <= 3 && words.every((word) => word.length >= SUBSTRING_MIN);
    const rows = await this.db.derivedSql.query<ClientProfileRow>(
      page.sql,
      page.parameters,
      prepared ? { name: statementName('clientele_search', page.sql) } : {},
    );
    const shown = rows.slice(0, limit);
    const last = shown[shown.length - 1];
    return {
      items: shown.map(toProfile),
      nextCursor:
        rows.length > limit && last ? encodePageCursor(last.sort_key, last.client_id) : null,
    };
  }
}
