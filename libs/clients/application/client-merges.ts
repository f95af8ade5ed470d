import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import {
  commandContext,
  EVENT_STORE,
  handleCommand,
  idForRequest,
  type EventStore,
} from '@clientele/eventstore';
import { NotFound, type RequestContext } from '@clientele/shared';
import { ErasedClientMustStayErased } from '../domain/client.rules';
import type { MergeCommand } from '../domain/client.commands';
import { clientDecider, type ClientState } from '../domain/client.decider';
import { clientStream } from '../domain/client.events';
import { readClient } from './client-lookup';

export type MergeOutcome = {
  survivorId: string;
  duplicateId: string;
  mergeId: string;
  mergedAt: string;
  /** Set once the merge was undone. */
  unmergedAt: string | null;
};

/**
 * What other contexts do when two clients merge or part, after the clients' streams have: the
 * accounts move the duplicate's account credit (libs/entitlements). Each step is idempotent by
 * the merge id, so a repeated request finishes a step a crash cut short; what it answers joins
 * the request's answer.
 */
export interface MergeStep {
  merged(merge: MergeOutcome, context: RequestContext): Promise<Record<string, unknown>>;
  unmerged(merge: MergeOutcome, context: RequestContext): Promise<Record<string, unknown>>;
}

export const MERGE_STEPS = Symbol('MERGE_STEPS');

export class MergeClients extends Command<MergeOutcome & Record<string, unknown>> {
  constructor(
    readonly survivorId: string,
    readonly duplicateId: string,
    readonly context: RequestContext,
  ) {
    super();
  }
}

export class UnmergeClients extends Command<MergeOutcome & Record<string, unknown>> {
  constructor(
    readonly survivorId: string,
    readonly duplicateId: string,
    readonly context: RequestContext,
  ) {
    super();
  }
}

type Registered = Extract<ClientState, { status: 'registered' }>;

/** One step on one client's stream; the survivor's steps are idempotent by merge id, not key. */
const onClient = (
  store: EventStore,
  clientId: string,
  command: MergeCommand,
  context: RequestContext,
  replayByKey = true,
) =>
  handleCommand(
    store,
    clientStream(clientId),
    clientDecider,
    command,
    commandContext(context, { replayByKey }),
  );

/** The client in the URL: the studio's (invariant 6), else 404; never an erased one. */
async function survivorOf(store: EventStore, studioId: string, survivorId: string) {
  const survivor = await readClient(store, survivorId);
  if (survivor.status !== 'registered' || survivor.studioId !== studioId) {
    throw new NotFound('client', survivorId);
  }
  if (survivor.erasedAt !== null) throw new ErasedClientMustStayErased(survivorId);
  return survivor;
}

/**
 * Two steps on two streams, the duplicate's first: it holds the decision, so a second merge of
 * the same duplicate conflicts there. A crash between the steps leaves the survivor not yet
 * answering for the duplicate; the same request again (or any merge of the pair) finishes it,
 * since a repeated decision decides nothing and the survivor's step is idempotent by merge id.
 */
@CommandHandler(MergeClients)
export class MergeClientsHandler implements ICommandHandler<MergeClients> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(MERGE_STEPS) private readonly steps: MergeStep[],
  ) {}

  async execute({ survivorId, duplicateId, context }: MergeClients) {
    const studioId = context.studioId;
    const survivor = await survivorOf(this.store, studioId, survivorId);
    const decided = await onClient(
      this.store,
      duplicateId,
      {
        type: 'MergeInto',
        data: {
          clientId: duplicateId,
          studioId,
          survivor: { clientId: survivorId, mergedInto: survivor.mergedInto?.survivorId ?? null },
          mergeId: idForRequest(`merge:${duplicateId}`, context),
        },
      },
      context,
    );
    const merge = (decided.state as Registered).mergedInto!;
    await onClient(
      this.store,
      survivorId,
      {
        type: 'RecordDuplicate',
        data: {
          clientId: survivorId,
          duplicateId,
          mergeId: merge.mergeId,
          mergedAt: merge.mergedAt,
        },
      },
      context,
      false,
    );
    const outcome: MergeOutcome = { duplicateId, ...merge, unmergedAt: null };
    return followedBy(outcome, this.steps, (step) => step.merged(outcome, context));
  }
}

/**
 * As a merge: the duplicate decides, then the other contexts' steps run, and the survivor lets
 * go of the duplicate last, so until everything is done the survivor still lists it and the
 * same unmerge again finishes what a crash or a refusal left.
 */
@CommandHandler(UnmergeClients)
export class UnmergeClientsHandler implements ICommandHandler<UnmergeClients> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(MERGE_STEPS) private readonly steps: MergeStep[],
  ) {}

  async execute({ survivorId, duplicateId, context }: UnmergeClients) {
    const studioId = context.studioId;
    const survivor = await survivorOf(this.store, studioId, survivorId);
    const decided = await onClient(
      this.store,
      duplicateId,
      {
        type: 'UnmergeFrom',
        data: {
          clientId: duplicateId,
          studioId,
          survivorId,
          listedMergeId: survivor.duplicates.get(duplicateId)?.mergeId ?? null,
        },
      },
      context,
    );
    const duplicate = decided.state as Registered;
    const [mergeId, link] = [...duplicate.merges].findLast(
      ([, merge]) => merge.survivorId === survivorId && merge.unmergedAt,
    )!;
    const outcome: MergeOutcome = {
      survivorId,
      duplicateId,
      mergeId,
      mergedAt: link.mergedAt,
      unmergedAt: link.unmergedAt,
    };
    const answer = await followedBy(outcome, this.steps, (step) => step.unmerged(outcome, context));
    await onClient(
      this.store,
      survivorId,
      {
        type: 'ReleaseDuplicate',
        data: { clientId: survivorId, duplicateId, mergeId, unmergedAt: link.unmergedAt! },
      },
      context,
      false,
    );
    return answer;
  }
}

async function followedBy(
  outcome: MergeOutcome,
  steps: MergeStep[],
  run: (step: MergeStep) => Promise<Record<string, unknown>>,
): Promise<MergeOutcome & Record<string, unknown>> {
  let answer: MergeOutcome & Record<string, unknown> = outcome;
  for (const step of steps) answer = { ...answer, ...(await run(step)) };
  return answer;
}
