import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ChangeMembership,
  PayBill,
  RefundPayment,
  SellProducts,
  type AccountEvent,
  type MembershipChange,
} from '@clientele/entitlements';
import { ReadConsistency } from '@clientele/projector';
import { NotFound, type RequestContext } from '@clientele/shared';
import {
  GetActiveItems,
  GetBill,
  GetPayment,
  ListClientBills,
  ListClientSales,
} from '@projections/client-accounts';
import type { FastifyReply } from 'fastify';
import { Ctx, RequirePermission, uuidParam } from '../http/auth';
import {
  BillsQuery,
  CancelMembershipRequest,
  FreezeMembershipRequest,
  PayBillRequest,
  RefundRequest,
  SellProductsRequest,
} from './sales.dto';

const uuid = uuidParam('id');
const membershipUuid = uuidParam('membershipId');

/** A sale as the desk sees it after checkout: the bill, the payment and what the client got. */
function saleSummary(saleId: string, events: AccountEvent[]) {
  const sale = events.find((e) => e.type === 'SaleRecorded');
  if (sale?.type !== 'SaleRecorded') throw new NotFound('sale', saleId);
  const bill = events.find((e) => e.type === 'BillIssued');
  const payment = events.find((e) => e.type === 'PaymentRecorded');
  return {
    saleId,
    clientId: sale.data.clientId,
    lines: sale.data.lines,
    total: sale.data.total,
    paymentMethod: sale.data.paymentMethod,
    bill: {
      billId: sale.data.billId,
      status:
        events.some((e) => e.type === 'BillPaid') || sale.data.total.amount === 0 ? 'paid' : 'open',
      dueOn: bill?.type === 'BillIssued' ? bill.data.dueOn : null,
    },
    payment:
      payment?.type === 'PaymentRecorded'
        ? {
            paymentId: payment.data.paymentId,
            amount: payment.data.amount,
            method: payment.data.method,
            reference: payment.data.reference,
          }
        : null,
    granted: events.flatMap<object>((e) => {
      if (e.type === 'CreditsGranted') {
        return [
          {
            kind: 'credits',
            grantId: e.data.grantId,
            count: e.data.count,
            expiresAt: e.data.expiresAt,
          },
        ];
      }
      if (e.type === 'MembershipStarted') {
        return [
          {
            kind: 'membership',
            membershipId: e.data.membershipId,
            nextPaymentDue: e.data.nextPaymentDue,
          },
        ];
      }
      if (e.type === 'VodAccessGranted') {
        return [{ kind: 'vod', accessId: e.data.accessId, until: e.data.until }];
      }
      return [];
    }),
  };
}

