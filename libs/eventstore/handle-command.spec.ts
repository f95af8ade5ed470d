import {
  claimDecider,
  RuleViolation,
  ValueAlreadyClaimed,
  type ClaimCommand,
  type Decider,
} from '@clientele/shared';
import { migrateToLatest, type Database } from '@clientele/database';
import { openTestDatabase } from '../../test/support/test-database';
import { handleCommand, type CommandContext } from './handle-command';
import { eventStoreMigrations } from './postgres/eventstore.migrations';
import { PostgresEventStore } from './postgres/postgres-event-store';
import { WrongExpectedVersion } from './wrong-expected-version.error';

let db: Database;
let store: PostgresEventStore;

beforeAll(async () => {
  db = await openTestDatabase();
  await migrateToLatest(db, eventStoreMigrations);
  store = new PostgresEventStore(db.sql, { name: db.kind });
});
afterAll(() => db.close());

const context = (over: Partial<CommandContext> = {}): CommandContext => ({
  metadata: {
    studioId: 's1',
    actor: { type: 'staff', id: 'staff-1' },
    correlationId: 'c1',
    idempotencyKey: null,
    schemaVersion: 1,
  },
  now: new Date(),
  ...over,
});
const claim = (holderId: string): ClaimCommand => ({
  type: 'ClaimValue',
  data: { scope: 'test', holderId },
});
let n = 0;
const fresh = () => `claim-${++n}-${Date.now()}`;

describe('handling a command', () => {
  it('reads, decides and appends with the revision it read, recording the metadata', async () => {
    const stream = fresh();
    const result = await handleCommand(store, stream, claimDecider, claim('a'), context());
    expect(result).toMatchObject({ revision: 0, replayed: false, state: { holderId: 'a' } });
    const [event] = await store.readStream(stream);
    expect(event!.metadata).toMatchObject({
      studioId: 's1',
      actor: { type: 'staff', id: 'staff-1' },
    });
  });

  it('lets exactly one of many parallel commands on one stream win', async () => {
    const stream = fresh();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        handleCommand(store, stream, claimDecider, claim(`h${i}`), context()),
      ),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    // The losers re-read after the conflict and were refused by the rule, not by the store.
    for (const o of outcomes.filter((o) => o.status === 'rejected')) {
      expect((o as PromiseRejectedResult).reason).toBeInstanceOf(ValueAlreadyClaimed);
    }
    expect(await store.readStream(stream)).toHaveLength(1);
  });

  it('reads and decides again when another process appended between its read and its append', async () => {
    const stream = fresh();
    // Another process claims the value right after this one has read the empty stream.
    let interfered = false;
    const racing = Object.create(store) as PostgresEventStore;
    racing.readStream = async (name: string) => {
      const history = await store.readStream(name);
      if (!interfered) {
        interfered = true;
        await store.append(
          name,
          [
            {
              type: 'ValueClaimed',
              data: { scope: 'test', holderId: 'other' },
              metadata: context().metadata,
            },
          ],
          { expectedRevision: 'no_stream' },
        );
      }
      return history;
    };
    const outcome = await handleCommand(
      racing,
      stream,
      claimDecider,
      claim('mine'),
      context(),
    ).catch((error: unknown) => error);
    // The retry read the other claim and the rule refused this one: nothing was overwritten.
    expect(outcome).toBeInstanceOf(ValueAlreadyClaimed);
    expect((await store.readStream(stream)).map((e) => e.data)).toEqual([
      { scope: 'test', holderId: 'other' },
    ]);
  });

  it('runs one process’s commands on a stream in line: none of them conflicts with another', async () => {
    const stream = fresh();
    let conflicts = 0;
    const counting = Object.create(store) as PostgresEventStore;
    counting.append = async (...args: Parameters<PostgresEventStore['append']>) => {
      try {
        return await store.append(...args);
      } catch (error) {
        if (error instanceof WrongExpectedVersion) conflicts++;
        throw error;
      }
    };
    const release = (holderId: string) => ({
      type: 'ReleaseValue' as const,
      data: { scope: 'test', holderId },
    });
    // Forty claims and releases taking turns on one stream, all at once.
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        handleCommand(
          counting,
          stream,
          claimDecider,
          i % 2 ? release(`h${i - 1}`) : claim(`h${i}`),
          context(),
        ),
      ),
    );
    expect(conflicts).toBe(0);
    expect((await store.readStream(stream)).length).toBe(40);
  });

  it('with expectNew, appends without reading, and still decides right when the stream exists', async () => {
    const stream = fresh();
    await handleCommand(store, stream, claimDecider, claim('a'), context({ expectNew: true }));
    await expect(
      handleCommand(store, stream, claimDecider, claim('b'), context({ expectNew: true })),
    ).rejects.toBeInstanceOf(ValueAlreadyClaimed);
    const again = await handleCommand(
      store,
      stream,
      claimDecider,
      claim('a'),
      context({ expectNew: true }),
    );
    // Decided on the stream as it is (held by a), not on the empty state the guess assumed.
    expect(again).toMatchObject({ revision: 1, state: { holderId: 'a' } });
    expect((await store.readStream(stream)).map((e) => e.revision)).toEqual([0, 1]);
  });

  it('applies an idempotency key once: the retry is told it was replayed', async () => {
    const stream = fresh();
    const keyed = context({ metadata: { ...context().metadata, idempotencyKey: 'key-1' } });
    await handleCommand(store, stream, claimDecider, claim('a'), keyed);
    const retry = await handleCommand(store, stream, claimDecider, claim('a'), keyed);
    expect(retry).toMatchObject({ replayed: true, appended: [] });
    expect(await store.readStream(stream)).toHaveLength(1);
  });

  it('replays by key only for the same studio: keys are unique within a studio', async () => {
    const stream = fresh();
    const keyed = (studioId: string) =>
      context({ metadata: { ...context().metadata, studioId, idempotencyKey: 'shared-key' } });
    await handleCommand(store, stream, claimDecider, claim('a'), keyed('studio-a'));
    const otherStudio = await handleCommand(
      store,
      stream,
      claimDecider,
      claim('a'),
      keyed('studio-b'),
    );
    expect(otherStudio.replayed).toBe(false);
  });

  it('replays a keyed command before checking If-Match, so a retry after a lost answer succeeds', async () => {
    const stream = fresh();
    const keyed = context({ metadata: { ...context().metadata, idempotencyKey: 'k-if-match' } });
    await handleCommand(store, stream, claimDecider, claim('a'), {
      ...keyed,
      expectedRevision: -1,
    });
    const retry = await handleCommand(store, stream, claimDecider, claim('a'), {
      ...keyed,
      expectedRevision: -1,
    });
    expect(retry.replayed).toBe(true);
  });

  it('refuses a stale expected revision (If-Match) instead of retrying', async () => {
    const stream = fresh();
    await handleCommand(store, stream, claimDecider, claim('a'), context());
    await expect(
      handleCommand(
        store,
        stream,
        claimDecider,
        { type: 'ReleaseValue', data: { scope: 'test', holderId: 'a' } },
        context({ expectedRevision: 5 }),
      ),
    ).rejects.toBeInstanceOf(WrongExpectedVersion);
    expect(await store.readStream(stream)).toHaveLength(1);
  });
});

