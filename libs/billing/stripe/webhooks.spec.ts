import Stripe from 'stripe';
import { InvalidInput } from '@clientele/shared';
import { readStripeEvent, stripeEventDecider, verifyStripeWebhook } from './webhooks';

const secret = 'whsec_unit';
const event = (type: string, object: object, idempotencyKey: string | null = null) =>
  ({
    id: 'evt_1',
    object: 'event',
    type,
    created: 1,
    livemode: false,
    request: { id: null, idempotency_key: idempotencyKey },
    data: { object },
  }) as unknown as Stripe.Event;

describe('Stripe webhooks', () => {
  it('verifies the signature over the bytes sent, and refuses anything else as invalid input', () => {
    const payload = JSON.stringify(event('payment_intent.succeeded', { id: 'pi_1' }));
    const header = Stripe.webhooks.generateTestHeaderString({ payload, secret });
    expect(verifyStripeWebhook(Buffer.from(payload), header, secret).id).toBe('evt_1');
    expect(() => verifyStripeWebhook(Buffer.from(payload), header, 'whsec_other')).toThrow(
      InvalidInput,
    );
    expect(() => verifyStripeWebhook(Buffer.from(`${payload} `), header, secret)).toThrow(
      InvalidInput,
    );
    expect(() => verifyStripeWebhook(Buffer.from(payload), undefined, secret)).toThrow(
      InvalidInput,
    );
  });

  it('reads each handled type as a fact, with the owner its metadata names', () => {
    const metadata = { studioId: 's', clientId: 'c', idempotencyKey: 'sale:1' };
    expect(
      readStripeEvent(
        event('payment_intent.succeeded', {
          id: 'pi_1',
          amount: 900,
          amount_received: 900,
          currency: 'eur',
          metadata,
        }),
      ),
    ).toEqual({
      id: 'evt_1',
      type: 'payment_intent.succeeded',
      owner: { studioId: 's', clientId: 'c' },
      customer: null,
      fact: {
        kind: 'payment_succeeded',
        reference: 'pi_1',
        amount: { amount: 900, currency: 'EUR' },
        idempotencyKey: 'sale:1',
      },
      skipped: null,
    });
    const charge = { id: 'ch_1', amount_refunded: 300, currency: 'usd', payment_intent: 'pi_1' };
    expect(readStripeEvent(event('charge.refunded', charge)).fact).toEqual({
      kind: 'refunded',
      reference: 'pi_1',
      refundedTotal: { amount: 300, currency: 'USD' },
      refundReference: null,
    });
    expect(readStripeEvent(event('charge.refunded', charge, 'refund:r1'))).toMatchObject({
      fact: null,
      skipped: 'own_refund',
    });
    const dispute = (status: string) =>
      event('charge.dispute.closed', {
        id: 'dp_1',
        amount: 900,
        currency: 'eur',
        payment_intent: 'pi_1',
        reason: 'fraudulent',
        status,
      });
    expect(readStripeEvent(dispute('lost')).fact).toEqual({
      kind: 'dispute_closed',
      reference: 'pi_1',
      disputeId: 'dp_1',
      amount: { amount: 900, currency: 'EUR' },
      reason: 'fraudulent',
      outcome: 'lost',
    });
    // Still open (Stripe sends `closed` only when it is decided, but says so by its status).
    expect(readStripeEvent(dispute('under_review'))).toMatchObject({
      fact: null,
      skipped: 'not_handled',
    });
    expect(readStripeEvent(event('invoice.paid', {}))).toMatchObject({
      fact: null,
      skipped: 'not_handled',
    });
  });

  it('records an event id once: the first outcome stays', () => {
    const data = {
      eventId: 'evt_1',
      eventType: 't',
      outcome: 'recorded' as const,
      clientId: null,
    };
    const first = stripeEventDecider.decide(
      { type: 'RecordStripeEvent', data },
      stripeEventDecider.initialState,
      new Date(),
    );
    expect(first).toHaveLength(1);
    const state = first.reduce(stripeEventDecider.evolve, stripeEventDecider.initialState);
    expect(
      stripeEventDecider.decide(
        { type: 'RecordStripeEvent', data: { ...data, outcome: 'unmatched' } },
        state,
        new Date(),
      ),
    ).toEqual([]);
  });
});
