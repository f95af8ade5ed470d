export * from './application/payment-gateway';
