import {
  stripeEventDecider,
  stripeEventStream,
  type StripeEventRecord,
  type StripeWebhookEvent,
  type WebhookOutcome,
} from '@clientele/billing';
import type { Database } from '@clientele/database';
import { decideOnAccount } from '@clientele/entitlements';
import { commandContext, handleCommand, type EventStore } from '@clientele/eventstore';
import {
  accountOfPaymentReference,
  accountOfProcessorCustomer,
} from '@projections/client-accounts';
import { fold, NotFound, type RequestContext } from '@clientele/shared';

/** The studio of an event that names no account of ours: recorded, but nobody's. */
const NO_STUDIO = '00000000-0000-0000-0000-000000000000';

export interface StripeWebhookDeps {
  store: EventStore;
  db: Database;
  /** Waits until the read models hold every event committed before (ADR 0003). */
  awaitReadModels(): Promise<void>;
}

export interface StripeWebhookAnswer {
  eventId: string;
  outcome: WebhookOutcome;
  /** The event was handled before: nothing changed this time. */
  replayed: boolean;
}

/**
 * One Stripe event, once: if its stream says it was handled, the first outcome is answered
 * again; otherwise its fact is decided on the client's account (keyed by the event, so a crash
 * between the two appends repeats nothing there) and then the event id is recorded.
 */
export async function handleStripeEvent(
  deps: StripeWebhookDeps,
  event: StripeWebhookEvent,
  now = new Date(),
): Promise<StripeWebhookAnswer> {
  const stream = stripeEventStream(event.id);
  const history = (await deps.store.readStream(stream)) as unknown as StripeEventRecord[];
  const handled = fold(stripeEventDecider, history).handled;
  if (handled) return { eventId: event.id, outcome: handled.outcome, replayed: true };

  const owner = event.fact ? await ownerOf(deps, event) : null;
  const context = (studioId: string): RequestContext => ({
    studioId,
    actor: { type: 'system', id: 'stripe' },
    correlationId: event.id,
    idempotencyKey: `stripe:${event.id}`,
    now,
  });
  let outcome: WebhookOutcome = event.skipped ?? 'unmatched';
  if (event.fact && owner) {
    const notice = event.fact;
    try {
      const result = await decideOnAccount(
        deps.store,
        context(owner.studioId),
        owner.clientId,
        (scope) => ({
          type: 'ReconcileWithProcessor',
          data: { ...scope, notice },
        }),
      );
      outcome = result.appended.length > 0 ? 'recorded' : 'already_recorded';
    } catch (error) {
      // Metadata naming a client this studio does not have: nobody's account to change.
      if (!(error instanceof NotFound)) throw error;
      outcome = 'unmatched';
    }
  }
  const recorded = await handleCommand(
    deps.store,
    stream,
    stripeEventDecider,
    {
      type: 'RecordStripeEvent',
      data: {
        eventId: event.id,
        eventType: event.type,
        outcome,
        clientId: outcome === 'unmatched' ? null : (owner?.clientId ?? null),
      },
    },
    commandContext(context(owner?.studioId ?? NO_STUDIO), { replayByKey: false, expectNew: true }),
  );
  // Delivered twice at once: the other delivery recorded first, and its outcome stands.
  const first = recorded.state.handled!;
  return { eventId: event.id, outcome: first.outcome, replayed: recorded.appended.length === 0 };
}

async function ownerOf(deps: StripeWebhookDeps, event: StripeWebhookEvent) {
  if (event.owner) return event.owner;
  const fact = event.fact;
  if (!fact) return null;
  // A payment recorded a moment ago may not have reached the read model yet.
  await deps.awaitReadModels();
  if ('reference' in fact) return accountOfPaymentReference(deps.db, fact.reference);
  return event.customer ? accountOfProcessorCustomer(deps.db, event.customer) : null;
}
