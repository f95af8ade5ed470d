import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { assertClientAddressable, assertClientOfStudio, duplicatesOf } from '@clientele/clients';
import {
  commandContext,
  EVENT_STORE,
  handleCommand,
  idForRequest,
  type EventStore,
} from '@clientele/eventstore';
import { readStudioSettings } from '@clientele/staff';
import { fold, NotFound, type RequestContext } from '@clientele/shared';
import type { AccountCommand, AccountScope } from '../domain/account.commands';
import { accountDecider } from '../domain/account.decider';
import { accountStream, type AccountEvent } from '../domain/account.events';
import { localDate } from '../domain/dates';
import type { AccountState } from '../domain/account.state';

export interface AccountOutcome {
  state: AccountState;
  /** What this request added to the account (none when it was a retry or changed nothing). */
  appended: AccountEvent[];
  revision: number;
  currency: string;
}

/**
 * Runs one command on a client's account: the client must be the studio's; the studio's currency
 * and today in its time zone come with the command; read, decide, append at the revision read,
 * retried on a concurrent change (handleCommand). A command about an item (a bill, a grant, a
 * membership) the account does not hold goes to the accounts of clients merged into this one,
 * which hold their own items still (ADR 0016).
 */
export async function decideOnAccount(
  store: EventStore,
  context: RequestContext,
  clientId: string,
  build: (scope: AccountScope) => AccountCommand,
  options: { replayByKey?: boolean } = {},
): Promise<AccountOutcome> {
  const scope = await scopeOf(store, context, clientId);
  return onHolder(store, scope, async (holder) => {
    const result = await handleCommand(
      store,
      accountStream(holder.clientId),
      accountDecider,
      build(holder),
      commandContext(context, options),
    );
    return {
      state: result.state,
      appended: result.appended,
      revision: result.revision,
      currency: holder.currency,
    };
  });
}

/** Tries the client's own account, then those merged into it, while the item is not found. */
async function onHolder<T>(
  store: EventStore,
  scope: AccountScope,
  attempt: (holder: AccountScope) => Promise<T>,
): Promise<T> {
  try {
    return await attempt(scope);
  } catch (error) {
    if (!(error instanceof NotFound)) throw error;
    for (const duplicateId of await duplicatesOf(store, scope.clientId)) {
      try {
        return await attempt({ ...scope, clientId: duplicateId });
      } catch (inner) {
        if (!(inner instanceof NotFound)) throw inner;
      }
    }
    throw error;
  }
}

/**
 * Decides a command on the account as it is now without recording anything: what would be
 * appended, or the rule that refuses it. A card is charged only after this says yes.
 */
export async function previewOnAccount(
  store: EventStore,
  context: RequestContext,
  clientId: string,
  build: (scope: AccountScope) => AccountCommand,
): Promise<AccountEvent[]> {
  const scope = await scopeOf(store, context, clientId);
  return onHolder(store, scope, async (holder) => {
    const history = await store.readStream(accountStream(holder.clientId));
    const state = fold(accountDecider, history as unknown as AccountEvent[]);
    return accountDecider.decide(build(holder), state, context.now);
  });
}

async function scopeOf(
  store: EventStore,
  context: RequestContext,
  clientId: string,
): Promise<AccountScope> {
  await assertClientOfStudio(store, context.studioId, clientId);
  const studio = await readStudioSettings(store, context.studioId);
  return {
    clientId,
    currency: studio.currency,
    today: localDate(context.now, studio.timezone),
    timeZone: studio.timezone,
  };
}

export interface IssueCreditsInput {
  eventTypes: string[];
  count: number;
  expiresAt: string | null;
  reason: string;
}

export class IssueCredits extends Command<AccountOutcome & { grantId: string }> {
  constructor(
    readonly clientId: string,
    readonly input: IssueCreditsInput,
    readonly context: RequestContext,
  ) {
    super();
  }
}

@CommandHandler(IssueCredits)
export class IssueCreditsHandler implements ICommandHandler<IssueCredits> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ clientId, input, context }: IssueCredits) {
    // New credits go to the client staff see: never to a duplicate merged into another.
    await assertClientAddressable(this.store, context.studioId, clientId);
    // A bulk request carries one key for many clients: the grant id includes the client.
    const grantId = idForRequest(`credit-grant:${clientId}`, context);
    const outcome = await decideOnAccount(this.store, context, clientId, (scope) => ({
      type: 'IssueCredits',
      data: { ...scope, grantId, ...input },
    }));
    return { ...outcome, grantId };
  }
}

export class AdjustCreditGrant extends Command<AccountOutcome> {
  constructor(
    readonly clientId: string,
    readonly grantId: string,
    readonly delta: number,
    readonly reason: string,
    readonly context: RequestContext,
  ) {
    super();
  }
}

@CommandHandler(AdjustCreditGrant)
export class AdjustCreditGrantHandler implements ICommandHandler<AdjustCreditGrant> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  execute({ clientId, grantId, delta, reason, context }: AdjustCreditGrant) {
    return decideOnAccount(this.store, context, clientId, (scope) => ({
      type: 'AdjustCreditGrant',
      data: { ...scope, grantId, delta, reason },
    }));
  }
}

export class AdjustAccountCredit extends Command<AccountOutcome> {
  constructor(
    readonly clientId: string,
    readonly amount: number,
    readonly reason: string,
    readonly context: RequestContext,
  ) {
    super();
  }
}

@CommandHandler(AdjustAccountCredit)
export class AdjustAccountCreditHandler implements ICommandHandler<AdjustAccountCredit> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  execute({ clientId, amount, reason, context }: AdjustAccountCredit) {
    return decideOnAccount(this.store, context, clientId, (scope) => ({
      type: 'AdjustAccountCredit',
      data: { ...scope, amount, reason },
    }));
  }
}

export class ChangePaymentSettings extends Command<AccountOutcome> {
  constructor(
    readonly clientId: string,
    readonly settings: { payLater: boolean; useAccountCreditForRecurring: boolean },
    readonly context: RequestContext,
  ) {
    super();
  }
}

@CommandHandler(ChangePaymentSettings)
export class ChangePaymentSettingsHandler implements ICommandHandler<ChangePaymentSettings> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  execute({ clientId, settings, context }: ChangePaymentSettings) {
    return decideOnAccount(this.store, context, clientId, (scope) => ({
      type: 'ChangePaymentSettings',
      data: { ...scope, ...settings },
    }));
  }
}
