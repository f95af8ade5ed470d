import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import {
  caughtUp as caughtUpWith,
  cpuMeter,
  createStudio,
  freePort,
  percentile,
  startApi,
  withApi,
} from './support';

/**
 * Enrollment over HTTP against the API in its own process, projections in-process: on the
 * PostgreSQL at DATABASE_URL when it is set, else on the embedded PGlite the API opens by default
 * (a data folder of its own under the temp dir).
 *
 * 1. A spread mix: clients holding credits book into many sessions — 70% enroll with a credit,
 *    15% with a card on a drop-in class, 10% cancel_and_refund a place booked earlier in the run,
 *    5% read a roster — at 8 and then 32 connections, each on fresh sessions. A client books
 *    only a class it holds no place in (as a booking screen would let it).
 * 2. A hot session: capacity 20, HOT_CLIENTS clients asking for it at the same instant (half of
 *    them with `waitlist: true`), at 32 and then 128 connections; then five of the confirmed
 *    cancel and the waitlist must fill their places in order; seats still held by requests that
 *    failed are settled by the booking upkeep run as of a time past every hold (CLI).
 *
 * After each load, once the projections have caught up, the API must agree with the answers:
 * every session's confirmed count (list and roster) equals the confirmations minus the
 * cancellations answered, never over capacity, no hold left; at the end every client's
 * credits equal what it was given minus the credit places it kept, and nothing is outstanding.
 * A hot session with other than exactly 20 confirmed, or any disagreement, fails the bench.
 */

const CLIENTS = 2_000;
const CREDITS_EACH = 20;
const CREDIT_SESSIONS = 160;
const DROP_IN_SESSIONS = 40;
const CAPACITY = 20;
const MIX_SECONDS = 15;
const WARM_UP_SECONDS = 3;
const HOT_CLIENTS = 500;
const HOT_CAPACITY = 20;
const HOT_CANCELS = 5;
const DAY = 86_400_000;

type Kind = 'enrollCredit' | 'enrollCard' | 'cancel' | 'roster';

interface Answer {
  status: number;
  /** The problem's `code` of a refusal, the place's `status` of a 201, or the socket error. */
  code: string;
  body: Record<string, unknown> | null;
  /** From the call to the answer, time queued for a connection included. */
  ms: number;
  /** From the moment a connection took the request to the answer. */
  serviceMs: number;
}

interface Api {
  base: string;
  process: ChildProcess;
  databaseUrl: string;
}

export function benchEnrollment(url: string): Promise<object> {
  if (process.env.DATABASE_URL) {
    return withApi(url, 'enrollment', (api) => measure(api, 'postgres'));
  }
  return withEmbeddedApi((api) => measure(api, 'pglite'));
}

/** The API on its embedded default (PGlite) in a data folder of its own, removed afterwards. */
async function withEmbeddedApi<T>(run: (api: Api) => Promise<T>): Promise<T> {
  const dataDir = mkdtempSync(join(tmpdir(), 'clientele-bench-'));
  const previous = process.env.CLIENTELE_DATA_DIR;
  // startApi and createStudio pass this process's environment on; an empty DATABASE_URL is none.
  process.env.CLIENTELE_DATA_DIR = dataDir;
  const port = await freePort();
  const api = await startApi('', port);
  try {
    return await run({ base: `http://127.0.0.1:${port}`, process: api, databaseUrl: '' });
  } finally {
    api.kill('SIGTERM');
    await new Promise((resolve) => api.once('exit', resolve));
    if (previous === undefined) delete process.env.CLIENTELE_DATA_DIR;
    else process.env.CLIENTELE_DATA_DIR = previous;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The CLI on the same database (on PGlite it sends the action to the running API). */
function runCli(databaseUrl: string, args: string[]): Promise<string> {
  const main = join(__dirname, '..', '..', 'apps/cli/main.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [main, ...args], {
      env: { ...process.env, DATABASE_URL: databaseUrl },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let text = '';
    child.stdout.on('data', (chunk) => (text += chunk));
    child.on('exit', (code) =>
      code === 0 ? resolve(text) : reject(new Error(`clientele ${args.join(' ')} exited ${code}`)),
    );
  });
}

/** One HTTP call on `agent`'s connections; never throws (a socket error is status 0). */
function send(
  agent: Agent,
  base: string,
  token: string,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  key?: string,
): Promise<Answer> {
  const target = new URL(path, base);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve) => {
    const started = performance.now();
    let connected = started;
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method,
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          ...(payload === undefined
            ? {}
            : {
                'content-type': 'application/json',
                'content-length': Buffer.byteLength(payload),
              }),
          ...(key ? { 'idempotency-key': key } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const now = performance.now();
          const text = Buffer.concat(chunks).toString();
          let parsed: Record<string, unknown> | null = null;
          try {
            parsed = text ? (JSON.parse(text) as Record<string, unknown>) : null;
          } catch {
            parsed = { text };
          }
          const status = res.statusCode ?? 0;
          const code =
            status >= 400
              ? String(parsed?.code ?? 'unknown')
              : String(parsed?.status ?? (method === 'GET' ? 'read' : 'ok'));
          resolve({ status, code, body: parsed, ms: now - started, serviceMs: now - connected });
        });
      },
    );
    req.on('socket', () => (connected = performance.now()));
    req.on('error', (error: NodeJS.ErrnoException) => {
      const now = performance.now();
      resolve({
        status: 0,
        code: error.code ?? error.message,
        body: null,
        ms: now - started,
        serviceMs: now - connected,
      });
    });
    req.end(payload);
  });
}

