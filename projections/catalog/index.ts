export * from './product.queries';
export * from './products.migrations';
export * from './products.projection';
