import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { PAYMENT_GATEWAY, type PaymentGateway } from '@clientele/billing';
import { readProduct, type Product } from '@clientele/catalog';
import { assertClientAddressable } from '@clientele/clients';
import { EVENT_STORE, idForRequest, type EventStore } from '@clientele/eventstore';
import { assertNever, NotFound, type RequestContext } from '@clientele/shared';
import type { AccountCommand, ProductOnSale } from '../domain/account.commands';
import { accountStream, type AccountEvent } from '../domain/account.events';
import { ProductNotForSale } from '../domain/account.rules';
import { decideOnAccount, previewOnAccount, type AccountOutcome } from './account-commands';
import { chargeThenRecord } from './card-charges';
import { processorCustomerOf } from './payment-methods';

export type SalePayment =
  | { method: 'cash' | 'external' | 'account_credit' | 'pay_later'; reference?: string | null }
  | { method: 'card'; reference?: string | null };

export interface SellProductsInput {
  clientId: string;
  items: { productId: string; quantity?: number }[];
  payment: SalePayment;
}

export interface SaleOutcome {
  saleId: string;
  /** The events of this sale: the sale, its bill, its payment and what it granted. */
  events: AccountEvent[];
}

export class SellProducts extends Command<SaleOutcome> {
  constructor(
    readonly input: SellProductsInput,
    readonly context: RequestContext,
  ) {
    super();
  }
}

/** The catalog's product as the account needs it at the sale. */
export function onSale(product: Product): ProductOnSale {
  const base = {
    productId: product.id,
    name: product.name,
    price: product.price,
    archived: product.archived,
  };
  switch (product.kind) {
    case 'membership':
      return {
        ...base,
        kind: product.kind,
        billingPeriod: product.billingPeriod,
        eventTypes: product.eventTypes,
        creditsPerPeriod: product.creditsPerPeriod,
      };
    case 'class_pack':
    case 'private_pass':
      return {
        ...base,
        kind: product.kind,
        credits: product.credits,
        validityDays: product.validityDays,
        validityStarts: product.validityStarts,
      };
    case 'vod':
      return { ...base, kind: product.kind, accessDays: product.accessDays };
    case 'service':
      return { ...base, kind: product.kind };
    default:
      return assertNever(product);
  }
}

/**
 * A sale at the desk: the products as they are now, priced in the studio's currency, recorded
 * with its bill, its payment and what it grants in one append to the client's account. A card
 * is charged through the PaymentGateway after the sale is known to be valid and before it is
 * recorded; if recording then fails, the charge is given back.
 */
@CommandHandler(SellProducts)
export class SellProductsHandler implements ICommandHandler<SellProducts> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PAYMENT_GATEWAY) private readonly gateway: PaymentGateway,
  ) {}

  async execute(command: SellProducts): Promise<SaleOutcome> {
    const saleId = idForRequest('sale', command.context);
    const outcome = await this.sell(command, saleId);
    // A retry finds the sale already recorded: answer with what was recorded then.
    const events =
      outcome.appended.length > 0
        ? outcome.appended
        : await recordedSale(this.store, command.input.clientId, saleId);
    return { saleId, events };
  }

  private async sell({ input, context }: SellProducts, saleId: string): Promise<AccountOutcome> {
    // Another studio's client is a 404 before anything is said about the products.
    await assertClientAddressable(this.store, context.studioId, input.clientId);
    const products = await Promise.all(
      input.items.map(async ({ productId }) => {
        try {
          return onSale(await readProduct(this.store, context.studioId, productId));
        } catch (error) {
          if (error instanceof NotFound) {
            throw new ProductNotForSale(productId, 'the studio has no such product');
          }
          throw error;
        }
      }),
    );
    const items = products.map((product, i) => ({
      product,
      quantity: input.items[i]!.quantity ?? 1,
    }));
    const sale = (payment: Extract<AccountCommand, { type: 'SellProducts' }>['data']['payment']) =>
      decideOnAccount(this.store, context, input.clientId, (scope) => ({
        type: 'SellProducts',
        data: { ...scope, saleId, items, payment },
      }));
    if (input.payment.method !== 'card') {
      return sale(input.payment);
    }
    // Charged only for a sale that will stand, and not again for one already recorded.
    const preview = await previewOnAccount(this.store, context, input.clientId, (scope) => ({
      type: 'SellProducts',
      data: { ...scope, saleId, items, payment: { method: 'card', reference: '' } },
    }));
    const recorded = preview.find((event) => event.type === 'SaleRecorded');
    if (recorded?.type !== 'SaleRecorded') {
      return sale({ method: 'card', reference: '' });
    }
    return chargeThenRecord(this.gateway, recorded.data.total, {
      studioId: context.studioId,
      clientId: input.clientId,
      description: `Sale ${saleId}`,
      idempotencyKey: `sale:${saleId}`,
      reference: input.payment.reference ?? null,
      customerId: () => processorCustomerOf(this.store, input.clientId),
      record: (reference) => sale({ method: 'card', reference }),
    });
  }
}

