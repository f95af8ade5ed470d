export * from './application/payment-gateway';
export * from './stripe/stripe-errors';
export * from './stripe/stripe-payment-gateway';
export * from './stripe/webhooks';
