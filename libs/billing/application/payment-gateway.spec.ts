import { OfflinePaymentGateway } from './payment-gateway';

describe('OfflinePaymentGateway', () => {
  const gateway = new OfflinePaymentGateway();

  it('says saved payment methods need Stripe', async () => {
    for (const asked of [
      gateway.ensureCustomer(),
      gateway.createSetupIntent(),
      gateway.listPaymentMethods(),
      gateway.setDefaultPaymentMethod(),
      gateway.detachPaymentMethod(),
    ]) {
      await expect(asked).rejects.toMatchObject({
        kind: 'rule_violated',
        code: 'stripe_not_configured',
      });
    }
  });
});