const round = (ms: number) => Math.round(ms * 10) / 10;

function latency(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    p50: round(percentile(sorted, 0.5)),
    p95: round(percentile(sorted, 0.95)),
    p99: round(percentile(sorted, 0.99)),
    max: round(sorted[sorted.length - 1] ?? 0),
  };
}

function countBy<T>(items: T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

/** Runs `work` on `workers` at once over `items`; answers in the order of `items`. */
async function inParallel<T, R>(items: T[], workers: number, work: (item: T) => Promise<R>) {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(workers, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await work(items[i]!);
      }
    }),
  );
  return results;
}

async function measure(api: Api, database: 'postgres' | 'pglite') {
  const started = Date.now();
  const token = await createStudio(api.databaseUrl);
  const setupAgent = new Agent({ keepAlive: true, maxSockets: 16 });
  const call = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    const answer = await send(setupAgent, api.base, token, method, path, body);
    if (answer.status < 200 || answer.status >= 300) {
      throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    }
    return answer.body!;
  };
  const lastAnswer = (method: string, path: string, answer: Answer) =>
    `${method} ${path} → ${answer.status} ${JSON.stringify(answer.body)}`;

  // --- Setup: two class types, the clients with their credits. -------------------------------
  const flow = (await call('POST', '/v1/class-types', {
    name: 'Flow',
    format: 'in_person',
    eventType: 'yoga',
  })) as { id: string };
  const spin = (await call('POST', '/v1/class-types', {
    name: 'Spin drop-in',
    format: 'in_person',
    eventType: 'spin',
    dropInPrice: { amount: 2500, currency: 'USD' },
  })) as { id: string };
  let setupAt = performance.now();
  const clients = await inParallel(
    Array.from({ length: CLIENTS }, (_, i) => i),
    16,
    async (i) =>
      (
        (await call('POST', '/v1/clients', {
          firstName: `Booker${i}`,
          lastName: 'Bench',
          email: `booker${i}.${process.pid}@bench.example`,
        })) as { id: string }
      ).id,
  );
  const registerSeconds = (performance.now() - setupAt) / 1000;
  setupAt = performance.now();
  for (let i = 0; i < clients.length; i += 1000) {
    const issued = (await call('POST', '/v1/credits/bulk', {
      clientIds: clients.slice(i, i + 1000),
      eventTypes: ['yoga'],
      count: CREDITS_EACH,
      reason: 'bench',
    })) as { failed: number };
    if (issued.failed > 0) throw new Error(`bulk credits: ${JSON.stringify(issued)}`);
  }
  const creditSeconds = (performance.now() - setupAt) / 1000;
  console.error(
    `bench: enrollment: ${CLIENTS} clients in ${registerSeconds.toFixed(1)} s, credits in ${creditSeconds.toFixed(1)} s`,
  );

  // --- What the answers say must be true: places per session, credits per client. ------------
  const capacityOf = new Map<string, number>();
  const expectedEnrolled = new Map<string, number>();
  const creditsSpent = new Map<string, number>();
  const spend = (clientId: string, n: number) =>
    creditsSpent.set(clientId, (creditsSpent.get(clientId) ?? 0) + n);
  let sessionsMade = 0;
  const schedule = (classTypeId: string, count: number, capacity: number) =>
    inParallel(
      Array.from({ length: count }, () => sessionsMade++),
      16,
      async (n) => {
        const { id } = (await call('POST', '/v1/sessions', {
          classTypeId,
          // Two to about forty days ahead (outside any late-cancel window), on the hour.
          startsAt: new Date(
            Math.ceil((Date.now() + 2 * DAY + (n % 900) * 3_600_000) / 3_600_000) * 3_600_000,
          ).toISOString(),
          durationMinutes: 60,
          capacity,
        })) as { id: string };
        capacityOf.set(id, capacity);
        expectedEnrolled.set(id, 0);
        return id;
      },
    );

  /**
   * /health every 100 ms: each projection's lag (how long the oldest event it has not applied
   * has waited), whether all had applied the whole log, the oldest open transaction, and how
   * long /health itself took to answer.
   */
  const lagSampler = () => {
    const lags: number[] = [];
    const healthMs: number[] = [];
    let allCaughtUp = 0;
    let oldestOpenTransactionSeconds = 0;
    let failed = 0;
    let firstFailure: string | null = null;
    let sampling = true;
    // On PostgreSQL, also straight from pg_stat_activity: /health itself may have to wait.
    const oldestOpen: number[] = [];
    const direct = (async () => {
      if (database !== 'postgres') return;
      const pg = new Client({ connectionString: api.databaseUrl });
      await pg.connect();
      try {
        while (sampling) {
          const { rows } = await pg.query<{ seconds: number | null }>(
            `SELECT EXTRACT(EPOCH FROM now() - min(xact_start))::float AS seconds
               FROM pg_stat_activity
              WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid()`,
          );
          oldestOpen.push(rows[0]?.seconds ?? 0);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      } finally {
        await pg.end();
      }
    })();
    const done = (async () => {
      while (sampling) {
        const asked = performance.now();
        try {
          const response = await fetch(`${api.base}/health`);
          const text = await response.text();
          const health = JSON.parse(text) as {
            database: { oldestOpenTransactionSeconds?: number };
            projections?: { lagMs: number; caughtUp: boolean }[];
          };
          if (!health.projections) throw new Error(`${response.status} ${text.slice(0, 300)}`);
          lags.push(Math.max(0, ...health.projections.map((p) => p.lagMs)));
          if (health.projections.every((p) => p.caughtUp)) allCaughtUp++;
          oldestOpenTransactionSeconds = Math.max(
            oldestOpenTransactionSeconds,
            health.database.oldestOpenTransactionSeconds ?? 0,
          );
          healthMs.push(performance.now() - asked);
        } catch (error) {
          failed++;
          firstFailure ??= `${(error as Error).message} ${String((error as Error).cause ?? '')}`;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    return async () => {
      sampling = false;
      await Promise.all([done, direct]);
      lags.sort((a, b) => a - b);
      return {
        p50: percentile(lags, 0.5),
        p99: percentile(lags, 0.99),
        samples: lags.length,
        samplesAllCaughtUp: allCaughtUp,
        samplesFailed: failed,
        ...(firstFailure ? { firstFailure } : {}),
        oldestOpenTransactionSeconds: round(oldestOpenTransactionSeconds),
        ...(database === 'postgres'
          ? { oldestOpenTransactionMsFromPg: latency(oldestOpen.map((x) => x * 1000)) }
          : {}),
        healthAnsweredInMs: latency(healthMs),
      };
    };
  };

  /** Waits until every projection has applied the log; how long that took after the load. */
  const caughtUp = (from?: number) => caughtUpWith(api.base, from);

  /** The sessions' counts from the list and from each roster, against the answers given. */
  const verifySessions = async (ids: string[], loadEnded: number) => {
    const catchUpMs = await caughtUp(loadEnded);
    const now = Date.now();
    // Every session of the bench, in one page of at most 6 weeks.
    const from = new Date(now - DAY / 2).toISOString();
    const to = new Date(now + 41 * DAY).toISOString();
    const listed = (await call(
      'GET',
      `/v1/sessions?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`,
    )) as { items: { id: string; capacity: number; enrolled: number; held: number }[] };
    const byId = new Map(listed.items.map((s) => [s.id, s]));
    const violations: string[] = [];
    let overCapacity = 0;
    await inParallel(ids, 8, async (id) => {
      const roster = (await call('GET', `/v1/sessions/${id}/roster`)) as {
        counts: { enrolled: number; held: number };
        places: { status: string }[];
      };
      const listedSession = byId.get(id);
      const expected = expectedEnrolled.get(id)!;
      const capacity = capacityOf.get(id)!;
      const confirmed = roster.places.filter((p) => p.status === 'confirmed').length;
      if (roster.counts.enrolled > capacity || (listedSession?.enrolled ?? 0) > capacity) {
        overCapacity++;
        violations.push(`${id}: over capacity ${capacity}: roster ${roster.counts.enrolled}`);
      }
      if (
        roster.counts.enrolled !== expected ||
        confirmed !== expected ||
        listedSession?.enrolled !== expected
      ) {
        violations.push(
          `${id}: answers say ${expected} confirmed; roster counts ${roster.counts.enrolled}, roster places ${confirmed}, list ${listedSession?.enrolled}`,
        );
      }
      if (roster.counts.held !== 0 || (listedSession?.held ?? 0) !== 0) {
        violations.push(`${id}: ${roster.counts.held} held after the load`);
      }
    });
    return { sessions: ids.length, catchUpMs, overCapacity, violations };
  };

  // --- 1. The spread mix. -------------------------------------------------------------------
  let keys = 0;
  const key = () => `bench-${process.pid}-${++keys}`;
  const mix = async (connections: number, seconds: number) => {
    const creditSessions = await schedule(flow.id, CREDIT_SESSIONS, CAPACITY);
    const cardSessions = await schedule(spin.id, DROP_IN_SESSIONS, CAPACITY);
    const sessions = [...creditSessions, ...cardSessions];
    const agent = new Agent({ keepAlive: true, maxSockets: connections });
    const held = new Set<string>(); // "session client": confirmed or being asked for
    const cancellable: { sessionId: string; clientId: string; payWith: string }[] = [];
    const done: { kind: Kind; answer: Answer }[] = [];
    const pick = <T>(list: T[]) => list[Math.floor(Math.random() * list.length)]!;
    const enroll = async (payWith: 'credit' | 'card') => {
      let sessionId = '';
      let clientId = '';
      for (let tries = 0; tries < 20; tries++) {
        sessionId = pick(payWith === 'credit' ? creditSessions : cardSessions);
        clientId = pick(clients);
        if (!held.has(`${sessionId} ${clientId}`)) break;
      }
      held.add(`${sessionId} ${clientId}`);
      const answer = await send(
        agent,
        api.base,
        token,
        'POST',
        `/v1/sessions/${sessionId}/enrollments`,
        { clientId, payWith, channel: Math.random() < 0.8 ? 'online' : 'studio' },
        key(),
      );
      if (answer.status === 201 && answer.code === 'confirmed') {
        expectedEnrolled.set(sessionId, expectedEnrolled.get(sessionId)! + 1);
        if (payWith === 'credit') spend(clientId, 1);
        cancellable.push({ sessionId, clientId, payWith });
      } else {
        held.delete(`${sessionId} ${clientId}`);
      }
      return answer;
    };
    const cancel = async () => {
      const place = cancellable.splice(Math.floor(Math.random() * cancellable.length), 1)[0]!;
      const answer = await send(
        agent,
        api.base,
        token,
        'POST',
        `/v1/sessions/${place.sessionId}/enrollments/${place.clientId}/cancel`,
        { outcome: 'cancel_and_refund' },
        key(),
      );
      if (answer.status === 200 && answer.code === 'cancelled') {
        expectedEnrolled.set(place.sessionId, expectedEnrolled.get(place.sessionId)! - 1);
        if (answer.body?.gaveBack === 'credit') spend(place.clientId, -1);
        held.delete(`${place.sessionId} ${place.clientId}`);
      }
      return answer;
    };
    const lag = lagSampler();
    const cpu = cpuMeter(api.process);
    const until = Date.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (Date.now() < until) {
          const roll = Math.random();
          let kind: Kind =
            roll < 0.7
              ? 'enrollCredit'
              : roll < 0.85
                ? 'enrollCard'
                : roll < 0.95
                  ? 'cancel'
                  : 'roster';
          if (kind === 'cancel' && cancellable.length === 0) kind = 'enrollCredit';
          const answer =
            kind === 'enrollCredit'
              ? await enroll('credit')
              : kind === 'enrollCard'
                ? await enroll('card')
                : kind === 'cancel'
                  ? await cancel()
                  : await send(
                      agent,
                      api.base,
                      token,
                      'GET',
                      `/v1/sessions/${pick(sessions)}/roster`,
                    );
          done.push({ kind, answer });
        }
      }),
    );
    const loadEnded = performance.now();
    const cpuMicrosecondsPerRequest = cpu.perRequest(done.length);
    const projectionLagMs = await lag();
    agent.destroy();
    const failures = done.filter((d) => d.answer.status >= 500 || d.answer.status === 0);
    for (const failure of failures.slice(0, 5)) {
      console.error(`bench: enrollment: ${failure.kind} failed: ${JSON.stringify(failure.answer)}`);
    }
    const perKind = Object.fromEntries(
      (['enrollCredit', 'enrollCard', 'cancel', 'roster'] as const).map((kind) => {
        const of = done.filter((d) => d.kind === kind);
        return [
          kind,
          {
            requests: of.length,
            perSecond: Math.round(of.length / seconds),
            latencyMs: latency(of.map((d) => d.answer.ms)),
            outcomes: countBy(of, (d) => `${d.answer.status} ${d.answer.code}`),
          },
        ];
      }),
    );
    const invariants = await verifySessions(sessions, loadEnded);
    return {
      connections,
      seconds,
      sessions: { credit: CREDIT_SESSIONS, dropIn: DROP_IN_SESSIONS, capacity: CAPACITY },
      requests: done.length,
      requestsPerSecond: Math.round(done.length / seconds),
      commandsPerSecond: Math.round(done.filter((d) => d.kind !== 'roster').length / seconds),
      latencyMs: latency(done.map((d) => d.answer.ms)),
      ...perKind,
      seatsTaken: [...sessions].reduce((n, id) => n + expectedEnrolled.get(id)!, 0),
      serverErrors: failures.length,
      projectionLagMs,
      cpuMicrosecondsPerRequest:
        database === 'postgres'
          ? cpuMicrosecondsPerRequest
          : {
              api: cpuMicrosecondsPerRequest.api,
              loadGenerator: cpuMicrosecondsPerRequest.loadGenerator,
            },
      invariants,
    };
  };

  // --- 2. The hot session. ------------------------------------------------------------------
  const hot = async (connections: number, bookers: string[]) => {
    const [sessionId] = await schedule(flow.id, 1, HOT_CAPACITY);
    const agent = new Agent({ keepAlive: true, maxSockets: connections });
    // Every connection open before the rush, as the booking screens of a studio would be.
    await Promise.all(
      Array.from({ length: connections }, () => send(agent, api.base, token, 'GET', '/health')),
    );
    const lag = lagSampler();
    const cpu = cpuMeter(api.process);
    const rush = performance.now();
    const answers = await Promise.all(
      bookers.map((clientId, i) =>
        send(
          agent,
          api.base,
          token,
          'POST',
          `/v1/sessions/${sessionId}/enrollments`,
          { clientId, payWith: 'credit', channel: 'online', waitlist: i % 2 === 0 },
          key(),
        ),
      ),
    );
    const rushEnded = performance.now();
    const allAnsweredMs = Math.round(rushEnded - rush);
    const cpuMicrosecondsPerRequest = cpu.perRequest(answers.length);
    const projectionLagMs = await lag();
    const confirmed = bookers.filter((_, i) => answers[i]!.code === 'confirmed');
    const waitlisted = bookers.filter((_, i) => answers[i]!.code === 'waitlisted');
    const outcomes = countBy(answers, (a) => `${a.status} ${a.code}`);
    const failures = answers.filter((a) => a.status >= 500 || a.status === 0 || a.status === 409);
    for (const failure of failures.slice(0, 3)) {
      console.error(`bench: enrollment: hot session: ${JSON.stringify(failure)}`);
    }
    const violations: string[] = [];
    const rosterPath = `/v1/sessions/${sessionId}/roster`;
    const catchUpMs = await caughtUp(rushEnded);
    const roster = (await call('GET', rosterPath)) as {
      counts: { enrolled: number; held: number; waitlisted: number; spotsLeft: number };
      places: { clientId: string; status: string }[];
    };
    // The roster is the truth; a waitlisted client may have been promoted meanwhile (a seat freed
    // by a booking that failed goes to the waitlist), and every place here was paid by a credit.
    const onRoster = roster.places.filter((p) => p.status === 'confirmed').map((p) => p.clientId);
    for (const clientId of onRoster) spend(clientId, 1);
    expectedEnrolled.set(sessionId!, onRoster.length);
    const promotedDuringRush = onRoster.filter((c) => waitlisted.includes(c));
    const unexplained = onRoster.filter((c) => !confirmed.includes(c) && !waitlisted.includes(c));
    const missing = confirmed.filter((c) => !onRoster.includes(c));
    if (roster.counts.enrolled !== HOT_CAPACITY) {
      violations.push(
        `hot session ${sessionId} at ${connections} connections: ${roster.counts.enrolled} confirmed, not ${HOT_CAPACITY}: roster ${JSON.stringify(roster.counts)}, answers ${JSON.stringify(outcomes)}`,
      );
    }
    if (unexplained.length > 0 || missing.length > 0) {
      violations.push(
        `confirmed on the roster without a 201 (${unexplained.length}: ${unexplained.slice(0, 3).join(', ')}); answered confirmed but not on the roster (${missing.length})`,
      );
    }
    if (roster.counts.waitlisted !== waitlisted.length - promotedDuringRush.length) {
      violations.push(
        `roster waitlist ${roster.counts.waitlisted}, answers ${waitlisted.length} waitlisted of whom ${promotedDuringRush.length} promoted`,
      );
    }
    if (roster.counts.held !== 0) {
      violations.push(`${roster.counts.held} seats still held once every request was answered`);
    }
    // Where the clients whose request failed stand on the roster.
    const statusOf = new Map(roster.places.map((p) => [p.clientId, p.status]));
    const failedClients = bookers.filter((_, i) => answers[i]!.status === 409);
    const failedPlaces = countBy(failedClients, (c) => statusOf.get(c) ?? 'no place');
    const afterRush = roster.counts;
    // Five confirmed cancel: each freed place goes to the head of the waitlist, who pays.
    const promotions: string[] = [];
    for (const clientId of onRoster.slice(0, HOT_CANCELS)) {
      const before = (await call('GET', rosterPath)) as typeof roster;
      const head = before.places.find((p) => p.status === 'waitlisted')?.clientId;
      const path = `/v1/sessions/${sessionId}/enrollments/${clientId}/cancel`;
      const answer = await send(agent, api.base, token, 'POST', path, {
        outcome: 'cancel_and_refund',
      });
      if (answer.status !== 200 || answer.body?.gaveBack !== 'credit') {
        violations.push(`cancel: ${lastAnswer('POST', path, answer)}`);
        continue;
      }
      spend(clientId, -1);
      const promoted = answer.body.promotedClientId as string | null;
      if (promoted) spend(promoted, 1);
      promotions.push(promoted ?? 'none');
      if (promoted !== head) {
        violations.push(
          `cancel of ${clientId} promoted ${promoted}, the waitlist's head is ${head}`,
        );
      }
    }
    await caughtUp();
    const after = (await call('GET', rosterPath)) as typeof roster;
    if (after.counts.enrolled !== onRoster.length || after.counts.held !== roster.counts.held) {
      violations.push(`after ${HOT_CANCELS} cancels: ${JSON.stringify(after.counts)}`);
    }
    if (
      after.counts.waitlisted !==
      roster.counts.waitlisted - promotions.filter((p) => p !== 'none').length
    ) {
      violations.push(`after ${HOT_CANCELS} cancels the waitlist is ${after.counts.waitlisted}`);
    }
    // Seats a failed request left held go to the waitlist once the hold lapses: the booking
    // upkeep (every minute in the API) run now as of a time past every hold.
    let afterHoldsLapse: typeof after.counts | null = null;
    if (after.counts.held > 0) {
      const confirmedBefore = new Set(
        after.places.filter((p) => p.status === 'confirmed').map((p) => p.clientId),
      );
      const settled = await runCli(api.databaseUrl, [
        'bookings',
        'upkeep',
        '--as-of',
        new Date(Date.now() + 3 * 60_000).toISOString(),
        '--json',
      ]);
      await caughtUp();
      const lapsed = (await call('GET', rosterPath)) as typeof roster;
      for (const place of lapsed.places) {
        if (place.status === 'confirmed' && !confirmedBefore.has(place.clientId)) {
          spend(place.clientId, 1);
        }
      }
      afterHoldsLapse = lapsed.counts;
      console.error(`bench: enrollment: upkeep as of +3 min: ${settled.trim()}`);
      if (lapsed.counts.enrolled > HOT_CAPACITY || lapsed.counts.held !== 0) {
        violations.push(`after the holds lapsed: ${JSON.stringify(lapsed.counts)}`);
      }
    }
    agent.destroy();
    const serviceMs = answers.map((a) => a.serviceMs);
    return {
      connections,
      clients: bookers.length,
      askingForTheWaitlist: Math.ceil(bookers.length / 2),
      allAnsweredMs,
      answersPerSecond: Math.round((bookers.length * 1000) / allAnsweredMs),
      latencyMs: latency(answers.map((a) => a.ms)),
      serviceLatencyMs: latency(serviceMs),
      confirmed: onRoster.length,
      answeredConfirmed: confirmed.length,
      waitlisted: waitlisted.length,
      promotedDuringRush: promotedDuringRush.length,
      refused: answers.filter((a) => a.status === 422).length,
      outcomes,
      rosterAfterRush: afterRush,
      placesOfFailedRequests: failedPlaces,
      serverErrors: failures.length,
      projectionLagMs,
      catchUpMs,
      cpuMicrosecondsPerRequest:
        database === 'postgres'
          ? cpuMicrosecondsPerRequest
          : {
              api: cpuMicrosecondsPerRequest.api,
              loadGenerator: cpuMicrosecondsPerRequest.loadGenerator,
            },
      afterCancels: { promoted: promotions.length, counts: after.counts },
      afterHoldsLapse,
      invariants: { ok: violations.length === 0, violations },
    };
  };

  // --- Run. ---------------------------------------------------------------------------------
  console.error('bench: enrollment: warm-up');
  const warmUp = await mix(8, WARM_UP_SECONDS);
  console.error('bench: enrollment: mix at 8 connections');
  const mix8 = await mix(8, MIX_SECONDS);
  console.error('bench: enrollment: mix at 32 connections');
  const mix32 = await mix(32, MIX_SECONDS);
  console.error('bench: enrollment: hot session at 32 connections');
  const hot32 = await hot(32, clients.slice(0, HOT_CLIENTS));
  console.error('bench: enrollment: hot session at 128 connections');
  const hot128 = await hot(128, clients.slice(HOT_CLIENTS, 2 * HOT_CLIENTS));

  // --- Every client's credits and bills, against the answers. --------------------------------
  await caughtUp();
  const creditViolations: string[] = [];
  await inParallel(clients, 16, async (clientId) => {
    const profile = (await call('GET', `/v1/clients/${clientId}`)) as {
      balances: {
        credits: { eventType: string; available: number }[];
        outstanding: { amount: number };
      };
    };
    const available = profile.balances.credits.find((c) => c.eventType === 'yoga')?.available ?? 0;
    const expected = CREDITS_EACH - (creditsSpent.get(clientId) ?? 0);
    if (available !== expected) {
      creditViolations.push(`${clientId}: ${available} credits, the answers say ${expected}`);
    }
    if (profile.balances.outstanding.amount !== 0) {
      creditViolations.push(`${clientId}: ${profile.balances.outstanding.amount} outstanding`);
    }
  });
  setupAgent.destroy();

  const report = {
    database,
    clients: CLIENTS,
    creditsEach: CREDITS_EACH,
    setupSeconds: { registerClients: round(registerSeconds), issueCredits: round(creditSeconds) },
    warmUp: { requests: warmUp.requests, invariants: warmUp.invariants },
    mix: { connections_8: mix8, connections_32: mix32 },
    hotSession: { connections_32: hot32, connections_128: hot128 },
    credits: {
      clientsChecked: clients.length,
      spentInAll: [...creditsSpent.values()].reduce((a, b) => a + b, 0),
      violations: creditViolations,
    },
    totalSeconds: Math.round((Date.now() - started) / 1000),
  };
  const problems = [
    ...[warmUp, mix8, mix32].flatMap((m) => m.invariants.violations),
    ...[hot32, hot128].flatMap((h) => h.invariants.violations),
    ...creditViolations,
  ];
  if (problems.length > 0) {
    console.error(JSON.stringify(report, null, 2));
    throw new Error(
      `Enrollment invariants broken (${problems.length}):\n${problems.slice(0, 20).join('\n')}`,
    );
  }
  return report;
}
