import { loadConfig } from './config';

describe('loadConfig', () => {
  it('reads the Stripe keys when they are set', () => {
    const config = loadConfig({ STRIPE_SECRET_KEY: 'sk_test_1', STRIPE_WEBHOOK_SECRET: 'whsec_1' });

    expect(config).toMatchObject({ stripeSecretKey: 'sk_test_1', stripeWebhookSecret: 'whsec_1' });
  });

  it('leaves Stripe out when no key is set, so the offline gateway serves', () => {
    const config = loadConfig({ STRIPE_SECRET_KEY: '' });

    expect(config).not.toHaveProperty('stripeSecretKey');
    expect(config).not.toHaveProperty('stripeWebhookSecret');
  });
});