describe('a stream remembered by the process', () => {
  const release = (holderId: string): ClaimCommand => ({
    type: 'ReleaseValue',
    data: { scope: 'test', holderId },
  });
  /** The store as a second process sees it: a memory and a line of its own. */
  const otherProcess = () => Object.create(store) as PostgresEventStore;
  const readsOf = (of: PostgresEventStore) => {
    const counted = Object.create(of) as PostgresEventStore & { reads: number };
    counted.reads = 0;
    counted.readStream = (...args: Parameters<PostgresEventStore['readStream']>) => {
      counted.reads++;
      return of.readStream(...args);
    };
    return counted;
  };

  it('decides the next command on a stream without reading it again', async () => {
    const stream = fresh();
    const mine = readsOf(store);
    await handleCommand(mine, stream, claimDecider, claim('a'), context());
    const released = await handleCommand(mine, stream, claimDecider, release('a'), context());
    const again = await handleCommand(mine, stream, claimDecider, claim('b'), context());
    expect(mine.reads).toBe(1);
    expect([released.revision, again.revision]).toEqual([1, 2]);
    expect(again.state).toEqual({ holderId: 'b' });
  });

  it('reads afresh when another process appended since, and decides on what it read', async () => {
    const stream = fresh();
    const mine = readsOf(store);
    await handleCommand(mine, stream, claimDecider, claim('a'), context());
    await handleCommand(otherProcess(), stream, claimDecider, release('a'), context());
    // Remembered: a holds it, so releasing it is an append, which the store refuses.
    const outcome = await handleCommand(mine, stream, claimDecider, release('a'), context());
    expect(outcome).toMatchObject({ appended: [], revision: 1, state: { holderId: null } });
    expect(mine.reads).toBe(2);
  });

  it('answers a refusal only after a fresh read', async () => {
    const stream = fresh();
    await handleCommand(store, stream, claimDecider, claim('a'), context());
    await handleCommand(otherProcess(), stream, claimDecider, release('a'), context());
    // Remembered: a holds it. Read afresh: nobody does.
    const outcome = await handleCommand(store, stream, claimDecider, claim('c'), context());
    expect(outcome).toMatchObject({ revision: 2, state: { holderId: 'c' } });
  });

  it('answers "nothing to do" only after a fresh read', async () => {
    const stream = fresh();
    await handleCommand(store, stream, claimDecider, claim('a'), context());
    await handleCommand(store, stream, claimDecider, release('a'), context());
    await handleCommand(otherProcess(), stream, claimDecider, claim('b'), context());
    // Remembered: nobody holds it, so releasing b would do nothing. Read afresh: b does.
    const outcome = await handleCommand(store, stream, claimDecider, release('b'), context());
    expect(outcome).toMatchObject({ revision: 3, state: { holderId: null } });
    expect((await store.readStream(stream)).at(-1)!.type).toBe('ValueReleased');
  });

  it('checks If-Match against a fresh read', async () => {
    const stream = fresh();
    await handleCommand(store, stream, claimDecider, claim('a'), context());
    await handleCommand(otherProcess(), stream, claimDecider, release('a'), context());
    const outcome = await handleCommand(
      store,
      stream,
      claimDecider,
      claim('a'),
      context({ expectedRevision: 1 }),
    );
    expect(outcome).toMatchObject({ revision: 2, state: { holderId: 'a' } });
  });

  it('answers a replay by key with the stream as it is now', async () => {
    const stream = fresh();
    const keyed = context({ metadata: { ...context().metadata, idempotencyKey: 'k-remembered' } });
    await handleCommand(store, stream, claimDecider, claim('a'), keyed);
    await handleCommand(otherProcess(), stream, claimDecider, release('a'), context());
    const retry = await handleCommand(store, stream, claimDecider, claim('a'), keyed);
    expect(retry).toMatchObject({ replayed: true, revision: 1, state: { holderId: null } });
  });

  it('reads afresh after a refused append even with If-Match: the request may have landed elsewhere', async () => {
    const stream = fresh();
    const keyed = context({ metadata: { ...context().metadata, idempotencyKey: 'k-elsewhere' } });
    await handleCommand(store, stream, claimDecider, claim('a'), context());
    // The first try of the request reached another process, whose answer was lost.
    await handleCommand(otherProcess(), stream, claimDecider, claim('a'), keyed);
    const retry = await handleCommand(store, stream, claimDecider, claim('a'), {
      ...keyed,
      expectedRevision: 0,
    });
    expect(retry).toMatchObject({ replayed: true, revision: 1 });
  });

  it('decides right after an append of its own new stream (expectNew) without reading it', async () => {
    const stream = fresh();
    const mine = readsOf(store);
    await handleCommand(mine, stream, claimDecider, claim('a'), context({ expectNew: true }));
    const released = await handleCommand(mine, stream, claimDecider, release('a'), context());
    expect(mine.reads).toBe(0);
    expect(released).toMatchObject({ revision: 1, state: { holderId: null } });
  });

  it('never remembers a stream with personal data in it', async () => {
    const noting: Decider<{ text: string }, { type: string; data: object }, { notes: number }> = {
      initialState: { notes: 0 },
      evolve: (state) => ({ notes: state.notes + 1 }),
      decide: ({ text }) => [{ type: 'Noted', data: { clientId: 'c1', personal: { text } } }],
    };
    const stream = fresh();
    const mine = readsOf(store);
    await handleCommand(mine, stream, noting, { text: 'one' }, context());
    const second = await handleCommand(mine, stream, noting, { text: 'two' }, context());
    expect(mine.reads).toBe(2);
    expect(second.state).toEqual({ notes: 2 });
  });

  it('reads afresh for another decider, and after a minute without a command', async () => {
    const stream = fresh();
    const mine = readsOf(store);
    const another = { ...claimDecider };
    await handleCommand(mine, stream, claimDecider, claim('a'), context());
    await handleCommand(mine, stream, another, release('a'), context());
    expect(mine.reads).toBe(2);
    const later = Date.now() + 61_000;
    const clock = jest.spyOn(Date, 'now').mockReturnValue(later);
    try {
      await handleCommand(mine, stream, another, claim('b'), context());
    } finally {
      clock.mockRestore();
    }
    expect(mine.reads).toBe(3);
  });

  it('reads afresh when an append decided on memory is refused by a rule before it is sent', async () => {
    class Erased extends RuleViolation {
      constructor() {
        super('client_erased', 'The client was erased.');
      }
    }
    const stream = fresh();
    const mine = Object.create(store) as PostgresEventStore;
    await handleCommand(mine, stream, claimDecider, claim('a'), context());
    await handleCommand(otherProcess(), stream, claimDecider, release('a'), context());
    // As the personal-data codec refuses to seal for a client erased by another process.
    mine.append = () => Promise.reject(new Erased());
    const outcome = handleCommand(
      mine,
      stream,
      claimDecider,
      claim('a'),
      context({ expectedRevision: 0 }),
    );
    // Read afresh, the stream is past the revision the caller saw: that is the answer.
    await expect(outcome).rejects.toBeInstanceOf(WrongExpectedVersion);
  });
});
