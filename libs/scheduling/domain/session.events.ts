import type { Money } from '@clientele/shared';

/**
 * A session on the calendar and its places. A place is taken in two steps — held, then
 * confirmed once paid — so a crash between paying and taking the seat leaves a hold that
 * expires, never a seat without payment nor a payment without a seat (the booking workflow
 * gives back what it took when a hold did not become a place).
 */
export const sessionStream = (sessionId: string) => `session-${sessionId}`;

export const FORMATS = ['in_person', 'virtual', 'vod', 'private'] as const;
export type Format = (typeof FORMATS)[number];

export type Channel = 'online' | 'studio';
export type PayWith = 'credit' | 'membership' | 'card' | 'hold';

/** How a confirmed place was paid: what a cancellation gives back. */
export type PlacePayment =
  /** `accountId`: whose account holds the credit, when a client merged into the booked one's. */
  | { kind: 'credit'; reservationId: string; accountId?: string }
  | { kind: 'membership'; membershipId: string }
  | { kind: 'card'; billId: string; paymentId: string; reference: string }
  /** Held with the payment pending: the bill stays open on the client's account. */
  | { kind: 'hold'; billId: string }
  | { kind: 'make_up' };

export type CancelOutcome = 'cancel_and_refund' | 'cancel_no_refund' | 'refund_only';

/**
 * What goes back to the client: the credit to its grant, or the payment to where it came from
 * (a card refund; a held bill refunded and voided). The booking workflow does it after the
 * session's event, idempotently, and the sweeper finishes it after a crash.
 */
export type GiveBack = 'credit' | 'payment' | 'none';

export type SessionEvent =
  | {
      type: 'SessionScheduled';
      data: {
        sessionId: string;
        studioId: string;
        classTypeId: string;
        title: string;
        format: Format;
        eventType: string;
        startsAt: string;
        durationMinutes: number;
        capacity: number;
        instructorId: string | null;
        place: string | null;
        link: string | null;
        waiverId: string | null;
        /** What a place costs paid by card or held on a bill; null when only credits pay. */
        dropInPrice?: Money | null;
      };
    }
  | {
      /** Staff invite a client; the client's acceptance books them by the usual rules. */
      type: 'ClientInvited';
      data: { sessionId: string; clientId: string; invitationId: string };
    }
  | {
      type: 'InvitationDeclined';
      data: { sessionId: string; clientId: string; invitationId: string };
    }
  | {
      type: 'SeatHeld';
      data: {
        sessionId: string;
        enrollmentId: string;
        clientId: string;
        channel: Channel;
        payWith: PayWith;
        heldUntil: string;
        makeUp: boolean;
      };
    }
  | {
      type: 'Waitlisted';
      data: {
        sessionId: string;
        enrollmentId: string;
        clientId: string;
        channel: Channel;
        payWith: PayWith;
      };
    }
  | {
      type: 'EnrollmentConfirmed';
      data: { sessionId: string; enrollmentId: string; clientId: string; payment: PlacePayment };
    }
  | {
      type: 'HoldReleased';
      data: { sessionId: string; enrollmentId: string; clientId: string; reason: string };
    }
  | {
      type: 'EnrollmentCancelled';
      data: {
        sessionId: string;
        enrollmentId: string;
        clientId: string;
        outcome: Exclude<CancelOutcome, 'refund_only'>;
        /** Inside the studio's late-cancel window. */
        late: boolean;
        giveBack: GiveBack;
        reason: string;
      };
    }
  | {
      /** Refund only: the client stays enrolled and gets their money or credit back. */
      type: 'EnrollmentRefunded';
      data: {
        sessionId: string;
        enrollmentId: string;
        clientId: string;
        giveBack: GiveBack;
        reason: string;
      };
    }
  | { type: 'ClientCheckedIn'; data: { sessionId: string; enrollmentId: string; clientId: string } }
  | {
      type: 'ClientMarkedNoShow';
      data: { sessionId: string; enrollmentId: string; clientId: string };
    }
  | {
      type: 'PenaltyForgiven';
      data: {
        sessionId: string;
        enrollmentId: string;
        clientId: string;
        /** What was forgiven: a late cancel's forfeited credit, or a no-show. */
        penalty: 'late_cancel' | 'no_show';
        giveBack: GiveBack;
        reason: string;
      };
    };
