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

  it('points Stripe at another API (stripe-mock) by STRIPE_API_URL, and refuses a bad one', () => {
    expect(loadConfig({ STRIPE_API_URL: 'http://localhost:12111' }).stripeApi).toEqual({
      host: 'localhost',
      port: 12111,
      protocol: 'http',
    });
    expect(loadConfig({ STRIPE_API_URL: 'https://stripe.internal' }).stripeApi).toEqual({
      host: 'stripe.internal',
      port: 443,
      protocol: 'https',
    });
    expect(() => loadConfig({ STRIPE_API_URL: 'localhost:12111' })).toThrow(/STRIPE_API_URL/);
    expect(() => loadConfig({ STRIPE_API_URL: 'ftp://stripe' })).toThrow(/http/);
  });

  it('mails notifications through SMTP_URL from MAIL_FROM, and refuses what is not one', () => {
    expect(loadConfig({})).not.toHaveProperty('smtpUrl');
    expect(loadConfig({}).mailFrom).toBe('Clientele <no-reply@localhost>');
    const config = loadConfig({
      SMTP_URL: 'smtps://desk:secret@mail.example:465',
      MAIL_FROM: ' Sunrise Yoga <desk@sunrise.example> ',
    });
    expect(config).toMatchObject({
      smtpUrl: 'smtps://desk:secret@mail.example:465',
      mailFrom: 'Sunrise Yoga <desk@sunrise.example>',
    });
    expect(loadConfig({ MAIL_FROM: 'desk@sunrise.example' }).mailFrom).toBe('desk@sunrise.example');
    expect(() => loadConfig({ SMTP_URL: 'localhost' })).toThrow(/SMTP_URL is not a URL/);
    expect(() => loadConfig({ SMTP_URL: 'http://mail.example' })).toThrow(/smtp:\/\//);
    expect(() => loadConfig({ MAIL_FROM: 'Sunrise Yoga' })).toThrow(/MAIL_FROM/);
  });

  it('limits wrong tokens to 20 a minute an address unless told otherwise, and refuses nonsense', () => {
    expect(loadConfig({}).authFailures).toEqual({ limit: 20, windowSeconds: 60 });
    expect(
      loadConfig({ AUTH_FAILURE_LIMIT: '5', AUTH_FAILURE_WINDOW_SECONDS: '600' }).authFailures,
    ).toEqual({ limit: 5, windowSeconds: 600 });
    expect(() => loadConfig({ AUTH_FAILURE_LIMIT: '0' })).toThrow(/AUTH_FAILURE_LIMIT/);
    expect(() => loadConfig({ AUTH_FAILURE_WINDOW_SECONDS: 'soon' })).toThrow(/WINDOW/);
  });

  it('trusts a proxy only when TRUST_PROXY says which', () => {
    expect(loadConfig({})).not.toHaveProperty('trustProxy');
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8' }).trustProxy).toBe('10.0.0.0/8');
  });
});
