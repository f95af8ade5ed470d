import { money, uuidFrom } from '@clientele/shared';
import { deciderSpec } from '../../shared/testing/decider-spec';
import type { AccountCommand } from './account.commands';
import { accountDecider } from './account.decider';
import type { AccountEvent } from './account.events';
import type { ProcessorNotice } from './account.processor';

const scope = { clientId: 'client-1', currency: 'USD', today: '2026-11-23', timeZone: 'UTC' };
const spec = deciderSpec(accountDecider);
const usd = (amount: number) => money(amount, 'USD');
const billId = 'bill-1';
const paymentId = 'payment-1';

const issued: AccountEvent = {
  type: 'BillIssued',
  data: {
    clientId: 'client-1',
    billId,
    origin: { kind: 'sale', saleId: 'sale-1' },
    lines: [{ description: 'Private class', amount: usd(5000) }],
    total: usd(5000),
    dueOn: '2026-11-23',
  },
};
const paid: AccountEvent[] = [
  issued,
  {
    type: 'PaymentRecorded',
    data: {
      clientId: 'client-1',
      paymentId,
      billId,
      amount: usd(5000),
      method: 'card',
      reference: 'pi_1',
      accountCreditAfter: null,
    },
  },
  { type: 'BillPaid', data: { clientId: 'client-1', billId } },
];
const told = (notice: ProcessorNotice): AccountCommand => ({
  type: 'ReconcileWithProcessor',
  data: { ...scope, notice },
});
const refundedBy = (total: number, amount: number): AccountEvent => ({
  type: 'PaymentRefunded',
  data: {
    clientId: 'client-1',
    refundId: uuidFrom(`processor-refund:pi_1:${total}`),
    paymentId,
    billId,
    amount: usd(amount),
    method: 'card',
    reference: 're_1',
    reason: 'refunded at the card processor',
    accountCreditAfter: null,
  },
});
const refunded = (total: number) =>
  told({ kind: 'refunded', reference: 'pi_1', refundedTotal: usd(total), refundReference: 're_1' });

describe('what the card processor tells the account', () => {
  it('a success already recorded changes nothing; one the account lacks is noted once', () => {
    const success = (reference: string) =>
      told({ kind: 'payment_succeeded', reference, amount: usd(5000), idempotencyKey: 'sale:s' });
    spec.given(paid).when(success('pi_1')).then([]);
    const confirmed: AccountEvent = {
      type: 'ProcessorPaymentConfirmed',
      data: {
        clientId: 'client-1',
        reference: 'pi_2',
        amount: usd(5000),
        idempotencyKey: 'sale:s',
      },
    };
    spec.given(paid).when(success('pi_2')).then([confirmed]);
    spec
      .given([...paid, confirmed])
      .when(success('pi_2'))
      .then([]);
  });

  it('a failed payment reopens what it paid, once, less what was refunded', () => {
    const failure = told({ kind: 'payment_failed', reference: 'pi_1', reason: 'bounced' });
    const failed: AccountEvent = {
      type: 'PaymentFailed',
      data: {
        clientId: 'client-1',
        paymentId,
        billId,
        amount: usd(3000),
        reference: 'pi_1',
        reason: 'bounced',
      },
    };
    const partlyRefunded = [...paid, refundedBy(2000, 2000)];
    spec.given(partlyRefunded).when(failure).then([failed]);
    spec
      .given([...partlyRefunded, failed])
      .when(failure)
      .then([]);
    spec.given([issued]).when(failure).then([]);
    // The bill owes again what failed: it can be paid anew.
    spec
      .given([...paid, { ...failed, data: { ...failed.data, amount: usd(5000) } }])
      .when({
        type: 'PayBill',
        data: { ...scope, billId, paymentId: 'p2', amount: 5000, method: 'cash', reference: null },
      })
      .then([
        {
          type: 'PaymentRecorded',
          data: {
            clientId: 'client-1',
            paymentId: 'p2',
            billId,
            amount: usd(5000),
            method: 'cash',
            reference: null,
            accountCreditAfter: null,
          },
        },
        { type: 'BillPaid', data: { clientId: 'client-1', billId } },
      ]);
  });

  it('records refunds made at the processor by their running total, never above the payment', () => {
    spec
      .given(paid)
      .when(refunded(2000))
      .then([refundedBy(2000, 2000)]);
    const after = [...paid, refundedBy(2000, 2000)];
    spec.given(after).when(refunded(2000)).then([]);
    spec.given(after).when(refunded(1000)).then([]);
    spec
      .given(after)
      .when(refunded(9000))
      .then([refundedBy(5000, 3000)]);
    spec.given([issued]).when(refunded(2000)).then([]);
  });

  it('records a dispute once', () => {
    const dispute = told({
      kind: 'disputed',
      reference: 'pi_1',
      disputeId: 'dp_1',
      amount: usd(5000),
      reason: 'fraudulent',
    });
    const disputed: AccountEvent = {
      type: 'PaymentDisputed',
      data: {
        clientId: 'client-1',
        paymentId,
        billId,
        disputeId: 'dp_1',
        amount: usd(5000),
        reason: 'fraudulent',
      },
    };
    spec.given(paid).when(dispute).then([disputed]);
    spec
      .given([...paid, disputed])
      .when(dispute)
      .then([]);
  });

  it('a method saved and removed, in either order, ends removed', () => {
    const saved: AccountEvent = {
      type: 'PaymentMethodSaved',
      data: { clientId: 'client-1', paymentMethodId: 'pm_1', setupIntentId: 'seti_1' },
    };
    const removed: AccountEvent = {
      type: 'PaymentMethodRemoved',
      data: { clientId: 'client-1', paymentMethodId: 'pm_1' },
    };
    const save = told({ kind: 'method_saved', paymentMethodId: 'pm_1', setupIntentId: 'seti_1' });
    const remove = told({ kind: 'method_removed', paymentMethodId: 'pm_1' });
    spec.given([]).when(save).then([saved]);
    spec.given([saved]).when(save).then([]);
    spec.given([saved]).when(remove).then([removed]);
    spec.given([saved, removed]).when(remove).then([]);
    spec.given([]).when(remove).then([removed]);
    spec.given([removed]).when(save).then([]);
  });
});
