import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Batcher, type SqlExecutor } from '@clientele/database';
import { RuleViolation } from '@clientele/shared';
import { sql, type Kysely, type Migration } from 'kysely';
import type { NewEvent, RecordedEvent } from './event-store.port';
import type { PersonalDataCodec, PersonalOf } from './personal-data';

export const personalDataKeysMigrations: Record<string, Migration> = {
  '2026-11-29T0900_personal_data_keys': {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are frozen in time
    async up(db: Kysely<any>) {
      // A data key per client (ADR 0015). Erasure sets `key` to null and `erased_at`: the row
      // stays, so an erased client is told apart from one who never had a key.
      await db.schema
        .createTable('personal_data_keys')
        .addColumn('client_id', 'uuid', (c) => c.primaryKey())
        .addColumn('studio_id', 'uuid', (c) => c.notNull())
        .addColumn('key', 'bytea')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('erased_at', 'timestamptz')
        .execute();
    },
  },
};

/** AES-256: a client's key is 32 random bytes. */
const KEY_BYTES = 32;

/** Nest's token for the runtime's PersonalDataKeys. */
export const PERSONAL_DATA_KEYS = Symbol('PersonalDataKeys');

/** A client's key as far as sealing and opening care: usable, or destroyed by erasure. */
export type KeyState = { key: Buffer; erasedAt: null } | { key: null; erasedAt: Date };

/** Personal data about an erased client cannot be recorded: no key is left to seal it with. */
export class PersonalDataErased extends RuleViolation {
  constructor(clientId: string) {
    super(
      'client_erased',
      `Client ${clientId} was erased: nothing personal about them can be recorded.`,
      { clientId },
    );
  }
}

interface KeyRow {
  client_id: string;
  key: string | null;
  erased_at: Date | string | null;
}

const stateOf = (row: KeyRow): KeyState =>
  row.key !== null
    ? { key: Buffer.from(row.key, 'base64'), erasedAt: null }
    : { key: null, erasedAt: new Date(row.erased_at ?? 0) };

const SELECT_KEYS = `SELECT client_id::text, encode(key, 'base64') AS key, erased_at
  FROM personal_data_keys WHERE client_id = ANY($1::uuid[])`;

/*
 * Insert-if-absent that answers the row either way: on a conflict the no-op update returns the
 * key another process (or a concurrent append) created first, so every sealer of one client
 * uses one key. An erased row answers its null key, and sealing is refused.
 */
const CREATE_KEYS = `INSERT INTO personal_data_keys (client_id, studio_id, key)
  SELECT c, s, decode(k, 'base64') FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS t(c, s, k)
  ON CONFLICT (client_id) DO UPDATE SET client_id = excluded.client_id
  RETURNING client_id::text, encode(key, 'base64') AS key, erased_at`;

const DESTROY_KEYS = `INSERT INTO personal_data_keys (client_id, studio_id, key, erased_at)
  SELECT c, $2::uuid, NULL, $3::timestamptz FROM unnest($1::uuid[]) AS t(c)
  ON CONFLICT (client_id) DO UPDATE SET key = NULL,
    erased_at = COALESCE(personal_data_keys.erased_at, excluded.erased_at)
  RETURNING client_id::text, erased_at`;

/**
 * The clients' data keys, in the PostgreSQL (or PGlite) database beside the read models, also
 * when the events are on EventStoreDB. Looked up in bulk and cached for `ttlMs`: a destroyed key
 * may live on that long in another process's cache, which is why every read model also clears a
 * client's personal data when it applies `ClientErased` (ADR 0015). A destroyed key is final, so
 * that answer is cached for good.
 */
