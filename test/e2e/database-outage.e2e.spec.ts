import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { openDatabase, type Database } from '@clientele/database';
import type { Checkpoint } from '@clientele/eventstore';
import { adminActions, loadConfig, openRuntime, type Runtime } from '@clientele/runtime';
import { createApp } from '../../apps/api/create-app';
import {
  privatePostgresUnavailable,
  startPrivatePostgres,
  type PrivatePostgres,
} from '../support/private-postgres';
import { PRODUCTS } from '../support/studio-fixtures';
import { replyOf, type Reply } from '../support/test-app';

/*
 * PostgreSQL stopped and started under load (issue 8, item 3): while it is down every request
 * is answered 503 problem+json at once, the projections, upkeep and outbox loops keep retrying,
 * and once it is back the API recovers on its own. Afterwards each registration or sale answered
 * 201 is in the log exactly once, and each answered 503 happens exactly once when sent again with
 * its Idempotency-Key. It runs on a server of its own: the shared one serves other suites.
 */

const cannot = privatePostgresUnavailable();
const SKIPPED = `Database outage suite skipped: ${cannot}`;

/** Longer than any answer may take while the database is away: past it, a request hangs. */
const HANG_MS = 15_000;

/** A POST a desk sent (and sends again after a 503, with the same key and body). */
interface Change {
  key: string;
  url: '/v1/clients' | '/v1/sales';
  body: object;
  answers: Reply[];
}

interface Answer {
  /** What the database was doing while the request ran. */
  during: 'up' | 'down' | 'changing';
  reply: Reply;
}

