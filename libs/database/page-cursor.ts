import { InvalidInput } from '@clientele/shared';
import { sql, type RawBuilder } from 'kysely';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The opaque `cursor` of a paged list ordered by a text key, then an id: the last row's key and
 * id, for a keyset query that resumes after it.
 */
export function encodePageCursor(sortKey: string, id: string): string {
  return Buffer.from(JSON.stringify([sortKey, id])).toString('base64url');
}

/**
 * The key and id of a cursor this API gave out; anything else is a 400 naming `cursor`. The id
 * is a UUID unless the list says otherwise (a report's row of a day and a currency).
 */
export function decodePageCursor(cursor: string, id: RegExp = UUID): [sortKey: string, id: string] {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      !value[0].includes('\0') &&
      typeof value[1] === 'string' &&
      id.test(value[1])
    ) {
      return value as [string, string];
    }
  } catch {
    // fall through to the error below
  }
  throw new InvalidInput('The cursor is not one this API gave out.', [
    { field: 'cursor', message: 'must be the nextCursor of a previous page' },
  ]);
}

/**
 * The rows after a cursor's row, in a list ordered by `sort_key`, then `idColumn`: the keyset
 * condition of such a list's next page. A cursor this API did not give out is a 400.
 */
export function afterPageCursor(cursor: string, idColumn: string): RawBuilder<boolean> {
  const [sortKey, id] = decodePageCursor(cursor);
  return sql<boolean>`(sort_key > ${sortKey} OR (sort_key = ${sortKey} AND ${sql.ref(idColumn)} > ${id}))`;
}
