import { Body, Controller, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  AdjustAccountCredit,
  AdjustCreditGrant,
  ChangePaymentSettings,
  IssueCredits,
  remaining,
  type AccountOutcome,
} from '@clientele/entitlements';
import { money, NotFound, type RequestContext } from '@clientele/shared';
import { GetClientCredits } from '@projections/client-accounts';
import { Ctx, RequirePermission, uuidParam } from '../http/auth';
import { toProblem } from '../http/problem';
import {
  AdjustAccountCreditRequest,
  AdjustCreditGrantRequest,
  BulkIssueCreditsRequest,
  IssueCreditsRequest,
  PaymentSettingsRequest,
} from './account.dto';

const uuid = uuidParam('id');
const grantUuid = uuidParam('grantId');
/** Clients of a bulk request worked on at once: enough to batch, few enough to stay fair. */
const BULK_CONCURRENCY = 16;

/** A grant as the command left it: the answer needs no wait for the read model. */
function grantOf(outcome: AccountOutcome, grantId: string) {
  const grant = outcome.state.grants.get(grantId);
  if (!grant) throw new NotFound('credit_grant', grantId);
  return {
    grantId,
    eventTypes: grant.eventTypes,
    count: grant.count,
    available: remaining(grant),
    reserved: grant.reserved,
    spent: grant.spent,
    expired: grant.expired,
    expiresAt: grant.expiresAt,
    source: grant.source,
  };
}

@ApiTags('credits and account credit')
@ApiBearerAuth()
@Controller('v1')
export class AccountsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Get('clients/:id/credits')
  @RequirePermission('clients:read')
  @ApiOperation({
    summary: 'Credits per event type, and every grant with its ledger line by line',
  })
  credits(@Param('id', uuid) id: string, @Ctx() context: RequestContext) {
    return this.queries.execute(new GetClientCredits(context.studioId, id, context.now));
  }

  @Post('clients/:id/credits')
  @HttpCode(201)
  @RequirePermission('credits:issue')
  @ApiOperation({ summary: 'Issue complimentary credits to a client (IssueCredits)' })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  async issue(
    @Param('id', uuid) id: string,
    @Body() body: IssueCreditsRequest,
    @Ctx() context: RequestContext,
  ) {
    const outcome = await this.commands.execute(
      new IssueCredits(id, { ...body, expiresAt: body.expiresAt ?? null }, context),
    );
    return grantOf(outcome, outcome.grantId);
  }

  @Post('credits/bulk')
  @HttpCode(200)
  @RequirePermission('credits:issue')
  @ApiOperation({
    summary:
      'Issue the same credits to many clients: a result per client, failures named, the rest issued',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  async issueBulk(@Body() body: BulkIssueCreditsRequest, @Ctx() context: RequestContext) {
    const { clientIds, ...credits } = body;
    const input = { ...credits, expiresAt: credits.expiresAt ?? null };
    const unique = [...new Set(clientIds)];
    const results: object[] = new Array(unique.length);
    let next = 0;
    const worker = async () => {
      while (next < unique.length) {
        const index = next++;
        const clientId = unique[index]!;
        try {
          const outcome = await this.commands.execute(new IssueCredits(clientId, input, context));
          results[index] = { clientId, status: 'issued', grantId: outcome.grantId };
        } catch (error) {
          const { problem } = toProblem(error);
          // A failure of the system, not of this client, fails the request: retrying it with
          // the same Idempotency-Key issues nothing twice.
          if (problem.status >= 500) throw error;
          results[index] = { clientId, status: 'failed', problem };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(BULK_CONCURRENCY, unique.length) }, worker));
    const failed = results.filter((r) => (r as { status: string }).status === 'failed').length;
    return { issued: unique.length - failed, failed, results };
  }

  @Post('clients/:id/credits/:grantId/adjustments')
  @HttpCode(200)
  @RequirePermission('credits:adjust')
  @ApiOperation({
    summary: 'Correct a grant by a number of credits, with a reason (AdjustCreditGrant)',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  async adjust(
    @Param('id', uuid) id: string,
    @Param('grantId', grantUuid) grantId: string,
    @Body() body: AdjustCreditGrantRequest,
    @Ctx() context: RequestContext,
  ) {
    const outcome = await this.commands.execute(
      new AdjustCreditGrant(id, grantId, body.delta, body.reason, context),
    );
    return grantOf(outcome, grantId);
  }

  @Post('clients/:id/account-credit')
  @HttpCode(200)
  @RequirePermission('account_credit:manage')
  @ApiOperation({
    summary: 'Add account credit, or deduct it with a negative amount; never below zero',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  async accountCredit(
    @Param('id', uuid) id: string,
    @Body() body: AdjustAccountCreditRequest,
    @Ctx() context: RequestContext,
  ) {
    const outcome = await this.commands.execute(
      new AdjustAccountCredit(id, body.amount, body.reason, context),
    );
    return { accountCredit: money(outcome.state.accountCredit, outcome.currency) };
  }

  @Put('clients/:id/payment-settings')
  @RequirePermission('clients:write')
  @ApiOperation({ summary: 'Pay later and account credit for recurring payments, per client' })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  async paymentSettings(
    @Param('id', uuid) id: string,
    @Body() body: PaymentSettingsRequest,
    @Ctx() context: RequestContext,
  ) {
    const outcome = await this.commands.execute(new ChangePaymentSettings(id, body, context));
    return {
      payLater: outcome.state.payLater,
      useAccountCreditForRecurring: outcome.state.useAccountCreditForRecurring,
    };
  }
}
