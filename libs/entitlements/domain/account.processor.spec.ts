import { fold, money, uuidFrom } from '@clientele/shared';
import { deciderSpec } from '../../shared/testing/decider-spec';
import type { AccountCommand } from './account.commands';
import { accountDecider } from './account.decider';
import type { AccountEvent } from './account.events';
import type { ProcessorNotice } from './account.processor';
import { BillAlreadyPaid, ChargeGivenBack, PaymentTakenBack } from './account.rules';

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
/** The bill paid again in cash, as `paidAgain` records it. */
const payAgain = (amount: number): AccountCommand => ({
  type: 'PayBill',
  data: { ...scope, billId, paymentId: 'p2', amount, method: 'cash', reference: null },
});
const paidAgain: AccountEvent[] = [
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
];
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
      .when(payAgain(5000))
      .then(paidAgain);
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
    spec.given(paid).when(dispute).then([disputed]);
    spec
      .given([...paid, disputed])
      .when(dispute)
      .then([]);
  });

  describe('a dispute closed', () => {
    const closed = (outcome: 'won' | 'lost' | 'warning_closed') =>
      told({
        kind: 'dispute_closed',
        reference: 'pi_1',
        disputeId: 'dp_1',
        amount: usd(5000),
        reason: 'fraudulent',
        outcome,
      });
    const closedAs = (outcome: 'won' | 'lost' | 'warning_closed'): AccountEvent => ({
      type: 'PaymentDisputeClosed',
      data: {
        clientId: 'client-1',
        paymentId,
        billId,
        disputeId: 'dp_1',
        amount: usd(5000),
        outcome,
      },
    });
    const refundAll: AccountCommand = {
      type: 'RefundPayment',
      data: {
        ...scope,
        paymentId,
        refundId: 'r1',
        amount: null,
        reference: null,
        reason: 'goodwill',
      },
    };

    it('records its outcome once, and opens the dispute first when told out of order', () => {
      spec
        .given([...paid, disputed])
        .when(closed('won'))
        .then([closedAs('won')]);
      spec
        .given([...paid, disputed, closedAs('won')])
        .when(closed('won'))
        .then([]);
      spec
        .given(paid)
        .when(closed('lost'))
        .then([disputed, closedAs('lost')]);
      spec
        .given([...paid, disputed, closedAs('lost')])
        .when(told({ kind: 'disputed', ...disputed.data, reference: 'pi_1' }))
        .then([]);
    });

    it('lost, the bill owes the money again and nothing is left to refund', () => {
      const lost = [...paid, disputed, closedAs('lost')];
      spec.given(lost).when(payAgain(5000)).then(paidAgain);
      spec.given(lost).when(refundAll).thenThrows(PaymentTakenBack);
    });

    it('won, the studio keeps the money: the bill stays paid and can still be refunded', () => {
      const won = [...paid, disputed, closedAs('won')];
      spec.given(won).when(payAgain(1)).thenThrows(BillAlreadyPaid);
      expect(accountDecider.decide(refundAll, fold(accountDecider, won), new Date())).toEqual([
        expect.objectContaining({ type: 'PaymentRefunded' }),
      ]);
    });
  });

  describe('a charge the account never recorded', () => {
    const confirmed: AccountEvent = {
      type: 'ProcessorPaymentConfirmed',
      data: {
        clientId: 'client-1',
        reference: 'pi_9',
        amount: usd(5000),
        idempotencyKey: 'sale:9',
      },
    };
    const givenBack = (amount: number, by: 'upkeep' | 'processor'): AccountEvent => ({
      type: 'UnrecordedChargeRefunded',
      data: {
        clientId: 'client-1',
        reference: 'pi_9',
        amount: usd(amount),
        refundReference: by === 'processor' ? 're_9' : null,
        by,
      },
    });
    const giveBack: AccountCommand = {
      type: 'RefundUnrecordedCharge',
      data: { ...scope, reference: 'pi_9', amount: 5000 },
    };

    it('is given back once, and only what the processor did not give back already', () => {
      spec
        .given([confirmed])
        .when(giveBack)
        .then([givenBack(5000, 'upkeep')]);
      spec
        .given([confirmed, givenBack(5000, 'upkeep')])
        .when(giveBack)
        .then([]);
      const partly = told({
        kind: 'refunded',
        reference: 'pi_9',
        refundedTotal: usd(2000),
        refundReference: 're_9',
      });
      spec
        .given([confirmed])
        .when(partly)
        .then([givenBack(2000, 'processor')]);
      spec
        .given([confirmed, givenBack(2000, 'processor')])
        .when(partly)
        .then([]);
      spec
        .given([confirmed, givenBack(2000, 'processor')])
        .when(giveBack)
        .then([givenBack(3000, 'upkeep')]);
      spec.given([]).when(giveBack).then([]);
    });

    it('recorded after all (the sale came after the notice), it is not given back', () => {
      const recorded: AccountEvent[] = [
        { ...issued },
        {
          type: 'PaymentRecorded',
          data: {
            clientId: 'client-1',
            paymentId,
            billId,
            amount: usd(5000),
            method: 'card',
            reference: 'pi_9',
            accountCreditAfter: null,
          },
        },
      ];
      spec
        .given([confirmed, ...recorded])
        .when(giveBack)
        .then([]);
    });

    it('given back, it can no longer pay a bill: a retry that late must charge anew', () => {
      spec
        .given([issued, confirmed, givenBack(5000, 'upkeep')])
        .when({
          type: 'PayBill',
          data: {
            ...scope,
            billId,
            paymentId: 'p9',
            amount: 5000,
            method: 'card',
            reference: 'pi_9',
          },
        })
        .thenThrows(ChargeGivenBack);
    });
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
