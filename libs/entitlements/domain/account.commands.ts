import type { Money } from '@clientele/shared';
import type { ImportedFrom } from '@clientele/shared';
import type { BillingPeriod, LocalDate, PaymentMethod } from './account.events';
import type { ProcessorNotice } from './account.processor';

/** What the account needs to know of a product being sold: the catalog's, as it is at the sale. */
export type ProductOnSale = {
  productId: string;
  name: string;
  price: Money;
  archived: boolean;
} & (
  | {
      kind: 'membership';
      billingPeriod: BillingPeriod;
      eventTypes: string[];
      creditsPerPeriod: number | null;
    }
  | {
      kind: 'class_pack' | 'private_pass';
      credits: { count: number; eventTypes: string[] };
      validityDays: number | null;
      validityStarts: 'purchase' | 'first_use';
    }
  | { kind: 'vod'; accessDays: number }
  | { kind: 'service' }
);

export type PackOnSale = Extract<ProductOnSale, { kind: 'class_pack' | 'private_pass' }>;
export type MembershipOnSale = Extract<ProductOnSale, { kind: 'membership' }>;

/** Facts every command of an account carries: whose account, in which money, and which day it is there. */
export interface AccountScope {
  clientId: string;
  currency: string;
  /** Today in the studio's time zone. */
  today: LocalDate;
  /** The studio's time zone: a period ending on a day ends when that day begins there. */
  timeZone: string;
}

export type AccountCommand =
  | {
      type: 'IssueCredits';
      data: AccountScope & {
        grantId: string;
        eventTypes: string[];
        count: number;
        expiresAt: string | null;
        reason: string;
      };
    }
  | {
      type: 'AdjustCreditGrant';
      data: AccountScope & { grantId: string; delta: number; reason: string };
    }
  | {
      type: 'ReserveCredit';
      data: AccountScope & {
        reservationId: string;
        eventType: string;
        count: number;
        reason: string;
      };
    }
  | { type: 'ConfirmCreditSpend'; data: AccountScope & { reservationId: string; reason: string } }
  | { type: 'ReturnCredit'; data: AccountScope & { reservationId: string; reason: string } }
  | { type: 'ExpireCredits'; data: AccountScope }
  | { type: 'AdjustAccountCredit'; data: AccountScope & { amount: number; reason: string } }
  | {
      type: 'SellProducts';
      data: AccountScope & {
        /** The sale's bill, payment and items take ids derived from it (uuidFrom). */
        saleId: string;
        items: { product: ProductOnSale; quantity: number }[];
        payment:
          | {
              method: 'cash' | 'external' | 'account_credit' | 'pay_later';
              reference?: string | null;
            }
          | { method: 'card'; reference: string };
      };
    }
  | {
      type: 'PayBill';
      data: AccountScope & {
        billId: string;
        paymentId: string;
        amount: number;
        method: PaymentMethod;
        reference: string | null;
      };
    }
  | {
      /** A session's drop-in price: paid by card now, or held on an open bill until the desk takes it. */
      type: 'BillBooking';
      data: AccountScope & {
        sessionId: string;
        enrollmentId: string;
        description: string;
        price: Money;
        /** The session's day: a held place is due by then. */
        dueOn: LocalDate;
        payment: { method: 'card'; reference: string } | { method: 'pay_later' };
      };
    }
  | {
      type: 'RefundPayment';
      data: AccountScope & {
        refundId: string;
        paymentId: string;
        /** Minor units, at most what is left unrefunded on the payment; null: all of that. */
        amount: number | null;
        reference: string | null;
        reason: string;
      };
    }
  | { type: 'VoidBill'; data: AccountScope & { billId: string; reason: string } }
  /** What the card processor told by webhook, recorded as far as the account lacks it. */
  | { type: 'ReconcileWithProcessor'; data: AccountScope & { notice: ProcessorNotice } }
  /** The upkeep gave back at the processor `amount` of a charge no sale or booking recorded. */
  | { type: 'RefundUnrecordedCharge'; data: AccountScope & { reference: string; amount: number } }
  | {
      type: 'LinkProcessorCustomer';
      data: AccountScope & { processor: 'stripe'; customerId: string };
    }
  | {
      type: 'ChangePaymentSettings';
      data: AccountScope & { payLater: boolean; useAccountCreditForRecurring: boolean };
    }
  | {
      type: 'FreezeMembership';
      data: AccountScope & {
        membershipId: string;
        from: LocalDate;
        until: LocalDate;
        reason: string;
      };
    }
  | { type: 'UnfreezeMembership'; data: AccountScope & { membershipId: string } }
  | {
      type: 'CancelMembership';
      data: AccountScope & { membershipId: string; when: 'now' | 'period_end'; reason: string };
    }
  | { type: 'RenewMemberships'; data: AccountScope }
  /** Credits a client has left in the product the studio used before: recorded, not sold. */
  | {
      type: 'ImportCredits';
      data: AccountScope & {
        grantId: string;
        /** The pack the credits are of; null for a plain count (then `eventTypes` says what for). */
        product: PackOnSale | null;
        eventTypes: string[];
        remaining: number;
        /** The last day they can be used; null: as the product says, or never. */
        expiresOn: LocalDate | null;
        purchasedOn: LocalDate | null;
        importedFrom: ImportedFrom;
      };
    }
  /** A membership a client holds in the product the studio used before, as it stands. */
  | {
      type: 'ImportMembership';
      data: AccountScope & {
        membershipId: string;
        product: MembershipOnSale;
        startsOn: LocalDate;
        nextPaymentDue: LocalDate;
        freeze: { from: LocalDate; until: LocalDate } | null;
        importedFrom: ImportedFrom;
      };
    };

export type AccountCommandType = AccountCommand['type'];
