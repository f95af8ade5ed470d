import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { Runtime } from '@clientele/runtime';
import type { RequestContext } from '@clientele/shared';
import { openTestStudio, type TestStudio } from '../../../test/support/test-runtime';
import { heldStore } from '../../eventstore/testing/held-store';
import { clientStream } from '../domain/client.events';
import { DuplicateAlreadyMerged, DuplicateHasDuplicates } from '../domain/client.rules';
import { RegisterClient, RegisterClientHandler } from './client-commands';
import { readClient } from './client-lookup';
import { MergeClients, MergeClientsHandler } from './client-merges';

/**
 * Merges that race, as two processes would: each has a store of its own (so no in-process line
 * puts them one after the other), and one is held after it decided, before it appends, while
 * the other runs to the end.
 */
const heldBeforeAppendTo = (stream: string) =>
  heldStore(runtime.store, { method: 'append', stream });

let opened: TestStudio;
let runtime: Runtime;
let studioId: string;

beforeAll(async () => {
  opened = await openTestStudio({
    name: 'Merge Race Studio',
    currency: 'EUR',
    timezone: 'Europe/Paris',
    ownerEmail: 'owner@merge-race.example',
  });
  ({ runtime, studioId } = opened);
});
afterAll(() => opened.close());

const context = (): RequestContext => ({
  studioId,
  actor: { type: 'staff', id: 'desk' },
  correlationId: randomUUID(),
  now: new Date(),
});
let n = 0;
const client = async () =>
  (
    await new RegisterClientHandler(runtime.store).execute(
      new RegisterClient(
        { firstName: 'Race', lastName: `R${++n}`, email: `r${n}-${randomUUID()}@race.example` },
        context(),
      ),
    )
  ).id;
const merge = (survivorId: string, duplicateId: string, store = runtime.store) =>
  new MergeClientsHandler(store, []).execute(new MergeClients(survivorId, duplicateId, context()));

it('merges one duplicate into one survivor only, whichever decided first', async () => {
  const [first, second, duplicate] = [await client(), await client(), await client()];
  const held = heldBeforeAppendTo(clientStream(duplicate));
  const late = merge(first, duplicate, held.store);
  await held.reached;
  await merge(second, duplicate);
  held.release();
  await expect(late).rejects.toBeInstanceOf(DuplicateAlreadyMerged);
  const state = await readClient(runtime.store, duplicate);
  expect(state.status === 'registered' && state.mergedInto?.survivorId).toBe(second);
  const loser = await readClient(runtime.store, first);
  expect(loser.status === 'registered' && loser.duplicates.size).toBe(0);
});

it('does not merge a client that became a survivor while its own merge was deciding', async () => {
  const [survivor, middle, duplicate] = [await client(), await client(), await client()];
  // `middle` is about to be merged into `survivor` when `duplicate` is merged into `middle`.
  const held = heldBeforeAppendTo(clientStream(middle));
  const late = merge(survivor, middle, held.store);
  await held.reached;
  await merge(middle, duplicate);
  held.release();
  await expect(late).rejects.toBeInstanceOf(DuplicateHasDuplicates);
  const state = await readClient(runtime.store, middle);
  expect(state.status === 'registered' && state.mergedInto).toBeNull();
});