export class PersonalDataKeys {
  /** Usable keys, in the order they expire (each `ttlMs` after it was read). */
  private readonly cache = new Map<string, { state: KeyState; until: number }>();
  /** Destroyed keys: final, so kept for good. */
  private readonly erased = new Map<string, KeyState>();
  private readonly ttlMs: number;
  private readonly maxCached: number;
  /** Lookups of concurrent seals and opens share one SELECT. */
  private readonly looking = new Batcher<string[], KeyRow[]>({
    send: async (lists) => {
      const rows = await this.sql.query<KeyRow>(SELECT_KEYS, [[...new Set(lists.flat())]]);
      const byId = new Map(rows.map((row) => [row.client_id, row]));
      return lists.map((ids) => ({
        status: 'fulfilled',
        value: ids.flatMap((id) => byId.get(id) ?? []),
      }));
    },
    maxInFlight: 4,
    maxBatch: 100,
  });
  private readonly creating = new Batcher<{ clientId: string; studioId: string }, KeyState>({
    send: (subjects) => this.create(subjects),
    maxInFlight: 4,
    maxBatch: 500,
    keyOf: (subject) => subject.clientId,
  });

  constructor(
    private readonly sql: SqlExecutor,
    options: { ttlMs?: number; maxCached?: number } = {},
  ) {
    this.ttlMs = options.ttlMs ?? 5_000;
    this.maxCached = options.maxCached ?? 50_000;
  }

  /** The keys of these clients (one query for those not cached); absent: never had one. */
  async lookup(clientIds: Iterable<string>): Promise<Map<string, KeyState>> {
    const found = new Map<string, KeyState>();
    const missing: string[] = [];
    const now = Date.now();
    for (const clientId of new Set(clientIds)) {
      const erased = this.erased.get(clientId);
      const cached = this.cache.get(clientId);
      if (erased) found.set(clientId, erased);
      else if (cached && cached.until > now) found.set(clientId, cached.state);
      else missing.push(clientId);
    }
    if (missing.length > 0) {
      for (const row of await this.looking.submit(missing)) {
        found.set(row.client_id, this.remember(row));
      }
    }
    return found;
  }

  /**
   * The keys of these clients, a new one made for each that has none yet. Concurrent appends
   * of new clients (an import, a busy desk) share the statements that look up and make keys
   * (ADR 0008).
   */
  async obtain(
    subjects: readonly { clientId: string; studioId: string }[],
  ): Promise<Map<string, KeyState>> {
    const found = await this.lookup(subjects.map((s) => s.clientId));
    const missing = new Map<string, string>();
    for (const { clientId, studioId } of subjects) {
      if (!found.has(clientId)) missing.set(clientId, studioId);
    }
    const made = await Promise.all(
      this.creating.submitAll([...missing].map(([clientId, studioId]) => ({ clientId, studioId }))),
    );
    [...missing.keys()].forEach((clientId, i) => found.set(clientId, made[i]!));
    return found;
  }

  private async create(
    subjects: { clientId: string; studioId: string }[],
  ): Promise<PromiseSettledResult<KeyState>[]> {
    const keys = randomBytes(KEY_BYTES * subjects.length);
    const rows = await this.sql.query<KeyRow>(CREATE_KEYS, [
      subjects.map((s) => s.clientId),
      subjects.map((s) => s.studioId),
      subjects.map((_, i) => keys.toString('base64', i * KEY_BYTES, (i + 1) * KEY_BYTES)),
    ]);
    const made = new Map(rows.map((row) => [row.client_id, this.remember(row)]));
    return subjects.map((s): PromiseSettledResult<KeyState> => {
      const state = made.get(s.clientId);
      return state
        ? { status: 'fulfilled', value: state }
        : {
            status: 'rejected',
            reason: new Error(`No data key was made for client ${s.clientId}.`),
          };
    });
  }

