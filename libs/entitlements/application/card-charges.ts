import type { PaymentGateway } from '@clientele/billing';
import type { Money } from '@clientele/shared';

/**
 * Charges a card, then records; gives the charge back if recording fails. A card the desk took on
 * its own terminal (it gives the receipt number) is recorded as such: nothing is charged here. A
 * card charged here is the client's saved one, at their customer at the processor. Sales, bill
 * payments and drop-in bookings all take cards this one way.
 */
export async function chargeThenRecord<T>(
  gateway: PaymentGateway,
  amount: Money,
  charge: {
    studioId: string;
    clientId: string;
    description: string;
    idempotencyKey: string;
    reference: string | null;
    /** The client's customer at the processor; asked only when a card is charged here. */
    customerId(): Promise<string | null>;
    record(reference: string): Promise<T>;
  },
): Promise<T> {
  if (charge.reference) return charge.record(`offline:${charge.reference}`);
  const { reference } = await gateway.charge({
    studioId: charge.studioId,
    clientId: charge.clientId,
    amount,
    description: charge.description,
    idempotencyKey: charge.idempotencyKey,
    customerId: await charge.customerId(),
  });
  try {
    return await charge.record(reference);
  } catch (error) {
    await gateway.refund(reference, amount, `refund:${charge.idempotencyKey}`);
    throw error;
  }
}
