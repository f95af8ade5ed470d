import { Inject } from '@nestjs/common';
import {
  Command,
  CommandHandler,
  Query,
  QueryHandler,
  type ICommandHandler,
  type IQueryHandler,
} from '@nestjs/cqrs';
import { PAYMENT_GATEWAY, type PaymentGateway, type SavedPaymentMethod } from '@clientele/billing';
import { assertClientOfStudio } from '@clientele/clients';
import { EVENT_STORE, type EventStore } from '@clientele/eventstore';
import { fold, NotFound, type RequestContext } from '@clientele/shared';
import { accountDecider } from '../domain/account.decider';
import { accountStream, type AccountEvent } from '../domain/account.events';
import { decideOnAccount } from './account-commands';

/** The client's customer at the processor as the account records it; null before the first. */
export async function processorCustomerOf(store: EventStore, clientId: string) {
  return fold(
    accountDecider,
    (await store.readStream(accountStream(clientId))) as unknown as AccountEvent[],
  ).processorCustomerId;
}

/**
 * The client's customer at the processor: the one the account records, or a new one, recorded.
 * Two requests at once may both ask the processor; it answers one customer per client (its own
 * idempotency), and the account keeps the first it is told of.
 */
async function ensureCustomer(
  store: EventStore,
  gateway: PaymentGateway,
  context: RequestContext,
  clientId: string,
): Promise<string> {
  await assertClientOfStudio(store, context.studioId, clientId);
  const known = await processorCustomerOf(store, clientId);
  const customerId = await gateway.ensureCustomer(context.studioId, clientId, known);
  if (known === customerId) return customerId;
  const { state } = await decideOnAccount(
    store,
    context,
    clientId,
    (scope) => ({
      type: 'LinkProcessorCustomer',
      data: { ...scope, processor: 'stripe', customerId },
    }),
    { replayByKey: false },
  );
  return state.processorCustomerId ?? customerId;
}

export type PaymentMethodAction =
  | { kind: 'setup' }
  | { kind: 'list' }
  | { kind: 'make_default'; paymentMethodId: string }
  | { kind: 'remove'; paymentMethodId: string };

export class ManagePaymentMethods extends Command<{
  customerId: string | null;
  clientSecret?: string;
  methods?: SavedPaymentMethod[];
}> {
  constructor(
    readonly clientId: string,
    readonly action: PaymentMethodAction,
    readonly context: RequestContext,
  ) {
    super();
  }
}

/**
 * Saved cards and SEPA mandates live at the processor, under the client's customer there: set
 * one up (the secret the client's device needs), list them, make one the default, remove one.
 * Without Stripe the offline gateway answers 422 `stripe_not_configured`.
 */
@CommandHandler(ManagePaymentMethods)
export class ManagePaymentMethodsHandler implements ICommandHandler<ManagePaymentMethods> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PAYMENT_GATEWAY) private readonly gateway: PaymentGateway,
  ) {}

  async execute({ clientId, action, context }: ManagePaymentMethods) {
    if (action.kind === 'setup') {
      const customerId = await ensureCustomer(this.store, this.gateway, context, clientId);
      const { clientSecret } = await this.gateway.createSetupIntent(customerId);
      return { customerId, clientSecret };
    }
    await assertClientOfStudio(this.store, context.studioId, clientId);
    const customerId = await processorCustomerOf(this.store, clientId);
    if (customerId === null) {
      // No customer at the processor: nothing saved, so no method of this client by that id.
      if (action.kind === 'list') return { customerId, methods: [] };
      throw new NotFound('payment_method', action.paymentMethodId);
    }
    if (action.kind === 'make_default') {
      await this.gateway.setDefaultPaymentMethod(customerId, action.paymentMethodId);
    } else if (action.kind === 'remove') {
      await this.gateway.detachPaymentMethod(customerId, action.paymentMethodId);
    }
    return { customerId, methods: await this.gateway.listPaymentMethods(customerId) };
  }
}

/**
 * The saved methods of a customer the read models name (the profile screen found them there), as
 * the processor lists them now: no stream is read to find the customer.
 */
export class SavedPaymentMethodsOf extends Query<SavedPaymentMethod[]> {
  constructor(readonly customerId: string) {
    super();
  }
}

@QueryHandler(SavedPaymentMethodsOf)
export class SavedPaymentMethodsOfHandler implements IQueryHandler<SavedPaymentMethodsOf> {
  constructor(@Inject(PAYMENT_GATEWAY) private readonly gateway: PaymentGateway) {}

  execute({ customerId }: SavedPaymentMethodsOf) {
    return this.gateway.listPaymentMethods(customerId);
  }
}