  /**
   * Destroys the keys of these clients (a row with no key for one that never had one, so even
   * plain personal data written before keys existed reads as erased). Repeating it changes
   * nothing; answers when each was destroyed first.
   */
  async destroy(
    clientIds: readonly string[],
    studioId: string,
    at: Date,
  ): Promise<Map<string, Date>> {
    const rows = await this.sql.query<KeyRow>(DESTROY_KEYS, [
      clientIds,
      studioId,
      at.toISOString(),
    ]);
    const destroyed = new Map<string, Date>();
    for (const row of rows)
      destroyed.set(row.client_id, this.remember({ ...row, key: null }).erasedAt!);
    return destroyed;
  }

  private remember(row: KeyRow): KeyState {
    const state = stateOf(row);
    this.cache.delete(row.client_id);
    if (state.key === null) {
      if (this.erased.size >= this.maxCached) this.erased.clear();
      this.erased.set(row.client_id, state);
      return state;
    }
    const now = Date.now();
    // Expired keys go as new ones come (an import reads thousands a second), not only when
    // the cache is full: they would never be answered again, only held.
    for (const [clientId, entry] of this.cache) {
      if (entry.until > now) break;
      this.cache.delete(clientId);
    }
    if (this.cache.size >= this.maxCached) this.cache.clear();
    this.cache.set(row.client_id, { state, until: now + this.ttlMs });
    return state;
  }
}

/** GCM's standard 96-bit IV, random for every seal. */
const IV_BYTES = 12;

/** Sealed personal data: self-describing, so personal data written before keys reads as plain. */
interface Sealed {
  sealed: 'A256GCM';
  v: 1;
  iv: string;
  tag: string;
  ct: string;
}

function isSealed(value: unknown): value is Sealed {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Sealed).sealed === 'A256GCM' &&
    (value as Sealed).v === 1
  );
}

/** The client id is authenticated with the text, so sealed data cannot be moved to another client. */
function seal(key: Buffer, subject: string, personal: unknown, iv: Buffer): Sealed {
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(subject));
  const ct = Buffer.concat([cipher.update(JSON.stringify(personal), 'utf8'), cipher.final()]);
  return {
    sealed: 'A256GCM',
    v: 1,
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    ct: ct.toString('base64'),
  };
}

function open(key: Buffer, subject: string, sealed: Sealed): unknown {
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
  decipher.setAAD(Buffer.from(subject));
  decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
  const text = Buffer.concat([
    decipher.update(Buffer.from(sealed.ct, 'base64')),
    decipher.final(),
  ]).toString('utf8');
  return JSON.parse(text);
}

/**
 * AES-256-GCM with a key per client (`data.clientId` of the event), a random 12-byte IV per
 * seal. After erasure, sealing is refused and opening answers null — sealed or (written before
 * keys existed) plain alike. A tampered text fails loudly: GCM's tag does not match.
 */
export function encryptedPersonalData(keys: PersonalDataKeys): PersonalDataCodec {
  return {
    async seal(items: readonly PersonalOf<NewEvent>[]) {
      const found = await keys.obtain(
        items.map((item) => ({ clientId: item.subject, studioId: item.event.metadata.studioId })),
      );
      // The batch's random IVs in one draw rather than a draw a seal.
      const ivs = randomBytes(IV_BYTES * items.length);
      return items.map((item, i) => {
        const state = found.get(item.subject);
        if (!state?.key) throw new PersonalDataErased(item.subject);
        const iv = ivs.subarray(i * IV_BYTES, (i + 1) * IV_BYTES);
        return seal(state.key, item.subject, item.personal, iv);
      });
    },
    async open(items: readonly PersonalOf<RecordedEvent>[]) {
      const found = await keys.lookup(items.map((item) => item.subject));
      return items.map((item) => {
        const state = found.get(item.subject);
        if (state && state.key === null) return null;
        if (!isSealed(item.personal)) return item.personal;
        if (!state) {
          throw new Error(
            `No data key for client ${item.subject}: event ${item.event.id} cannot be opened. Is this the database its events were written with?`,
          );
        }
        return open(state.key, item.subject, item.personal);
      });
    },
  };
}
