import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { RegisterClient, RegisterClientHandler } from '@clientele/clients';
import type { Runtime } from '@clientele/runtime';
import { fold, money, type RequestContext } from '@clientele/shared';
import { openTestStudio, type TestStudio } from '../../../test/support/test-runtime';
import type { ProductOnSale } from '../domain/account.commands';
import { accountDecider } from '../domain/account.decider';
import { accountStream, type AccountEvent } from '../domain/account.events';
import {
  AccountCreditInsufficient,
  NoCreditAvailable,
  PaymentExceedsBalance,
} from '../domain/account.rules';
import {
  AdjustAccountCredit,
  AdjustAccountCreditHandler,
  decideOnAccount,
  IssueCredits,
  IssueCreditsHandler,
} from './account-commands';
import { CreditSpending } from './credit-spending';

/**
 * Invariant 2 and the account-credit rule with requests in parallel: on PostgreSQL they are
 * separate database sessions racing for the same account stream.
 */

let opened: TestStudio;
let runtime: Runtime;
let studioId: string;

beforeAll(async () => {
  opened = await openTestStudio({
    name: 'Account Race Studio',
    currency: 'USD',
    timezone: 'America/New_York',
    ownerEmail: 'owner@account-race.example',
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

async function newClient(): Promise<string> {
  const profile = await new RegisterClientHandler(runtime.store).execute(
    new RegisterClient(
      { firstName: 'Ana', lastName: 'Race', email: `${randomUUID()}@race.example` },
      context(),
    ),
  );
  return profile.id;
}

const accountOf = async (clientId: string) =>
  fold(
    accountDecider,
    (await runtime.store.readStream(accountStream(clientId))) as unknown as AccountEvent[],
  );

it('20 parallel spends of a client’s last 3 credits: exactly 3 succeed, none twice', async () => {
  const clientId = await newClient();
  const { grantId } = await new IssueCreditsHandler(runtime.store).execute(
    new IssueCredits(
      clientId,
      { eventTypes: ['yoga'], count: 3, expiresAt: null, reason: 'race' },
      context(),
    ),
  );
  const spending = new CreditSpending(runtime.store);
  const outcomes = await Promise.allSettled(
    Array.from({ length: 20 }, async () => {
      const reservationId = randomUUID();
      await spending.reserve(context(), clientId, reservationId, 'yoga', 'Flow 9:00');
      await spending.confirm(context(), clientId, reservationId, 'Flow 9:00');
    }),
  );
  const succeeded = outcomes.filter((o) => o.status === 'fulfilled');
  expect(succeeded).toHaveLength(3);
  for (const failure of outcomes.filter((o) => o.status === 'rejected')) {
    expect((failure as PromiseRejectedResult).reason).toBeInstanceOf(NoCreditAvailable);
  }
  const grant = (await accountOf(clientId)).grants.get(grantId)!;
  expect({ spent: grant.spent, reserved: grant.reserved, count: grant.count }).toEqual({
    spent: 3,
    reserved: 0,
    count: 3,
  });
});

it('20 parallel account-credit checkouts beyond the balance never take it below 0', async () => {
  const clientId = await newClient();
  await new AdjustAccountCreditHandler(runtime.store).execute(
    new AdjustAccountCredit(clientId, 5000, 'prepaid', context()),
  );
  const dropIn: ProductOnSale = {
    productId: randomUUID(),
    name: 'Drop-in',
    price: money(1200, 'USD'),
    archived: false,
    kind: 'class_pack',
    credits: { count: 1, eventTypes: ['yoga'] },
    validityDays: 30,
    validityStarts: 'purchase',
  };
  const outcomes = await Promise.allSettled(
    Array.from({ length: 20 }, () =>
      decideOnAccount(runtime.store, context(), clientId, (scope) => ({
        type: 'SellProducts',
        data: {
          ...scope,
          saleId: randomUUID(),
          items: [{ product: dropIn, quantity: 1 }],
          payment: { method: 'account_credit' },
        },
      })),
    ),
  );
  // 5000 buys four drop-ins at 1200, with 200 left.
  expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(4);
  for (const failure of outcomes.filter((o) => o.status === 'rejected')) {
    expect((failure as PromiseRejectedResult).reason).toBeInstanceOf(AccountCreditInsufficient);
  }
  const account = await accountOf(clientId);
  expect(account.accountCredit).toBe(200);
  expect(account.sales.size).toBe(4);
});

it('reserves and confirms within one request that carries an Idempotency-Key', async () => {
  const clientId = await newClient();
  await new IssueCreditsHandler(runtime.store).execute(
    new IssueCredits(
      clientId,
      { eventTypes: ['yoga'], count: 1, expiresAt: null, reason: 'one request' },
      context(),
    ),
  );
  // A booking request: both steps on the same account, under the request's one key.
  const booking = { ...context(), idempotencyKey: 'book-flow-9' };
  const spending = new CreditSpending(runtime.store);
  await spending.reserve(booking, clientId, 'r-1', 'yoga', 'Flow 9:00');
  await spending.confirm(booking, clientId, 'r-1', 'Flow 9:00');
  const [grant] = [...(await accountOf(clientId)).grants.values()];
  expect({ spent: grant!.spent, reserved: grant!.reserved }).toEqual({ spent: 1, reserved: 0 });
});

it('10 parallel payments of 5,000 on a bill of 15,900: exactly 3 land, never more than it owes', async () => {
  const clientId = await newClient();
  const saleId = randomUUID();
  const workshop: ProductOnSale = {
    productId: randomUUID(),
    name: 'Workshop',
    price: money(15900, 'USD'),
    archived: false,
    kind: 'service',
  };
  const sold = await decideOnAccount(runtime.store, context(), clientId, (scope) => ({
    type: 'SellProducts',
    data: {
      ...scope,
      saleId,
      items: [{ product: workshop, quantity: 1 }],
      payment: { method: 'pay_later' },
    },
  }));
  const [billId] = [...sold.state.bills.keys()];
  const outcomes = await Promise.allSettled(
    Array.from({ length: 10 }, () =>
      decideOnAccount(runtime.store, context(), clientId, (scope) => ({
        type: 'PayBill',
        data: {
          ...scope,
          billId: billId!,
          paymentId: randomUUID(),
          amount: 5000,
          method: 'cash',
          reference: null,
        },
      })),
    ),
  );
  expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(3);
  for (const failure of outcomes.filter((o) => o.status === 'rejected')) {
    expect((failure as PromiseRejectedResult).reason).toBeInstanceOf(PaymentExceedsBalance);
  }
  const bill = (await accountOf(clientId)).bills.get(billId!)!;
  expect({ paid: bill.paid, settled: bill.settled }).toEqual({ paid: 15000, settled: false });
});
