import fc from 'fast-check';
import {
  propertyParameters,
  runSteps,
  stepsOf,
  type Decided,
  type Step,
} from '../../shared/testing/decider-property';
import type { ClientCommand } from './client.commands';
import { clientDecider, type ClientState } from './client.decider';
import type { ClientEvent } from './client.events';

/**
 * One client's stream, for any sequence of registrations, profile changes, memos, messages,
 * merges and erasure: another studio's command changes nothing (invariant 6), an erased client
 * gets no personal data back (ADR 0015), and a merged client takes no change but its unmerge
 * (ADR 0016).
 */

type ClientStep = Step<ClientCommand, ClientState>;

const clientId = 'client-1';
const studio = fc.constantFrom('studio-1', 'studio-1', 'studio-1', 'studio-2');
const memoId = fc.integer({ min: 0, max: 3 }).map((n) => `memo-${n}`);
const email = fc.constantFrom('ana@example.com', ' Ana@Example.com ', 'not an email', 'b@x.io');
const survivorId = fc.constantFrom('client-2', 'client-3', clientId);

const step = stepsOf<ClientCommand, ClientState>();

const clientSteps: fc.WeightedArbitrary<ClientStep>[] = [
  step(
    fc.record({ studioId: studio, email, firstName: fc.constantFrom('Ana', ' ', 'Bea') }),
    (v) => ({ type: 'RegisterClient', data: { clientId, lastName: 'Lee', ...v } }),
    2,
  ),
  step(
    fc.record({
      studioId: studio,
      changes: fc.record(
        {
          email,
          firstName: fc.constantFrom('Ana', 'Cleo', ''),
          phone: fc.constantFrom(null, '+1 555'),
        },
        { requiredKeys: [] },
      ),
    }),
    (v) => ({ type: 'UpdateClientProfile', data: { clientId, ...v } }),
    2,
  ),
  step(
    fc.record({
      studioId: studio,
      memoId,
      text: fc.constantFrom('knee surgery', ' ', 'vegan'),
      starred: fc.boolean(),
    }),
    (v) => ({ type: 'AddMemo', data: { clientId, ...v } }),
    2,
  ),
  step(
    fc.record({
      studioId: studio,
      memoId,
      text: fc.option(fc.constantFrom('hip', 'knee surgery'), { nil: undefined }),
      starred: fc.option(fc.boolean(), { nil: undefined }),
    }),
    (v) => ({ type: 'EditMemo', data: { clientId, ...v } }),
  ),
  step(fc.record({ studioId: studio, memoId }), (v) => ({
    type: 'RemoveMemo',
    data: { clientId, ...v },
  })),
  step(studio, (studioId) => ({ type: 'RequestPasswordReset', data: { clientId, studioId } })),
  step(studio, (studioId) => ({ type: 'ResendWelcome', data: { clientId, studioId } })),
  step(studio, (studioId) => ({ type: 'EraseClient', data: { clientId, studioId } })),
  step(
    fc.record({
      studioId: studio,
      survivorId,
      merged: fc.boolean(),
      mergeId: fc.constantFrom('merge-1', 'merge-2'),
    }),
    (v) => ({
      type: 'MergeInto',
      data: {
        clientId,
        studioId: v.studioId,
        survivor: { clientId: v.survivorId, mergedInto: v.merged ? 'client-9' : null },
        mergeId: v.mergeId,
      },
    }),
    2,
  ),
  step(
    fc.record({
      studioId: studio,
      survivorId,
      listedMergeId: fc.constantFrom(null, 'merge-1', 'merge-2'),
    }),
    (v) => ({ type: 'UnmergeFrom', data: { clientId, ...v } }),
  ),
  step(
    fc.record({
      duplicateId: fc.constantFrom('client-4', 'client-5'),
      mergeId: fc.constantFrom('merge-3', 'merge-4'),
    }),
    (v) => ({
      type: 'RecordDuplicate',
      data: { clientId, ...v, mergedAt: '2026-11-23T10:00:00.000Z' },
    }),
  ),
  step(
    fc.record({
      duplicateId: fc.constantFrom('client-4', 'client-5'),
      mergeId: fc.constantFrom('merge-3', 'merge-4'),
    }),
    (v) => ({
      type: 'ReleaseDuplicate',
      data: { clientId, ...v, unmergedAt: '2026-11-23T11:00:00.000Z' },
    }),
  ),
];

const MERGE_EVENTS = new Set([
  'ClientMergedInto',
  'ClientUnmerged',
  'DuplicateMerged',
  'DuplicateUnmerged',
]);

/** Whether an event carries personal data: a `personal` that is not null. */
const personal = (event: ClientEvent) =>
  'personal' in event.data && (event.data as { personal: unknown }).personal !== null;

function checkStep(d: Decided<ClientCommand, ClientEvent, ClientState>) {
  const { before, after, command, events } = d;
  if (before.status !== 'registered') return;
  // Invariant 6: another studio's staff change nothing here.
  if ('studioId' in command.data && command.data.studioId !== before.studioId) {
    expect(events).toEqual([]);
  }
  if (before.erasedAt !== null) {
    expect(events.filter(personal)).toEqual([]);
    expect(after.status === 'registered' && after.erasedAt).toBe(before.erasedAt);
    expect(after.status === 'registered' && after.personal).toBeNull();
  }
  if (before.mergedInto !== null) {
    expect(events.filter((e) => !MERGE_EVENTS.has(e.type))).toEqual([]);
  }
  for (const event of events) {
    if (event.type === 'MemoAdded') {
      // A memo id once used (even removed) is never taken again.
      expect(before.memos.has(event.data.memoId)).toBe(false);
    }
    if (event.type === 'ClientMergedInto') {
      expect(after.status === 'registered' && after.mergedInto?.mergeId).toBe(event.data.mergeId);
    }
    if (event.type === 'MemoEdited' || event.type === 'MemoRemoved') {
      expect(before.memos.get(event.data.memoId)?.removed).toBe(false);
    }
  }
}

describe('the client decider, for any sequence of commands', () => {
  it('keeps other studios out, erased data erased, and a merged client unchanged', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(...clientSteps), { maxLength: 40, size: 'max' }), (steps) => {
        runSteps(clientDecider, new Date('2026-11-23T10:00:00Z'), steps, checkStep);
      }),
      propertyParameters(300),
    );
  });
});
