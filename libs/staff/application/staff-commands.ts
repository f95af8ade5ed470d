import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import {
  commandContext,
  EVENT_STORE,
  handleCommand,
  idForRequest,
  type EventStore,
} from '@clientele/eventstore';
import {
  claimDecider,
  claimStream,
  InvalidInput,
  type FieldError,
  RuleViolation,
  ValueAlreadyClaimed,
  type RequestContext,
} from '@clientele/shared';
import { staffDecider, staffStream, type StaffCommand } from '../domain/staff-member';
import { studioDecider, studioStream, type BookingPolicy } from '../domain/studio';
import { newToken } from './tokens';

export class StaffEmailMustBeUniqueInStudio extends RuleViolation {
  constructor(existingStaffId: string) {
    super(
      'staff_email_already_registered',
      `A staff member of this studio already has this email: ${existingStaffId}.`,
      {
        existingStaffId,
      },
    );
  }
}

export interface IssuedToken {
  staffId: string;
  tokenId: string;
  /** The bearer token itself: shown this once, stored only as a hash. */
  token: string;
}

export class CreateStudio extends Command<{
  studioId: string;
  ownerStaffId: string;
  token: string;
}> {
  constructor(
    readonly input: {
      name: string;
      currency: string;
      timezone: string;
      ownerEmail: string;
      ownerName?: string;
    },
    readonly now: Date,
  ) {
    super();
  }
}

export class AddStaffMember extends Command<{ staffId: string }> {
  constructor(
    readonly input: { name: string; email: string; role: string },
    readonly context: RequestContext,
  ) {
    super();
  }
}

export class IssueStaffToken extends Command<IssuedToken> {
  constructor(
    readonly staffId: string,
    readonly label: string,
    readonly context: RequestContext,
  ) {
    super();
  }
}

export class RevokeStaffToken extends Command<void> {
  constructor(
    readonly staffId: string,
    readonly tokenId: string,
    readonly context: RequestContext,
  ) {
    super();
  }
}

async function claimStaffEmail(
  store: EventStore,
  context: RequestContext,
  email: string,
  staffId: string,
) {
  try {
    await handleCommand(
      store,
      claimStream('staffEmail', context.studioId, email.trim().toLowerCase()),
      claimDecider,
      { type: 'ClaimValue', data: { scope: 'staff-email', holderId: staffId } },
      commandContext(context, { replayByKey: false, expectNew: true }),
    );
  } catch (error) {
    if (error instanceof ValueAlreadyClaimed)
      throw new StaffEmailMustBeUniqueInStudio(error.holderId);
    throw error;
  }
}

async function runStaffCommand(store: EventStore, command: StaffCommand, context: RequestContext) {
  return handleCommand(
    store,
    staffStream(command.data.staffId),
    staffDecider,
    command,
    commandContext(context),
  );
}

@CommandHandler(CreateStudio)
export class CreateStudioHandler implements ICommandHandler<CreateStudio> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ input, now }: CreateStudio) {
    const studioId = crypto.randomUUID();
    const ownerStaffId = crypto.randomUUID();
    const context: RequestContext = {
      studioId,
      actor: { type: 'system', id: 'cli' },
      correlationId: crypto.randomUUID(),
      now,
    };
    const owner = {
      type: 'AddStaffMember' as const,
      data: {
        staffId: ownerStaffId,
        studioId,
        name: input.ownerName ?? input.ownerEmail,
        email: input.ownerEmail,
        role: 'owner',
      },
    };
    // Check the studio and its owner before anything is written, reporting every problem at once.
    const studio = {
      type: 'CreateStudio' as const,
      data: { studioId, name: input.name, currency: input.currency, timezone: input.timezone },
    };
    const errors = [
      ...problemsOf(() => studioDecider.decide(studio, studioDecider.initialState, now)),
      ...problemsOf(() => staffDecider.decide(owner, staffDecider.initialState, now)).map((e) => ({
        ...e,
        field: e.field === 'name' ? 'ownerName' : e.field === 'email' ? 'ownerEmail' : e.field,
      })),
    ];
    if (errors.length > 0) throw new InvalidInput('The studio cannot be created.', errors);
    await handleCommand(
      this.store,
      studioStream(studioId),
      studioDecider,
      {
        type: 'CreateStudio',
        data: { studioId, name: input.name, currency: input.currency, timezone: input.timezone },
      },
      commandContext(context, { expectNew: true }),
    );
    await claimStaffEmail(this.store, context, input.ownerEmail, ownerStaffId);
    await runStaffCommand(this.store, owner, context);
    const { token, tokenHash } = newToken();
    await runStaffCommand(
      this.store,
      {
        type: 'IssueStaffToken',
        data: {
          staffId: ownerStaffId,
          studioId,
          tokenId: crypto.randomUUID(),
          tokenHash,
          label: 'owner (studio create)',
        },
      },
      context,
    );
    return { studioId, ownerStaffId, token };
  }
}

