import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { RegisterClient, RegisterClientHandler } from '@clientele/clients';
import { adminActions, type Runtime } from '@clientele/runtime';
import { fold, InvalidInput, money, type RequestContext } from '@clientele/shared';
import { openTestStudio, type TestStudio } from '../../../test/support/test-runtime';
import type { ProductOnSale } from '../domain/account.commands';
import { accountDecider } from '../domain/account.decider';
import { accountStream, type AccountEvent } from '../domain/account.events';
import { decideOnAccount, IssueCredits, IssueCreditsHandler } from './account-commands';

let opened: TestStudio;
let runtime: Runtime;
let studioId: string;

beforeAll(async () => {
  opened = await openTestStudio({
    name: 'Upkeep Studio',
    currency: 'EUR',
    timezone: 'Europe/Berlin',
    ownerEmail: 'owner@upkeep.example',
  });
  ({ runtime, studioId } = opened);
});
afterAll(() => opened.close());

const sold = new Date('2026-01-31T09:00:00Z');
const context = (now = sold): RequestContext => ({
  studioId,
  actor: { type: 'staff', id: 'desk' },
  correlationId: randomUUID(),
  now,
});

const monthly: ProductOnSale = {
  productId: randomUUID(),
  name: 'Monthly, 8 classes',
  price: money(8900, 'EUR'),
  archived: false,
  kind: 'membership',
  billingPeriod: { unit: 'month', count: 1 },
  eventTypes: ['yoga'],
  creditsPerPeriod: 8,
};

it('bills each period that came due and lapses expired credits, once however often it runs', async () => {
  const { id: clientId } = await new RegisterClientHandler(runtime.store).execute(
    new RegisterClient(
      { firstName: 'Uma', lastName: 'Upkeep', email: `${randomUUID()}@upkeep.example` },
      context(),
    ),
  );
  await decideOnAccount(runtime.store, context(), clientId, (scope) => ({
    type: 'SellProducts',
    data: {
      ...scope,
      saleId: randomUUID(),
      items: [{ product: monthly, quantity: 1 }],
      payment: { method: 'cash' },
    },
  }));
  await new IssueCreditsHandler(runtime.store).execute(
    new IssueCredits(
      clientId,
      { eventTypes: ['yoga'], count: 2, expiresAt: '2026-02-10T00:00:00Z', reason: 'trial' },
      context(),
    ),
  );
  await runtime.runner.catchUp();

  // Sold on Jan 31: the periods renew on the last day of February, then on Mar 31.
  const asOf = new Date('2026-04-01T12:00:00Z');
  const first = await runtime.upkeep.runOnce(asOf);
  expect(first).toMatchObject({ renewals: 2, failed: [] });
  // The trial grant, and the first two periods' membership credits, lapsed with credits left.
  expect(first.expiredGrants).toBe(3);

  await runtime.runner.catchUp();
  const again = await runtime.upkeep.runOnce(asOf);
  expect(again).toMatchObject({ renewals: 0, expiredGrants: 0, failed: [] });

  const account = fold(
    accountDecider,
    (await runtime.store.readStream(accountStream(clientId))) as unknown as AccountEvent[],
  );
  const [membership] = [...account.memberships.values()];
  expect(membership!.currentPeriod).toEqual({ from: '2026-03-31', until: '2026-04-30' });
  expect(membership!.nextPaymentDue).toBe('2026-04-30');
  const open = [...account.bills.values()].filter((bill) => !bill.settled);
  expect(open.map((bill) => bill.total)).toEqual([money(8900, 'EUR'), money(8900, 'EUR')]);
});

it('the CLI action refuses an as-of that is not a time', async () => {
  await expect(adminActions['accounts.upkeep'](runtime, { asOf: 'soon' })).rejects.toThrow(
    InvalidInput,
  );
});
