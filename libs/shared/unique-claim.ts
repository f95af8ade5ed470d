import { createHash } from 'node:crypto';
import type { Decider } from './decider';

/**
 * A claim on a value that must be unique within a scope (a client's email in a studio). One
 * stream per value, so the event store's expected-revision check settles two claims made at the
 * same instant: the write side enforces uniqueness, not a read model (invariant 8).
 */
export type ClaimEvent =
  | { type: 'ValueClaimed'; data: { scope: string; holderId: string } }
  | { type: 'ValueReleased'; data: { scope: string; holderId: string } };

export type ClaimCommand =
  | {
      type: 'ClaimValue';
      data: {
        scope: string;
        holderId: string;
        /** The current holder was found to no longer hold the value (a crash mid-way). */
        takeOverFrom?: string;
      };
    }
  | { type: 'ReleaseValue'; data: { scope: string; holderId: string } };

export interface ClaimState {
  holderId: string | null;
}

export class ValueAlreadyClaimed extends Error {
  constructor(readonly holderId: string) {
    super(`The value is already held by ${holderId}.`);
  }
}

export const claimDecider: Decider<ClaimCommand, ClaimEvent, ClaimState> = {
  initialState: { holderId: null },
  evolve(_state, event) {
    switch (event.type) {
      case 'ValueClaimed':
        return { holderId: event.data.holderId };
      case 'ValueReleased':
        return { holderId: null };
    }
  },
  decide(command, state) {
    const { scope, holderId } = command.data;
    switch (command.type) {
      case 'ClaimValue': {
        // The holder claiming again is recorded too: a release decided before this claim
        // (at the stream's earlier revision) must then fail rather than free a value in use.
        if (
          state.holderId !== null &&
          state.holderId !== holderId &&
          state.holderId !== command.data.takeOverFrom
        ) {
          throw new ValueAlreadyClaimed(state.holderId);
        }
        return [{ type: 'ValueClaimed', data: { scope, holderId } }];
      }
      case 'ReleaseValue':
        return state.holderId === holderId
          ? [{ type: 'ValueReleased', data: { scope, holderId } }]
          : [];
    }
  },
};

/**
 * The stream of one claimed value: `<category>-<hash>`. Hashed, so no personal data (an email)
 * sits in a stream name, where erasure could not reach it.
 */
export function claimStream(category: string, scopeId: string, value: string): string {
  const digest = createHash('sha256').update(`${scopeId}:${value}`).digest('hex');
  return `${category}-${digest.slice(0, 40)}`;
}
