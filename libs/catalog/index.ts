export * from './application/product-commands';
export * from './application/read-product';
export * from './domain';
export * from './product';
