import { createHash } from 'node:crypto';
import { Batcher, DatabaseUnavailable, type Database } from '@clientele/database';
import { Conflict } from '@clientele/shared';
import { sql, type Kysely, type Migration } from 'kysely';

export const idempotencyMigrations: Record<string, Migration> = {
  '2026-11-23T1002_idempotency_keys': {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('idempotency_keys')
        .addColumn('studio_id', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('request_hash', 'text', (c) => c.notNull())
        .addColumn('status', 'integer')
        .addColumn('headers', 'jsonb')
        .addColumn('body', 'jsonb')
        .addColumn('started_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('completed_at', 'timestamptz')
        .addPrimaryKeyConstraint('idempotency_keys_pk', ['studio_id', 'key'])
        .execute();
    },
  },
};

export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** A request left unfinished (a crash) may be taken over after this; its command is idempotent. */
const STALE_AFTER_SECONDS = 30;

interface ClaimRequest {
  studioId: string;
  key: string;
  hash: string;
}

interface Completion {
  studioId: string;
  key: string;
  response: StoredResponse;
}

/** A key is unique within its studio; one statement may not write its row twice. */
const keyOf = (item: { studioId: string; key: string }) => `${item.studioId}\n${item.key}`;

const CLAIM = `
  INSERT INTO idempotency_keys (studio_id, key, request_hash)
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
  ON CONFLICT (studio_id, key) DO NOTHING
  RETURNING studio_id, key`;

const COMPLETE = `
  UPDATE idempotency_keys k
  SET status = v.status, headers = v.headers, body = v.body, completed_at = now()
  FROM unnest($1::text[], $2::text[], $3::int[], $4::jsonb[], $5::jsonb[])
    AS v(studio_id, key, status, headers, body)
  WHERE k.studio_id = v.studio_id AND k.key = v.key`;

// Only a claim its request never completed: a stored answer is kept.
const FREE = `DELETE FROM idempotency_keys WHERE studio_id = $1 AND key = $2 AND completed_at IS NULL`;

export type Claim = { kind: 'run' } | { kind: 'replay'; response: StoredResponse };

/**
 * The one idempotency mechanism: the first request with a key claims it, runs, and stores its
 * answer; a retry with the same key and body gets that answer again; the same key with another
 * body is a 409. Commands are idempotent by key as well (their ids derive from it), so taking
 * over a stale claim after a crash cannot apply a change twice.
 */
export class IdempotencyStore {
  // Every request with a key claims it and completes it: concurrent requests share those two
  // statements (see Batcher).
  private readonly claims: Batcher<ClaimRequest, boolean>;
  private readonly completions: Batcher<Completion, void>;
  /**
   * Keys whose request ended here with a 5xx while the database was away, so their claim could
   * not be freed (or was not known to be made): when sent again, it is taken over at once rather
   * than after STALE_AFTER_SECONDS.
   */
  private readonly cutShort = new Map<string, number>();

  constructor(private readonly db: Database) {
    this.claims = new Batcher<ClaimRequest, boolean>({
      maxInFlight: 4,
      maxBatch: 256,
      keyOf,
      send: async (items) => {
        const rows = await db.derivedSql.query<{ studio_id: string; key: string }>(
          CLAIM,
          [items.map((i) => i.studioId), items.map((i) => i.key), items.map((i) => i.hash)],
          { name: 'clientele_idempotency_claim' },
        );
        const claimed = new Set(
          rows.map((row) => keyOf({ studioId: row.studio_id, key: row.key })),
        );
        return items.map((item) => ({ status: 'fulfilled', value: claimed.has(keyOf(item)) }));
      },
    });
    this.completions = new Batcher<Completion, void>({
      maxInFlight: 4,
      maxBatch: 256,
      keyOf,
      send: async (items) => {
        await db.derivedSql.query(
          COMPLETE,
          [
            items.map((i) => i.studioId),
            items.map((i) => i.key),
            items.map((i) => i.response.status),
            items.map((i) => JSON.stringify(i.response.headers)),
            items.map((i) => JSON.stringify(i.response.body ?? null)),
          ],
          { name: 'clientele_idempotency_complete' },
        );
        return items.map(() => ({ status: 'fulfilled', value: undefined }));
      },
    });
  }

  static hash(method: string, path: string, body: unknown): string {
    return (
      createHash('sha256')
        // A file upload is hashed as its bytes: the same file again is the same request.
        .update(`${method} ${path}\n`)
        .update(Buffer.isBuffer(body) ? body : canonicalJson(body))
        .digest('hex')
    );
  }

  async claim(studioId: string, key: string, requestHash: string): Promise<Claim> {
    // The row we collided with may be deleted before we read it (its request failed with a
    // 5xx and freed the key): then claim again.
    for (let attempt = 1; ; attempt++) {
      let claim: Claim | 'vanished';
      try {
        claim = await this.tryClaim(studioId, key, requestHash);
      } catch (error) {
        // The claim may have landed and its answer been lost: the request ends here unanswered.
        if (error instanceof DatabaseUnavailable)
          this.cutShort.set(keyOf({ studioId, key }), Date.now());
        throw error;
      }
      if (claim !== 'vanished') return claim;
      if (attempt >= 3) {
        throw new Conflict(
          'idempotency_key_in_use',
          'A request with this Idempotency-Key is still being processed. Retry in a moment.',
        );
      }
    }
  }

  private async tryClaim(
    studioId: string,
    key: string,
    requestHash: string,
  ): Promise<Claim | 'vanished'> {
    if (await this.claims.submit({ studioId, key, hash: requestHash })) return { kind: 'run' };
    const row = await this.db.kysely
      .selectFrom('idempotency_keys')
      .select(['request_hash', 'status', 'headers', 'body', 'completed_at'])
      .select(
        sql<boolean>`started_at < now() - make_interval(secs => ${STALE_AFTER_SECONDS})`.as(
          'stale',
        ),
      )
      .where('studio_id', '=', studioId)
      .where('key', '=', key)
      .executeTakeFirst();
    if (!row) return 'vanished';
    if (row.request_hash !== requestHash) {
      throw new Conflict(
        'idempotency_key_reused',
        'This Idempotency-Key was already used with a different request. Use a new key for a new request.',
      );
    }
    if (row.completed_at !== null && row.status !== null) {
      return {
        kind: 'replay',
        response: { status: row.status, headers: row.headers ?? {}, body: row.body },
      };
    }
    const endedHere = this.takeEndedHere(studioId, key);
    if (row.stale || endedHere) {
      const taken = await this.db.kysely
        .updateTable('idempotency_keys')
        .set({ started_at: sql`now()` })
        .where('studio_id', '=', studioId)
        .where('key', '=', key)
        .where('completed_at', 'is', null)
        .$if(!endedHere, (query) =>
          query.where(
            sql<boolean>`started_at < now() - make_interval(secs => ${STALE_AFTER_SECONDS})`,
          ),
        )
        .executeTakeFirst();
      if (Number(taken.numUpdatedRows) === 1) return { kind: 'run' };
    }
    throw new Conflict(
      'idempotency_key_in_use',
      'A request with this Idempotency-Key is still being processed. Retry in a moment.',
    );
  }

  async complete(studioId: string, key: string, response: StoredResponse): Promise<void> {
    await this.completions.submit({ studioId, key, response });
  }

  /**
   * The request failed in a way a retry may fix (a 5xx): free the key. When that fails too (the
   * database is away), the retry that comes to this process takes the claim over at once.
   */
  async abandon(studioId: string, key: string): Promise<void> {
    try {
      await this.db.derivedSql.query(FREE, [studioId, key]);
    } catch {
      this.cutShort.set(keyOf({ studioId, key }), Date.now());
    }
  }

  /**
   * Whether this key's request ended here unanswered (past the stale limit, any process may
   * take it over anyway). Forgotten as it is asked: of two retries at once, one takes it over.
   */
  private takeEndedHere(studioId: string, key: string): boolean {
    const at = this.cutShort.get(keyOf({ studioId, key }));
    this.cutShort.delete(keyOf({ studioId, key }));
    return at !== undefined && Date.now() - at <= STALE_AFTER_SECONDS * 1000;
  }
}

/** JSON with object keys sorted, so `{a,b}` and `{b,a}` are the same request. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}
