import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import 'reflect-metadata';
import { openDatabase } from '@clientele/database';
import { accountDecider, accountStream, type AccountEvent } from '@clientele/entitlements';
import { adminActions, loadConfig, openRuntime, type Runtime } from '@clientele/runtime';
import {
  sessionDecider,
  sessionStream,
  type Place,
  type SessionEvent,
} from '@clientele/scheduling';
import { fold } from '@clientele/shared';
import { createApp } from '../../apps/api/create-app';
import type { CrashPlan } from '../support/booking-crash-child';
import { compileForChildren } from '../support/fault-processes';
import { expectReadModelsToEqualRebuild } from '../support/read-models';

/**
 * Invariant 3 of issue 4: a crash between spending the credit and taking the seat leaves neither
 * a lost credit nor a seat without payment. A child process books and cancels without pause and
 * is killed (SIGKILL) at a random moment; the booking upkeep then settles what it left half done,
 * and every place and every credit must agree.
 */
const ROOT = join(__dirname, '../..');
const OUT = join(ROOT, 'dist', 'crash-test');
const SESSIONS = 6;
const CAPACITY = 4;
const CLIENTS = 24;
const CREDITS = 3;
const ROUNDS = 2;
const MAX_ROUNDS = 6;

let dataDir: string | undefined;
let schema: string | undefined;

async function open(): Promise<Runtime> {
  const url = process.env.DATABASE_URL;
  if (url) {
    const database = await openDatabase({ url, schema: schema!, poolSize: 12 });
    const runtime = await openRuntime(loadConfig({}), 'server', { database });
    return { ...runtime, close: async () => (await runtime.close(), await database.close()) };
  }
  return openRuntime(loadConfig({ CLIENTELE_DATA_DIR: dataDir! }), 'server');
}

beforeAll(() => {
  // The child runs compiled: the same build as `npm run build`, of what it needs.
  compileForChildren('crash-test');
  if (process.env.DATABASE_URL) schema = `t_${randomBytes(6).toString('hex')}`;
  else dataDir = mkdtempSync(join(tmpdir(), 'clientele-crash-'));
}, 120_000);

afterAll(async () => {
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  if (schema) {
    const db = await openDatabase({ url: process.env.DATABASE_URL! });
    await db.sql.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await db.close();
  }
});