if (cannot) {
  // Jest lists test titles only with --verbose: the warning makes the skip visible in `npm test`.
  console.warn(SKIPPED);
  describe('database outage', () => {
    it.skip(SKIPPED, () => undefined);
  });
} else {
  describe('database outage', () => {
    let server: PrivatePostgres;
    let db: Database;
    let runtime: Runtime;
    let app: NestFastifyApplication;
    let token: string;
    const logged: unknown[][] = [];
    const changes = new Map<string, Change>();
    let pack: string;
    const answers: Answer[] = [];
    let state: 'up' | 'down' | 'changing' = 'up';
    let moves = 0;
    const becomes = (next: typeof state) => {
      state = next;
      moves++;
    };

    const call = async (
      method: 'GET' | 'POST',
      url: string,
      headers: Record<string, string> = {},
      body?: unknown,
    ): Promise<Reply> => {
      let timer: NodeJS.Timeout | undefined;
      const hang = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${method} ${url} hung`)), HANG_MS);
      });
      try {
        const response = await Promise.race([
          app.inject({
            method,
            url,
            headers: {
              authorization: `Bearer ${token}`,
              ...(body ? { 'content-type': 'application/json' } : {}),
              ...headers,
            },
            ...(body ? { payload: JSON.stringify(body) } : {}),
          }),
          hang,
        ]);
        return replyOf(response);
      } finally {
        clearTimeout(timer);
      }
    };

    /** A request, noted with what the database was doing from its start to its answer. */
    const observed = async (send: () => Promise<Reply>): Promise<Reply> => {
      const [before, at] = [state, moves];
      const reply = await send();
      answers.push({ during: at === moves ? before : 'changing', reply });
      return reply;
    };

    const send = (change: Change) =>
      call('POST', change.url, { 'idempotency-key': change.key }, change.body).then((reply) => {
        change.answers.push(reply);
        return reply;
      });
    const sent = (key: string, url: Change['url'], body: object) => {
      const change: Change = { key, url, body, answers: [] };
      changes.set(key, change);
      return observed(() => send(change));
    };
    const registered = () =>
      [...changes.values()].filter((c) => c.url === '/v1/clients' && c.answers[0]?.status === 201);

    /**
     * Front desks at work: each registers a client, sells them a pack of ten classes, and reads
     * a client registered before.
     */
    let n = 0;
    const load = (desks: number) => {
      let running = true;
      const desk = async () => {
        while (running) {
          const i = ++n;
          const registration = await sent(`client-${i}`, '/v1/clients', {
            firstName: 'Ada',
            lastName: `Client ${i}`,
            email: `client${i}@example.com`,
          });
          if (registration.status === 201) {
            await sent(`sale-${i}`, '/v1/sales', {
              clientId: registration.body.id,
              items: [{ productId: pack }],
              payment: { method: 'cash' },
            });
          }
          const known = registered();
          const someone = known[Math.floor(Math.random() * known.length)];
          if (someone) {
            await observed(() => call('GET', `/v1/clients/${someone.answers[0]!.body.id}`));
          }
          // A desk's pace, so a failing database is not asked thousands of times a second.
          await delay(5);
        }
      };
      const all = Promise.all(Array.from({ length: desks }, desk));
      return async () => {
        running = false;
        await all;
      };
    };

    const answeredSince = (from: number, status: number, during: Answer['during']) =>
      answers.slice(from).filter((a) => a.during === during && a.reply.status === status).length;

    const waitFor = async (what: string, done: () => boolean | Promise<boolean>, ms = 30_000) => {
      const deadline = Date.now() + ms;
      while (!(await done())) {
        if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
        await delay(50);
      }
    };

    beforeAll(async () => {
      // The loops' complaints while the database is away: kept for the assertions, not printed.
      jest.spyOn(console, 'error').mockImplementation((...args) => void logged.push(args));
      jest.spyOn(console, 'warn').mockImplementation((...args) => void logged.push(args));
      server = await startPrivatePostgres();
      db = await openDatabase({ url: server.url, poolSize: 12 });
      runtime = await openRuntime(
        { ...loadConfig({}), databaseUrl: server.url, readConsistencyTimeoutMs: 3000 },
        'server',
        { database: db },
      );
      runtime.runner.start();
      runtime.startUpkeep(200, 200);
      app = await createApp(runtime, { logger: false });
      ({ token } = await adminActions['studio.create'](runtime, {
        name: 'Sunrise Yoga',
        currency: 'USD',
        timezone: 'America/New_York',
        ownerEmail: 'owner@example.com',
      }));
      pack = (await call('POST', '/v1/products', {}, PRODUCTS.tenClasses)).body.id;
    });

    afterAll(async () => {
      await app?.close();
      await runtime?.close();
      await db?.close();
      await server?.destroy();
      jest.restoreAllMocks();
    });

    it.each(['fast', 'immediate'] as const)(
      'answers 503 while PostgreSQL is stopped (%s) under load, and recovers by itself',
      async (mode) => {
        const from = answers.length;
        const stopLoad = load(4);
        let healthWhileDown: Reply;
        try {
          await waitFor(
            'registrations before the stop',
            () => answeredSince(from, 201, 'up') >= 10,
          );
          becomes('changing');
          await server.stop(mode);
          becomes('down');
          const downFrom = answers.length;
          // Long enough for every loop to run into it (they wake every 25 to 200 ms).
          await Promise.all([
            waitFor('answers while down', () => answers.length - downFrom >= 40),
            delay(1000),
          ]);
          healthWhileDown = await call('GET', '/health');
        } finally {
          becomes('changing');
          await server.start();
          becomes('up');
        }
        const loggedFrom = logged.length;
        try {
          const upFrom = answers.length;
          // Nothing restarted: the pools connect again when asked.
          await waitFor(
            'registrations after the start',
            () => answeredSince(upFrom, 201, 'up') >= 10,
          );
          // The outbox's dispatcher too: it mails again (to the log).
          await waitFor('a notification sent', () =>
            logged.slice(loggedFrom).some((args) => String(args[0]).startsWith('mail <')),
          );
        } finally {
          await stopLoad();
        }

        expect(healthWhileDown.status).toBe(503);
        expect(healthWhileDown.body).toMatchObject({
          status: 'unavailable',
          database: { ok: false },
        });
        // Whoever runs the server sees why: refused, or the server shutting down.
        expect(healthWhileDown.body.database.error).toMatch(
          /ECONNREFUSED|shutting down|terminated|not queryable/,
        );
        const seen = answers.slice(from);
        // Only successes and 503s; never a 500.
        expect(new Set(seen.map((a) => a.reply.status))).toEqual(new Set([200, 201, 503]));
        const whileDown = seen.filter((a) => a.during === 'down');
        expect(whileDown.length).toBeGreaterThan(0);
        expect(whileDown.every((a) => a.reply.status === 503)).toBe(true);
        for (const { reply } of seen.filter((a) => a.reply.status === 503)) {
          expect(reply.headers['content-type']).toMatch(/^application\/problem\+json/);
          expect(reply.headers['retry-after']).toMatch(/^\d+$/);
          expect(reply.body).toMatchObject({ status: 503, code: 'unavailable' });
          expect(reply.body.detail).toMatch(/database|catching up/i);
        }
      },
    );

    it('makes each change exactly once, and the read models catch up', async () => {
      // The desks send again what got a 503, with the same key and body, until it is answered,
      // and the rest too (a replay). The crash can lose the server's last asynchronous commits
      // (ADR 0007): a stored answer, or the freeing of a key, while its claim stays. Such a key
      // is in use until its claim is 30 seconds old; then the command runs again, finds its own
      // effect and answers the same.
      await inTurns([...changes.values()], (change) =>
        waitFor(
          `an answer for ${change.key}`,
          async () => {
            const reply = await send(change);
            if (reply.status === 201) return true;
            expect([503, 409]).toContain(reply.status);
            if (reply.status === 409) {
              expect(reply.body.code).toBe('idempotency_key_in_use');
              await delay(1000);
            }
            return false;
          },
          45_000,
        ),
      );

      await waitFor('the read models', async () => {
        const health = await call('GET', '/health');
        return (
          health.status === 200 &&
          health.body.projections.every(
            (p: { caughtUp: boolean; lagMs: number; lastError: string | null }) =>
              p.caughtUp && p.lagMs === 0 && p.lastError === null,
          )
        );
      });

      // Each key's change, as the log holds it: the stream it registered a client on, or sold on.
      const made = new Map<string, string[]>();
      let from: Checkpoint | null = null;
      for (;;) {
        const page = await runtime.store.readAll({ from, limit: 1000 });
        if (page.length === 0) break;
        for (const event of page) {
          if (event.type !== 'ClientRegistered' && event.type !== 'SaleRecorded') continue;
          const key = event.metadata.idempotencyKey!;
          made.set(key, [...(made.get(key) ?? []), event.streamName]);
        }
        from = page[page.length - 1]!.checkpoint;
      }
      expect([...made.keys()].sort()).toEqual([...changes.keys()].sort());
      for (const [key, change] of changes) {
        const answer = change.answers.at(-1)!.body;
        const clientId = change.url === '/v1/clients' ? answer.id : answer.clientId;
        expect([key, made.get(key)]).toEqual([key, [expect.stringContaining(clientId)]]);
        // Every 201 for the key named the same thing.
        for (const reply of change.answers.filter((a) => a.status === 201)) {
          expect(reply.body).toEqual(answer);
        }
      }
      // One pack each client was sold, never two: ten classes, on the profile.
      await inTurns(registered(), async (registration) => {
        const id = registration.answers[0]!.body.id as string;
        const read = await call('GET', `/v1/clients/${id}`);
        expect(read.status).toBe(200);
        const sold = changes.has(registration.key.replace('client-', 'sale-'));
        expect(read.body.balances.credits).toEqual(
          sold ? [expect.objectContaining({ eventType: 'yoga', available: 10 })] : [],
        );
      });
      // The loops said what failed and went on; nothing ended the process.
      for (const loop of [
        /^projection client_profiles failed; retrying/,
        /^sending notifications failed; retrying/,
        /^account upkeep failed; retrying/,
      ]) {
        expect(logged.some((args) => loop.test(String(args[0])))).toBe(true);
      }
    });
  });
}

/** `work` for each item, a few at a time: as the desks would. */
async function inTurns<T>(items: T[], work: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += 8) await Promise.all(items.slice(i, i + 8).map(work));
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