@ApiTags('sales, bills and memberships')
@ApiBearerAuth()
@Controller('v1')
export class SalesController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    @Inject(ReadConsistency) private readonly consistency: ReadConsistency,
  ) {}

  @Post('sales')
  @HttpCode(201)
  @RequirePermission('sales:create')
  @ApiOperation({
    summary:
      'Sell products to a client (SellProducts): a sale, a bill, its payment and what the products grant',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  async sell(
    @Body() body: SellProductsRequest,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { saleId, events } = await this.commands.execute(new SellProducts(body, context));
    const summary = saleSummary(saleId, events);
    void reply.header('location', `/v1/bills/${summary.bill.billId}`);
    return summary;
  }

  @Get('bills/:id')
  @RequirePermission('bills:read')
  @ApiOperation({ summary: 'A bill with its lines and payments' })
  bill(@Param('id', uuid) id: string, @Ctx() context: RequestContext) {
    return this.queries.execute(new GetBill(context.studioId, id));
  }

  @Post('bills/:id/payments')
  @HttpCode(201)
  @RequirePermission('payments:take')
  @ApiOperation({ summary: 'Pay a bill down, in full or in part (never more than it owes)' })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  async pay(
    @Param('id', uuid) id: string,
    @Body() body: PayBillRequest,
    @Ctx() context: RequestContext,
  ) {
    // The bill names its client; a bill issued a moment ago may not be in the read model yet.
    await this.consistency.awaitHead();
    const bill = await this.queries.execute(new GetBill(context.studioId, id));
    const outcome = await this.commands.execute(
      new PayBill(bill.clientId, id, body.amount, body.method, body.reference ?? null, context),
    );
    const paid = outcome.state.bills.get(id)!;
    return {
      paymentId: outcome.paymentId,
      billId: id,
      amount: { amount: body.amount, currency: outcome.currency },
      method: body.method,
      bill: {
        total: paid.total,
        paid: { amount: paid.paid, currency: outcome.currency },
        outstanding: { amount: paid.total.amount - paid.paid, currency: outcome.currency },
        status: paid.settled ? 'paid' : 'open',
      },
    };
  }

  @Post('payments/:id/refunds')
  @HttpCode(201)
  @RequirePermission('payments:refund')
  @ApiOperation({
    summary:
      'Refund a payment, in full or in part, to where it came from (RefundPayment): never more than is left unrefunded',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  async refund(
    @Param('id', uuid) id: string,
    @Body() body: RefundRequest,
    @Ctx() context: RequestContext,
  ) {
    // The payment names its client; one taken a moment ago may not be in the read model yet.
    await this.consistency.awaitHead();
    const payment = await this.queries.execute(new GetPayment(context.studioId, id));
    const outcome = await this.commands.execute(
      new RefundPayment(payment.clientId, id, body.amount ?? null, body.reason, context),
    );
    const paid = outcome.state.payments.get(id)!;
    const refunded = outcome.appended.find((e) => e.type === 'PaymentRefunded');
    return {
      refundId: outcome.refundId,
      paymentId: id,
      amount: refunded?.type === 'PaymentRefunded' ? refunded.data.amount : null,
      payment: {
        amount: { amount: paid.amount, currency: outcome.currency },
        refunded: { amount: paid.refunded, currency: outcome.currency },
        method: paid.method,
      },
    };
  }

  @Get('clients/:id/bills')
  @RequirePermission('bills:read')
  @ApiOperation({ summary: 'A client’s bills, newest first, paid and unpaid' })
  bills(@Param('id', uuid) id: string, @Query() query: BillsQuery, @Ctx() context: RequestContext) {
    return this.queries.execute(new ListClientBills(context.studioId, id, query.status));
  }

  @Get('clients/:id/sales')
  @RequirePermission('bills:read')
  @ApiOperation({ summary: 'A client’s orders, newest first' })
  sales(@Param('id', uuid) id: string, @Ctx() context: RequestContext) {
    return this.queries.execute(new ListClientSales(context.studioId, id, 100));
  }

  @Get('clients/:id/active-items')
  @RequirePermission('clients:read')
  @ApiOperation({
    summary:
      'Memberships with their next payment, packs and passes with credits left, video access',
  })
  activeItems(@Param('id', uuid) id: string, @Ctx() context: RequestContext) {
    return this.queries.execute(new GetActiveItems(context.studioId, id, context.now));
  }

  @Post('clients/:id/memberships/:membershipId/freeze')
  @HttpCode(200)
  @RequirePermission('memberships:manage')
  @ApiOperation({ summary: 'Freeze a membership from a day until a day; its next payment moves' })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  freeze(
    @Param('id', uuid) id: string,
    @Param('membershipId', membershipUuid) membershipId: string,
    @Body() body: FreezeMembershipRequest,
    @Ctx() context: RequestContext,
  ) {
    return this.change(id, membershipId, { type: 'FreezeMembership', ...body }, context);
  }

  @Post('clients/:id/memberships/:membershipId/unfreeze')
  @HttpCode(200)
  @RequirePermission('memberships:manage')
  @ApiOperation({ summary: 'End a freeze now; the days not frozen are billed again' })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  unfreeze(
    @Param('id', uuid) id: string,
    @Param('membershipId', membershipUuid) membershipId: string,
    @Ctx() context: RequestContext,
  ) {
    return this.change(id, membershipId, { type: 'UnfreezeMembership' }, context);
  }

  @Post('clients/:id/memberships/:membershipId/cancel')
  @HttpCode(200)
  @RequirePermission('memberships:manage')
  @ApiOperation({ summary: 'Cancel a membership now or at the end of its period' })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  cancel(
    @Param('id', uuid) id: string,
    @Param('membershipId', membershipUuid) membershipId: string,
    @Body() body: CancelMembershipRequest,
    @Ctx() context: RequestContext,
  ) {
    return this.change(id, membershipId, { type: 'CancelMembership', ...body }, context);
  }

  private async change(
    clientId: string,
    membershipId: string,
    change: MembershipChange,
    context: RequestContext,
  ) {
    const outcome = await this.commands.execute(
      new ChangeMembership(clientId, membershipId, change, context),
    );
    const m = outcome.state.memberships.get(membershipId)!;
    return {
      membershipId,
      name: m.name,
      currentPeriod: m.currentPeriod,
      nextPaymentDue: m.nextPaymentDue,
      freeze: m.freeze,
      cancelledOn: m.cancellation?.effectiveOn ?? null,
    };
  }
}
