import { Controller, Delete, Get, HttpCode, Param, Post, type PipeTransform } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ManagePaymentMethods } from '@clientele/entitlements';
import { InvalidInput, type RequestContext } from '@clientele/shared';
import { Ctx, RequirePermission, uuidParam } from '../http/auth';

const uuid = uuidParam('id');

/** A processor's id of a saved method (`pm_…`): letters, digits and underscores. */
class MethodIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!/^[A-Za-z0-9_]{1,100}$/.test(value)) {
      throw new InvalidInput('paymentMethodId is not a payment method id.', [
        { field: 'paymentMethodId', message: 'must be letters, digits and _ (pm_…)' },
      ]);
    }
    return value;
  }
}

@ApiTags('sales, bills and memberships')
@ApiBearerAuth()
@Controller('v1/clients/:id/payment-methods')
export class PaymentMethodsController {
  constructor(private readonly commands: CommandBus) {}

  @Post('setup')
  @HttpCode(201)
  @RequirePermission('payments:take')
  @ApiOperation({
    summary:
      'Start saving a card or a SEPA debit mandate: the SetupIntent client secret for the client’s device (Stripe only)',
  })
  setup(@Param('id', uuid) clientId: string, @Ctx() context: RequestContext) {
    return this.commands.execute(new ManagePaymentMethods(clientId, { kind: 'setup' }, context));
  }

  @Get()
  @RequirePermission('bills:read')
  @ApiOperation({ summary: 'The client’s saved methods: brand, last 4, expiry, which is default' })
  list(@Param('id', uuid) clientId: string, @Ctx() context: RequestContext) {
    return this.commands.execute(new ManagePaymentMethods(clientId, { kind: 'list' }, context));
  }

  @Post(':paymentMethodId/default')
  @HttpCode(200)
  @RequirePermission('payments:take')
  @ApiOperation({ summary: 'Make a saved method the one charged by default' })
  makeDefault(
    @Param('id', uuid) clientId: string,
    @Param('paymentMethodId', new MethodIdPipe()) paymentMethodId: string,
    @Ctx() context: RequestContext,
  ) {
    return this.commands.execute(
      new ManagePaymentMethods(clientId, { kind: 'make_default', paymentMethodId }, context),
    );
  }

  @Delete(':paymentMethodId')
  @HttpCode(200)
  @RequirePermission('payments:take')
  @ApiOperation({ summary: 'Remove a saved method' })
  remove(
    @Param('id', uuid) clientId: string,
    @Param('paymentMethodId', new MethodIdPipe()) paymentMethodId: string,
    @Ctx() context: RequestContext,
  ) {
    return this.commands.execute(
      new ManagePaymentMethods(clientId, { kind: 'remove', paymentMethodId }, context),
    );
  }
}
