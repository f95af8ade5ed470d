import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { accountDecider, accountStream, type AccountEvent } from '@clientele/entitlements';
import { adminActions, type Runtime } from '@clientele/runtime';
import { sessionDecider, sessionStream, type SessionEvent } from '@clientele/scheduling';
import { fold } from '@clientele/shared';
import { createApp } from '../../apps/api/create-app';
import { PRODUCTS } from './studio-fixtures';

/** What a fault test's studio holds: its owner's token and what the traffic made. */
export interface Traffic {
  studioId: string;
  token: string;
  clientIds: string[];
  sessionIds: string[];
}

/** A client list as a studio exports it from another product: `count` rows. */
export function clientsCsv(count: number, domain: string): string {
  const rows = Array.from(
    { length: count },
    (_, n) => `Im${n},Ported${n},im${n}@${domain},+1 555 ${String(n).padStart(7, '0')}`,
  );
  return ['First Name,Last Name,Email,Phone', ...rows].join('\n') + '\n';
}

/**
 * A studio's day, written into `runtime` with its projections stopped (but the two the API
 * needs to take requests), so a process started afterwards has the whole log to project:
 * `imported` clients from a CSV file, and through the API `clients` more, a pack sold to each (a
 * bill, a payment, credits), places booked with those credits, some cancelled with the credit
 * given back. `random` picks the sessions and the cancellations.
 */
export async function writeTraffic(
  runtime: Runtime,
  random: () => number,
  { clients, sessions, imported }: { clients: number; sessions: number; imported: number },
): Promise<Traffic> {
  const { studioId, token } = await adminActions['studio.create'](runtime, {
    name: 'Fault Studio',
    currency: 'USD',
    timezone: 'UTC',
    ownerEmail: 'owner@fault.example',
  });
  // Tokens are checked against the staff directory, and sales read the price list: those two
  // read models are kept up with; every other waits for the process under test.
  const keepUp = () =>
    Promise.all([runtime.runner.catchUp('staff_directory'), runtime.runner.catchUp('products')]);
  await keepUp();
  const file = join(runtime.config.dataDir, 'imported.csv');
  mkdirSync(runtime.config.dataDir, { recursive: true });
  writeFileSync(file, clientsCsv(imported, 'imported.example'));
  const job = await runtime.imports.create({
    id: randomUUID(),
    kind: 'clients',
    studioId,
    actor: { type: 'system', id: 'fault-traffic' },
    dryRun: false,
    fileName: 'imported.csv',
    filePath: file,
    mapping: {},
    dateOrder: 'auto',
  });
  expect(await runtime.imports.start(job)).toMatchObject({ created: imported, errors: 0 });
  const app = await createApp(runtime, { logger: false });
  try {
    const post = async (url: string, body: object, expected = [201]) => {
      const reply = await app.inject({
        method: 'POST',
        url,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        payload: JSON.stringify(body),
      });
      if (!expected.includes(reply.statusCode)) {
        throw new Error(`POST ${url} answered ${reply.statusCode}: ${reply.body}`);
      }
      return JSON.parse(reply.body) as Record<string, string>;
    };
    const classTypeId = (
      await post('/v1/class-types', { name: 'Flow', format: 'in_person', eventType: 'yoga' })
    ).id!;
    const packId = (await post('/v1/products', PRODUCTS.tenClasses)).id!;
    await keepUp();
    const sessionIds: string[] = [];
    for (let i = 0; i < sessions; i++) {
      const startsAt = new Date(Date.now() + (2 + i) * 86_400_000).toISOString();
      sessionIds.push(
        (await post('/v1/sessions', { classTypeId, startsAt, durationMinutes: 60, capacity: 12 }))
          .id!,
      );
    }
    // Picked before the clients run side by side, so one seed makes the same plan.
    const plans = Array.from({ length: clients }, () =>
      sessionIds
        .filter(() => random() < 0.5)
        .map((sessionId) => ({ sessionId, cancel: random() < 0.3 })),
    );
    const clientIds: string[] = [];
    // A few clients at a time, as a desk and a website would.
    for (let start = 0; start < clients; start += 8) {
      await Promise.all(
        plans.slice(start, start + 8).map(async (plan, k) => {
          const n = start + k;
          const clientId = (
            await post('/v1/clients', {
              firstName: 'Fa',
              lastName: `Ult${n}`,
              email: `fault${n}@fault.example`,
            })
          ).id!;
          clientIds[n] = clientId;
          await post('/v1/sales', {
            clientId,
            items: [{ productId: packId }],
            payment: { method: 'cash' },
          });
          for (const { sessionId, cancel } of plan) {
            // A full class refuses (422): refusals are part of a day.
            await post(
              `/v1/sessions/${sessionId}/enrollments`,
              { clientId, payWith: 'credit', channel: 'studio' },
              [201, 422],
            );
            if (cancel) {
              await post(
                `/v1/sessions/${sessionId}/enrollments/${clientId}/cancel`,
                { outcome: 'cancel_and_refund' },
                [200, 404, 422],
              );
            }
          }
        }),
      );
    }
    return { studioId, token, clientIds, sessionIds };
  } finally {
    await app.close();
  }
}

/**
 * Nothing was applied twice or skipped: each client's credits and each session's confirmed
 * places in the read models are what the deciders fold from the streams.
 */
export async function expectCountersToMatchTheStreams(
  runtime: Runtime,
  { clientIds, sessionIds }: Pick<Traffic, 'clientIds' | 'sessionIds'>,
): Promise<void> {
  const grants = await runtime.db.kysely
    .selectFrom('credit_grants')
    .select(['grant_id', 'client_id', 'count', 'reserved', 'spent'])
    .where('client_id', 'in', clientIds)
    .execute();
  const fromStreams = [];
  for (const clientId of clientIds) {
    const events = await runtime.store.readStream(accountStream(clientId));
    const account = fold(accountDecider, events as unknown as AccountEvent[]);
    for (const grant of account.grants.values()) {
      const { grantId, count, reserved, spent } = grant;
      fromStreams.push({ grant_id: grantId, client_id: clientId, count, reserved, spent });
    }
  }
  const byGrant = (a: { grant_id: string }, b: { grant_id: string }) =>
    a.grant_id.localeCompare(b.grant_id);
  expect(grants.sort(byGrant)).toEqual(fromStreams.sort(byGrant));
  expect(fromStreams.length).toBe(clientIds.length);

  const places = await runtime.db.kysely
    .selectFrom('session_places')
    .select(['session_id'])
    .select((eb) => eb.fn.countAll<string>().as('confirmed'))
    .where('status', '=', 'confirmed')
    .where('session_id', 'in', sessionIds)
    .groupBy('session_id')
    .execute();
  const projected = Object.fromEntries(places.map((p) => [p.session_id, Number(p.confirmed)]));
  const folded: Record<string, number> = {};
  for (const sessionId of sessionIds) {
    const events = await runtime.store.readStream(sessionStream(sessionId));
    const state = fold(sessionDecider, events as unknown as SessionEvent[]);
    if (state.status !== 'scheduled') throw new Error(`session ${sessionId} is ${state.status}`);
    const confirmed = [...state.places.values()].filter((p) => p.status === 'confirmed').length;
    if (confirmed > 0) folded[sessionId] = confirmed;
  }
  expect(projected).toEqual(folded);
}