/** Starts the child, waits until it books, kills it `afterMs` later. */
function runAndKill(plan: CrashPlan, afterMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(OUT, 'test/support/booking-crash-child.js')], {
      cwd: ROOT,
      env: { ...process.env, CRASH_PLAN: JSON.stringify(plan) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let errors = '';
    // A child that never gets going is a failure with its words, not a test timeout.
    const stuck = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the child never started booking: ${errors}`));
    }, 60_000);
    child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      if (!chunk.toString().includes('running')) return;
      clearTimeout(stuck);
      setTimeout(() => child.kill('SIGKILL'), afterMs);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(stuck);
      if (signal === 'SIGKILL') resolve();
      else reject(new Error(`the child stopped by itself (${code}): ${errors}`));
    });
  });
}

it('leaves no credit lost and no seat unpaid when the process is killed mid-booking', async () => {
  let runtime = await open();
  const { studioId, token } = await adminActions['studio.create'](runtime, {
    name: 'Crash Studio',
    currency: 'USD',
    timezone: 'UTC',
    ownerEmail: 'owner@crash.example',
  });
  runtime.runner.start();
  const app = await createApp(runtime, { logger: false });
  const post = async (url: string, body: object) => {
    const reply = await app.inject({
      method: 'POST',
      url,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: JSON.stringify(body),
    });
    expect(reply.statusCode).toBe(201);
    return (JSON.parse(reply.body) as { id: string }).id;
  };
  const classTypeId = await post('/v1/class-types', {
    name: 'Flow',
    format: 'in_person',
    eventType: 'yoga',
  });
  const sessionIds: string[] = [];
  for (let i = 0; i < SESSIONS; i++) {
    const startsAt = new Date(Date.now() + (2 + i) * 86_400_000).toISOString();
    sessionIds.push(
      await post('/v1/sessions', {
        classTypeId,
        startsAt,
        durationMinutes: 60,
        capacity: CAPACITY,
      }),
    );
  }
  const clientIds: string[] = [];
  for (let i = 0; i < CLIENTS; i++) {
    const clientId = await post('/v1/clients', {
      firstName: 'Cr',
      lastName: `Ash${i}`,
      email: `crash${i}@crash.example`,
    });
    clientIds.push(clientId);
    await post(`/v1/clients/${clientId}/credits`, {
      eventTypes: ['yoga'],
      count: CREDITS,
      reason: 'crash test',
    });
  }
  await app.close();
  await runtime.close();

  let settled = 0;
  // At least ROUNDS kills, and more (up to MAX_ROUNDS) until one caught a booking half done.
  for (let round = 0; round < ROUNDS || (settled === 0 && round < MAX_ROUNDS); round++) {
    await runAndKill(
      {
        studioId,
        sessionIds,
        clientIds,
        ...(dataDir ? { dataDir } : {}),
        ...(schema ? { databaseUrl: process.env.DATABASE_URL!, schema } : {}),
      },
      150 + Math.floor(Math.random() * 500),
    );
    runtime = await open();
    try {
      await runtime.runner.catchUp('client_accounts');
      await runtime.runner.catchUp('schedule');
      // Ten minutes on: every hold the crash left has lapsed.
      const report = await runtime.bookingUpkeep.runOnce(new Date(Date.now() + 10 * 60_000));
      expect(report.failed).toEqual([]);
      settled += report.settled;
      await expectEveryPlaceAndCreditToAgree(runtime, sessionIds, clientIds);
      // What the killed process and the upkeep left in the read models is what the log says.
      await expectReadModelsToEqualRebuild(runtime);
    } finally {
      await runtime.close();
    }
  }
  // The kills did catch bookings half done: otherwise this test proved nothing.
  expect(settled).toBeGreaterThan(0);
}, 180_000);

async function expectEveryPlaceAndCreditToAgree(
  runtime: Runtime,
  sessionIds: string[],
  clientIds: string[],
) {
  /** What each enrollment's credit must be, from the places. */
  const expected = new Map<string, 'spent' | 'returned' | 'none'>();
  for (const sessionId of sessionIds) {
    const state = fold(
      sessionDecider,
      (await runtime.store.readStream(sessionStream(sessionId))) as unknown as SessionEvent[],
    );
    if (state.status !== 'scheduled') throw new Error('scheduled above');
    const places: Place[] = [...state.places.values(), ...state.earlier.values()];
    expect(places.filter((p) => p.status === 'confirmed').length).toBeLessThanOrEqual(CAPACITY);
    // No seat is left held: a hold either became a paid place or was released.
    expect(places.filter((p) => p.status === 'held')).toEqual([]);
    for (const place of places) {
      if (place.status === 'confirmed' || place.status === 'cancelled') {
        expect(place.payment).toEqual({ kind: 'credit', reservationId: place.enrollmentId });
        expected.set(place.enrollmentId, place.refunded ? 'returned' : 'spent');
      } else {
        expected.set(place.enrollmentId, 'none');
      }
    }
  }
  const reservations = new Map<string, string>();
  for (const clientId of clientIds) {
    const account = fold(
      accountDecider,
      (await runtime.store.readStream(accountStream(clientId))) as unknown as AccountEvent[],
    );
    for (const [reservationId, reservation] of account.reservations) {
      reservations.set(reservationId, reservation.status);
      // Every credit taken belongs to a place, and is spent or given back as that place says.
      const should = expected.get(reservationId);
      expect({ reservationId, status: reservation.status }).toEqual({
        reservationId,
        status: should === 'none' ? 'returned' : should,
      });
    }
    const [grant] = [...account.grants.values()];
    const spent = [...account.reservations.values()].filter((r) => r.status === 'spent').length;
    expect({
      clientId,
      count: grant!.count,
      reserved: grant!.reserved,
      spent: grant!.spent,
    }).toEqual({ clientId, count: CREDITS, reserved: 0, spent });
  }
  // And every paid place has its credit.
  for (const [enrollmentId, should] of expected) {
    if (should === 'none') continue;
    expect({ enrollmentId, status: reservations.get(enrollmentId) }).toEqual({
      enrollmentId,
      status: should,
    });
  }
}