@CommandHandler(AddStaffMember)
export class AddStaffMemberHandler implements ICommandHandler<AddStaffMember> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ input, context }: AddStaffMember) {
    const staffId = idForRequest('staff', context);
    const command = {
      type: 'AddStaffMember' as const,
      data: { staffId, studioId: context.studioId, ...input },
    };
    staffDecider.decide(command, staffDecider.initialState, context.now);
    await claimStaffEmail(this.store, context, input.email, staffId);
    await runStaffCommand(this.store, command, context);
    return { staffId };
  }
}

@CommandHandler(IssueStaffToken)
export class IssueStaffTokenHandler implements ICommandHandler<IssueStaffToken> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ staffId, label, context }: IssueStaffToken): Promise<IssuedToken> {
    const tokenId = idForRequest('token', context);
    const { token, tokenHash } = newToken();
    const result = await runStaffCommand(
      this.store,
      {
        type: 'IssueStaffToken',
        data: { staffId, studioId: context.studioId, tokenId, tokenHash, label },
      },
      context,
    );
    if (result.replayed) {
      // The token of the first request was shown once and is not kept: say so rather than guess.
      throw new TokenIsShownOnlyOnce(tokenId);
    }
    return { staffId, tokenId, token };
  }
}

export class TokenIsShownOnlyOnce extends RuleViolation {
  constructor(tokenId: string) {
    super(
      'token_already_issued',
      `This request already issued token ${tokenId}; a token is shown only once. Revoke it and issue another.`,
      { tokenId },
    );
  }
}

@CommandHandler(RevokeStaffToken)
export class RevokeStaffTokenHandler implements ICommandHandler<RevokeStaffToken> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ staffId, tokenId, context }: RevokeStaffToken): Promise<void> {
    await runStaffCommand(
      this.store,
      { type: 'RevokeStaffToken', data: { staffId, studioId: context.studioId, tokenId } },
      context,
    );
  }
}

function problemsOf(decide: () => unknown): FieldError[] {
  try {
    decide();
    return [];
  } catch (error) {
    if (error instanceof InvalidInput) return error.errors;
    throw error;
  }
}

export class SetBookingPolicy extends Command<BookingPolicy> {
  constructor(
    readonly policy: BookingPolicy,
    readonly context: RequestContext,
  ) {
    super();
  }
}

/** The studio's late-cancel window: cancellations inside it keep the credit or payment. */
@CommandHandler(SetBookingPolicy)
export class SetBookingPolicyHandler implements ICommandHandler<SetBookingPolicy> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ policy, context }: SetBookingPolicy) {
    const result = await handleCommand(
      this.store,
      studioStream(context.studioId),
      studioDecider,
      { type: 'SetBookingPolicy', data: { studioId: context.studioId, ...policy } },
      commandContext(context),
    );
    if (result.state.status !== 'open') throw new Error('A studio with a policy is open.');
    return result.state.bookingPolicy;
  }
}
