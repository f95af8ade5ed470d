import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { EVENT_STORE, type EventStore } from '@clientele/eventstore';
import type { RequestContext } from '@clientele/shared';
import { decideOnAccount, type AccountOutcome } from './account-commands';

export type MembershipChange =
  | { type: 'FreezeMembership'; from: string; until: string; reason: string }
  | { type: 'UnfreezeMembership' }
  | { type: 'CancelMembership'; when: 'now' | 'period_end'; reason: string };

/** Freeze, unfreeze or cancel one of a client's memberships. */
export class ChangeMembership extends Command<AccountOutcome> {
  constructor(
    readonly clientId: string,
    readonly membershipId: string,
    readonly change: MembershipChange,
    readonly context: RequestContext,
  ) {
    super();
  }
}

@CommandHandler(ChangeMembership)
export class ChangeMembershipHandler implements ICommandHandler<ChangeMembership> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  execute({ clientId, membershipId, change, context }: ChangeMembership) {
    return decideOnAccount(this.store, context, clientId, (scope) => {
      switch (change.type) {
        case 'FreezeMembership': {
          const { from, until, reason } = change;
          return { type: change.type, data: { ...scope, membershipId, from, until, reason } };
        }
        case 'UnfreezeMembership':
          return { type: change.type, data: { ...scope, membershipId } };
        case 'CancelMembership': {
          const { when, reason } = change;
          return { type: change.type, data: { ...scope, membershipId, when, reason } };
        }
      }
    });
  }
}
