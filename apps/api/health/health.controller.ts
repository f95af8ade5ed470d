import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { DATABASE, DatabaseUnavailable, type Database } from '@clientele/database';
import {
  covers,
  EVENT_STORE,
  formatCheckpoint,
  parseCheckpoint,
  type EventStore,
} from '@clientele/eventstore';
import { PAYMENT_GATEWAY, type PaymentGateway } from '@clientele/billing';
import { outboxBacklog } from '@clientele/notifications';
import { ProjectionRunner } from '@clientele/projector';
import type { Runtime } from '@clientele/runtime';
import type { FastifyReply } from 'fastify';
import { RUNTIME } from '../internal/admin.controller';
import { Public } from '../http/auth';
import { ReadsTheLog } from '../http/read-consistency.interceptor';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    @Inject(DATABASE) private readonly db: Database,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly runner: ProjectionRunner,
    @Inject(PAYMENT_GATEWAY) private readonly gateway: PaymentGateway,
    @Inject(RUNTIME) private readonly runtime: Runtime,
  ) {}

  @Get()
  @Public()
  // It reports on the read models rather than reading them: it must answer at once, most of all
  // when they lag or the database is away, instead of waiting for them and failing without a word.
  @ReadsTheLog()
  @ApiOperation({
    summary: 'Event store, database and each projection’s lag; 503 when something is down',
  })
  async health(@Res({ passthrough: true }) reply: FastifyReply) {
    const [database, eventStore] = await Promise.all([
      this.checkDatabase(),
      this.checkEventStore(),
    ]);
    const [projections, notifications] =
      database.ok && eventStore.ok
        ? await Promise.all([this.projections(eventStore.head), this.notifications()])
        : [[], null];
    const ok = database.ok && eventStore.ok && projections.every((p) => p.lastError === null);
    void reply.status(ok ? 200 : 503);
    return {
      status: ok ? 'ok' : 'unavailable',
      eventStore: {
        adapter: this.store.name,
        ok: eventStore.ok,
        head: eventStore.head,
        error: eventStore.error,
      },
      database,
      projections,
      // Which adapter takes card payments: `stripe` with STRIPE_SECRET_KEY, `offline` otherwise;
      // without STRIPE_WEBHOOK_SECRET Stripe's webhooks are answered 503 (and sent again later).
      paymentGateway: {
        adapter: this.gateway.name,
        webhooksConfigured: Boolean(this.runtime.config.stripeWebhookSecret),
      },
      notifications,
    };
  }

  /**
   * How notifications go (`smtp` with SMTP_URL, `log` otherwise) and the outbox's backlog: a
   * growing one, or an old oldest, says the dispatcher or the SMTP server is stuck. It does
   * not make the API unavailable.
   */
  private async notifications() {
    return {
      transport: this.runtime.notifications.transport.name,
      ...(await outboxBacklog(this.db)),
    };
  }

  private async checkDatabase() {
    try {
      // A transaction left open holds back every reader of the log (liveness, not correctness).
      const rows = await this.db.sql.query<{ seconds: number | null }>(
        `SELECT EXTRACT(EPOCH FROM now() - min(xact_start))::float AS seconds
           FROM pg_stat_activity WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid()`,
      );
      return { kind: this.db.kind, ok: true, oldestOpenTransactionSeconds: rows[0]?.seconds ?? 0 };
    } catch (error) {
      return { kind: this.db.kind, ok: false, error: reason(error) };
    }
  }

  private async checkEventStore() {
    try {
      const head = await this.store.head();
      return { ok: true, head: head ? formatCheckpoint(head) : null, error: null };
    } catch (error) {
      return { ok: false, head: null, error: reason(error) };
    }
  }

  private async projections(head: string | null) {
    const statuses = await this.runner.status();
    return Promise.all(
      statuses.map(async (status) => {
        const checkpoint = parseCheckpoint(status.checkpoint);
        const caughtUp = covers(checkpoint, parseCheckpoint(head));
        // Lag: how long the oldest event it has not applied yet has been waiting.
        const [next] = caughtUp ? [] : await this.store.readAll({ from: checkpoint, limit: 1 });
        return {
          name: status.name,
          checkpoint: status.checkpoint,
          caughtUp,
          lagMs: next ? Math.max(0, Date.now() - next.recordedAt.getTime()) : 0,
          eventsApplied: status.eventsApplied,
          lastError: status.lastError,
        };
      }),
    );
  }
}

/** What failed, for whoever runs the server: the refused connection behind a 503, say. */
function reason(error: unknown): string {
  const shown = error instanceof DatabaseUnavailable ? error.cause : error;
  return (shown as Error).message;
}
