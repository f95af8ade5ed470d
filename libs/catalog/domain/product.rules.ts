import { RuleViolation } from '@clientele/shared';

export class ProductMustNotBeCreatedTwice extends RuleViolation {
  constructor(productId: string) {
    super('product_already_exists', `Product ${productId} already exists.`, { productId });
  }
}

export class ArchivedProductCannotChange extends RuleViolation {
  constructor(productId: string) {
    super(
      'product_archived',
      `Product ${productId} is archived: it can no longer be changed or sold.`,
      { productId },
    );
  }
}
