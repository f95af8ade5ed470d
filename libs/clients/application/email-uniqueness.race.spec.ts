import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { idForRequest } from '@clientele/eventstore';
import type { Runtime } from '@clientele/runtime';
import type { RequestContext } from '@clientele/shared';
import { openTestStudio, type TestStudio } from '../../../test/support/test-runtime';
import { heldStore } from '../../eventstore/testing/held-store';
import { EmailMustBeUniqueInStudio } from '../domain/client.rules';
import {
  RegisterClient,
  RegisterClientHandler,
  UpdateClientProfile,
  UpdateClientProfileHandler,
} from './client-commands';
import { emailClaimStream } from '../domain/client.decider';
import { claimEmail } from './email-claims';

/**
 * Invariant 8 under the interleavings a review found: one request is held at a chosen read of
 * a stream while another runs to the end. Whoever loses must be refused, naming the holder.
 */

/**
 * The store as one request sees it, held at its n-th read of `stream` (or append to it) until
 * `release()`; `reached` resolves when the request gets there.
 */
const holdAt = (stream: string, nth: number, method: 'readStream' | 'append' = 'readStream') =>
  heldStore(runtime.store, { method, stream, nth });

let opened: TestStudio;
let runtime: Runtime;
let studioId: string;

beforeAll(async () => {
  opened = await openTestStudio({
    name: 'Race Studio',
    currency: 'EUR',
    timezone: 'Europe/Paris',
    ownerEmail: 'owner@race.example',
  });
  ({ runtime, studioId } = opened);
});
afterAll(() => opened.close());

const context = (extra: Partial<RequestContext> = {}): RequestContext => ({
  studioId,
  actor: { type: 'staff', id: 'desk' },
  correlationId: randomUUID(),
  now: new Date(),
  ...extra,
});
const register = (email: string, ctx = context(), store = runtime.store) =>
  new RegisterClientHandler(store).execute(
    new RegisterClient({ firstName: 'A', lastName: 'B', email }, ctx),
  );
const update = (id: string, changes: object, ctx = context(), store = runtime.store) =>
  new UpdateClientProfileHandler(store).execute(new UpdateClientProfile(id, changes, ctx));
const emailOf = async (id: string) =>
  (await runtime.store.readStream(`client-${id}`))
    .map((e) => (e.data as { personal?: { email?: string } }).personal?.email)
    .filter(Boolean)
    .at(-1);

it('an update read before a concurrent email change does not land on a stale decision', async () => {
  const client = await register('r1-old@x.example');
  const hold = holdAt(`client-${client.id}`, 2);
  // A form that sends every field: email unchanged as far as this request saw.
  const b = update(
    client.id,
    { firstName: 'Bob', email: 'r1-old@x.example' },
    context(),
    hold.store,
  );
  await hold.reached;
  await update(client.id, { email: 'r1-new@x.example' });
  hold.release();
  await b;
  // B decided again on what A left and changed the email back, claiming it as it did.
  expect(await emailOf(client.id)).toBe('r1-old@x.example');
  await expect(register('r1-old@x.example')).rejects.toBeInstanceOf(EmailMustBeUniqueInStudio);
  // And the email A moved away from and B came back from is free for others.
  await expect(register('r1-new@x.example')).resolves.toBeDefined();
});

it('a failed update does not release a claim a concurrent update of the same client relies on', async () => {
  const client = await register('r2-old@x.example');
  const hold = holdAt(`client-${client.id}`, 2);
  const stale = update(
    client.id,
    { email: 'r2-new@x.example' },
    context({ ifMatch: 0 }),
    hold.store,
  );
  await hold.reached;
  await update(client.id, { email: 'r2-new@x.example' });
  hold.release();
  await expect(stale).rejects.toThrow(/changed since version 0/);
  expect(await emailOf(client.id)).toBe('r2-new@x.example');
  const refused = register('r2-new@x.example');
  await expect(refused).rejects.toBeInstanceOf(EmailMustBeUniqueInStudio);
  await expect(refused).rejects.toMatchObject({ extensions: { existingClientId: client.id } });
});

it('a takeover of an abandoned claim and the holder finishing its registration: one wins', async () => {
  const first = context({ idempotencyKey: `r3-${randomUUID()}` });
  const holder = idForRequest('client', first);
  // The holder's first attempt claimed the email and crashed before registering.
  await claimEmail(runtime.store, first, 'r3@x.example', holder);
  const later = new Date(Date.now() + 120_000);
  // Its first append to the claim stream: the claims of new emails go in by `appendMany`.
  const hold = holdAt(emailClaimStream(studioId, 'r3@x.example'), 1, 'append');
  const other = register('r3@x.example', context({ now: later }), hold.store);
  await hold.reached; // judged the holder's claim abandoned, about to take it over
  // The holder's retry (same key, its idempotency row gone stale) runs to the end meanwhile.
  const [retried] = await Promise.allSettled([register('r3@x.example', { ...first, now: later })]);
  hold.release();
  const [taken] = await Promise.allSettled([other]);
  const outcomes = [retried!, taken!];
  expect(outcomes.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  const loser = outcomes.find((r) => r.status === 'rejected') as PromiseRejectedResult;
  expect(loser.reason).toBeInstanceOf(EmailMustBeUniqueInStudio);
});

it('takes over a claim abandoned by a registration that never landed', async () => {
  const crashed = context({ idempotencyKey: `r4-${randomUUID()}` });
  const holder = idForRequest('client', crashed);
  await claimEmail(runtime.store, crashed, 'r4@x.example', holder);
  await expect(register('r4@x.example')).rejects.toBeInstanceOf(EmailMustBeUniqueInStudio);
  const later = new Date(Date.now() + 120_000);
  const taker = await register('r4@x.example', context({ now: later }));
  expect(await emailOf(taker.id)).toBe('r4@x.example');
  // The crashed request's retry is refused: its claim lapsed to the taker.
  const retry = register('r4@x.example', { ...crashed, now: later });
  await expect(retry).rejects.toMatchObject({ extensions: { existingClientId: taker.id } });
});

it('answers a registration sent again later, its answer lost, exactly as the first time', async () => {
  const first = context({ idempotencyKey: `again-${randomUUID()}` });
  const answered = await register('again@race.example', first);
  const later = new Date(first.now.getTime() + 31_000);
  expect(await register('again@race.example', { ...first, now: later })).toEqual(answered);
});