/** A recorded sale's events: from its SaleRecorded, those of the same request. */
async function recordedSale(
  store: EventStore,
  clientId: string,
  saleId: string,
): Promise<AccountEvent[]> {
  const history = await store.readStream(accountStream(clientId));
  const start = history.findIndex(
    (e) => e.type === 'SaleRecorded' && (e.data as { saleId: string }).saleId === saleId,
  );
  if (start < 0) return [];
  const correlationId = history[start]!.metadata.correlationId;
  const sale = history.slice(start);
  const end = sale.findIndex((e) => e.metadata.correlationId !== correlationId);
  return (end < 0 ? sale : sale.slice(0, end)) as unknown as AccountEvent[];
}

export class PayBill extends Command<AccountOutcome & { paymentId: string }> {
  constructor(
    readonly clientId: string,
    readonly billId: string,
    readonly amount: number,
    readonly method: 'cash' | 'external' | 'account_credit' | 'card',
    readonly reference: string | null,
    readonly context: RequestContext,
  ) {
    super();
  }
}

/** Pays a bill down, in full or in part. */
@CommandHandler(PayBill)
export class PayBillHandler implements ICommandHandler<PayBill> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PAYMENT_GATEWAY) private readonly gateway: PaymentGateway,
  ) {}

  async execute({ clientId, billId, amount, method, reference, context }: PayBill) {
    const paymentId = idForRequest(`payment:${billId}`, context);
    const outcome = await payBill(this.store, this.gateway, context, {
      clientId,
      billId,
      paymentId,
      amount,
      method,
      reference,
    });
    return { ...outcome, paymentId };
  }
}

/**
 * Pays `amount` on a bill. A card is charged (the client's saved one at the processor, unless
 * the desk took it on its terminal) only once the payment is known to be valid.
 */
export async function payBill(
  store: EventStore,
  gateway: PaymentGateway,
  context: RequestContext,
  p: {
    clientId: string;
    billId: string;
    paymentId: string;
    amount: number;
    method: 'cash' | 'external' | 'account_credit' | 'card';
    reference: string | null;
    /** A process paying (a renewal), not a request: keyed by the payment id alone. */
    replayByKey?: boolean;
  },
): Promise<AccountOutcome> {
  const { clientId, billId, paymentId, amount, method } = p;
  const options = p.replayByKey === false ? { replayByKey: false } : {};
  const pay = (reference: string | null) =>
    decideOnAccount(
      store,
      context,
      clientId,
      (scope) => ({
        type: 'PayBill',
        data: { ...scope, billId, paymentId, amount, method, reference },
      }),
      options,
    );
  if (method !== 'card') return pay(p.reference);
  const preview = await previewOnAccount(store, context, clientId, (scope) => ({
    type: 'PayBill',
    data: { ...scope, billId, paymentId, amount, method, reference: p.reference },
  }));
  const payment = preview.find((event) => event.type === 'PaymentRecorded');
  if (payment?.type !== 'PaymentRecorded') return pay(p.reference);
  return chargeThenRecord(gateway, payment.data.amount, {
    studioId: context.studioId,
    clientId,
    description: `Bill ${billId}`,
    idempotencyKey: `payment:${paymentId}`,
    reference: p.reference,
    customerId: () => processorCustomerOf(store, clientId),
    record: pay,
  });
}
