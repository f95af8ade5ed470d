import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import {
  commandContext,
  EVENT_STORE,
  handleCommand,
  idForRequest,
  WrongExpectedVersion,
  type EventStore,
} from '@clientele/eventstore';
import { PreconditionFailed, type RequestContext } from '@clientele/shared';
import { readStudioSettings } from '@clientele/staff';
import type { NewProduct, ProductChanges } from '../domain/product.commands';
import { productDecider } from '../domain/product.decider';
import { productStream } from '../domain/product.events';
import type { Product } from '../product';
import { readProduct, toProduct } from './read-product';

export class CreateProduct extends Command<Product> {
  constructor(
    readonly input: NewProduct,
    readonly context: RequestContext,
  ) {
    super();
  }
}

/** Name, description and price changes and an archive, decided together: one PATCH, one revision. */
export class UpdateProduct extends Command<Product> {
  constructor(
    readonly productId: string,
    readonly changes: ProductChanges,
    readonly context: RequestContext,
  ) {
    super();
  }
}

@CommandHandler(CreateProduct)
export class CreateProductHandler implements ICommandHandler<CreateProduct> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ input, context }: CreateProduct): Promise<Product> {
    const productId = idForRequest('product', context);
    const studio = await readStudioSettings(this.store, context.studioId);
    const result = await handleCommand(
      this.store,
      productStream(productId),
      productDecider,
      {
        type: 'CreateProduct',
        data: { ...input, productId, studioId: context.studioId, studioCurrency: studio.currency },
      },
      commandContext(context, { expectNew: true }),
    );
    return toProduct(result.state, result.revision);
  }
}

@CommandHandler(UpdateProduct)
export class UpdateProductHandler implements ICommandHandler<UpdateProduct> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ productId, changes, context }: UpdateProduct): Promise<Product> {
    const studio = await readStudioSettings(this.store, context.studioId);
    const { ifMatch } = context;
    try {
      const result = await handleCommand(
        this.store,
        productStream(productId),
        productDecider,
        {
          type: 'UpdateProduct',
          data: { productId, studioId: context.studioId, studioCurrency: studio.currency, changes },
        },
        commandContext(context, ifMatch !== undefined ? { expectedRevision: ifMatch } : {}),
      );
      return toProduct(result.state, result.revision);
    } catch (error) {
      if (!(error instanceof WrongExpectedVersion) || ifMatch === undefined) throw error;
      // If-Match is checked before the decision: an unknown or foreign product must still be a
      // 404, never a 412 that tells its version (invariant 6).
      await readProduct(this.store, context.studioId, productId);
      throw new PreconditionFailed(
        `The product has changed since version ${ifMatch}; it is now at version ${String(error.actual)}. Read it again and retry.`,
        { currentVersion: error.actual },
      );
    }
  }
}
