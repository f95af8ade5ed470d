import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import {
  assertClientAddressable,
  assertClientOfStudio,
  duplicatesOf,
  ErasedClientMustStayErased,
  readClient,
  relationshipBetween,
  type ClientState,
} from '@clientele/clients';
import {
  commandContext,
  EVENT_STORE,
  handleCommand,
  idForRequest,
  type EventStore,
} from '@clientele/eventstore';
import { fold, NotFound, RuleViolation, type RequestContext } from '@clientele/shared';
import {
  signaturesDecider,
  signaturesStream,
  hasSigned,
  type Signature,
  type SignatureEvent,
  type WaiverTerms,
} from '../domain/signatures';
import {
  currentVersion,
  oldestValidVersion,
  waiverDecider,
  waiverStream,
  type WaiverEvent,
  type WaiverVersion,
} from '../domain/waiver';

export interface WaiverView {
  waiverId: string;
  title: string;
  version: number;
  /** A signature of this version or later counts. */
  oldestValidVersion: number;
  versions: WaiverVersion[];
}

/** The waiver as its stream tells it; another studio's is not there (invariant 6). */
export async function readWaiver(
  store: EventStore,
  studioId: string,
  waiverId: string,
): Promise<WaiverView> {
  const history = await store.readStream(waiverStream(waiverId));
  const state = fold(waiverDecider, history as unknown as WaiverEvent[]);
  if (state.status !== 'created' || state.studioId !== studioId) {
    throw new NotFound('waiver', waiverId);
  }
  const current = currentVersion(state);
  return {
    waiverId,
    title: current.title,
    version: current.version,
    oldestValidVersion: oldestValidVersion(state),
    versions: state.versions,
  };
}

const termsOf = (waiver: WaiverView): WaiverTerms => ({
  waiverId: waiver.waiverId,
  version: waiver.version,
  title: waiver.title,
  oldestValidVersion: waiver.oldestValidVersion,
});

export class WaiverUnsigned extends RuleViolation {
  constructor(waiver: WaiverView, clientId: string) {
    super(
      'waiver_unsigned',
      `The client must sign "${waiver.title}" (version ${waiver.version}) before booking this session.`,
      { waiverId: waiver.waiverId, version: waiver.version, clientId },
    );
  }
}

/** Refuses a booking until the client's signature of the waiver counts. */
export async function assertWaiverSigned(
  store: EventStore,
  studioId: string,
  waiverId: string,
  clientId: string,
): Promise<void> {
  const waiver = await readWaiver(store, studioId, waiverId);
  // A signature a duplicate brought counts for the client it was merged into (ADR 0016).
  for (const signer of [clientId, ...(await duplicatesOf(store, clientId))]) {
    const history = await store.readStream(signaturesStream(signer));
    const state = fold(signaturesDecider, history as unknown as SignatureEvent[]);
    if (hasSigned(state, termsOf(waiver))) return;
  }
  throw new WaiverUnsigned(waiver, clientId);
}

export class CreateWaiver extends Command<WaiverView> {
  constructor(
    readonly input: { title: string; body: string },
    readonly context: RequestContext,
  ) {
    super();
  }
}

export class PublishWaiverVersion extends Command<WaiverView> {
  constructor(
    readonly waiverId: string,
    readonly input: { title?: string | null; body: string; requiresResigning: boolean },
    readonly context: RequestContext,
  ) {
    super();
  }
}

@CommandHandler(CreateWaiver)
export class CreateWaiverHandler implements ICommandHandler<CreateWaiver> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ input, context }: CreateWaiver) {
    const waiverId = idForRequest('waiver', context);
    await handleCommand(
      this.store,
      waiverStream(waiverId),
      waiverDecider,
      { type: 'CreateWaiver', data: { waiverId, studioId: context.studioId, ...input } },
      commandContext(context, { expectNew: true }),
    );
    return readWaiver(this.store, context.studioId, waiverId);
  }
}

@CommandHandler(PublishWaiverVersion)
export class PublishWaiverVersionHandler implements ICommandHandler<PublishWaiverVersion> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ waiverId, input, context }: PublishWaiverVersion) {
    await handleCommand(
      this.store,
      waiverStream(waiverId),
      waiverDecider,
      {
        type: 'PublishWaiverVersion',
        data: {
          waiverId,
          studioId: context.studioId,
          title: input.title ?? null,
          body: input.body,
          requiresResigning: input.requiresResigning,
        },
      },
      commandContext(context),
    );
    return readWaiver(this.store, context.studioId, waiverId);
  }
}

export interface SignatureInput {
  waiverId: string;
  signature: Signature;
  /** The guardian signing for the client; absent when the client signs. */
  guardianId?: string | null;
  ip: string | null;
  userAgent: string | null;
}

export interface SignatureView {
  clientId: string;
  waiverId: string;
  title: string;
  version: number;
  signedBy: { clientId: string; as: 'self' | 'guardian' };
  signedAt: string;
}

export class SignWaiver extends Command<SignatureView> {
  constructor(
    readonly clientId: string,
    readonly input: SignatureInput,
    readonly context: RequestContext,
  ) {
    super();
  }
}

export class RequestSignature extends Command<{ waiverId: string; version: number }> {
  constructor(
    readonly clientId: string,
    readonly waiverId: string,
    readonly context: RequestContext,
  ) {
    super();
  }
}

/** Below this age a client's signature is their guardian's. */
const AGE_OF_MAJORITY = 18;

/**
 * The client a signature is about, from the write side: an erased client signs nothing and is
 * asked for nothing (a signature is personal data, and no key is left to seal it with).
 */
async function clientNotErased(store: EventStore, clientId: string): Promise<ClientState> {
  const client = await readClient(store, clientId);
  if (client.status === 'registered' && client.erasedAt !== null) {
    throw new ErasedClientMustStayErased(clientId);
  }
  return client;
}

/** Whether `guardianId`, or a client merged into them, is the guardian of the client or of one merged into it. */
async function isGuardian(store: EventStore, clientId: string, guardianId: string) {
  const guardians = [guardianId, ...(await duplicatesOf(store, guardianId))];
  for (const child of [clientId, ...(await duplicatesOf(store, clientId))]) {
    for (const guardian of guardians) {
      if ((await relationshipBetween(store, child, guardian)) === 'guardian') return true;
    }
  }
  return false;
}

function isMinor(client: ClientState, now: Date): boolean {
  const birthday = client.status === 'registered' ? (client.personal?.birthday ?? null) : null;
  if (!birthday) return false;
  const [year, month, day] = birthday.split('-').map(Number) as [number, number, number];
  const comesOfAge = Date.UTC(year + AGE_OF_MAJORITY, month - 1, day);
  return now.getTime() < comesOfAge;
}

@CommandHandler(SignWaiver)
export class SignWaiverHandler implements ICommandHandler<SignWaiver> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ clientId, input, context }: SignWaiver): Promise<SignatureView> {
    const { studioId } = context;
    await assertClientOfStudio(this.store, studioId, clientId);
    const client = await clientNotErased(this.store, clientId);
    const guardianId = input.guardianId ?? null;
    if (guardianId) await assertClientAddressable(this.store, studioId, guardianId);
    const waiver = await readWaiver(this.store, studioId, input.waiverId);
    const signedBy = guardianId
      ? { clientId: guardianId, as: 'guardian' as const }
      : { clientId, as: 'self' as const };
    const result = await handleCommand(
      this.store,
      signaturesStream(clientId),
      signaturesDecider,
      {
        type: 'SignWaiver',
        data: {
          clientId,
          studioId,
          waiver: termsOf(waiver),
          signedBy,
          clientIsMinor: isMinor(client, context.now),
          signerIsGuardian:
            guardianId !== null && (await isGuardian(this.store, clientId, guardianId)),
          personal: { signature: input.signature, ip: input.ip, userAgent: input.userAgent },
        },
      },
      commandContext(context),
    );
    const signed = result.state.signed.get(waiver.waiverId)!;
    return { clientId, waiverId: waiver.waiverId, title: waiver.title, ...signed };
  }
}

@CommandHandler(RequestSignature)
export class RequestSignatureHandler implements ICommandHandler<RequestSignature> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ clientId, waiverId, context }: RequestSignature) {
    await assertClientOfStudio(this.store, context.studioId, clientId);
    await clientNotErased(this.store, clientId);
    const waiver = await readWaiver(this.store, context.studioId, waiverId);
    await handleCommand(
      this.store,
      signaturesStream(clientId),
      signaturesDecider,
      {
        type: 'RequestSignature',
        data: { clientId, studioId: context.studioId, waiver: termsOf(waiver) },
      },
      commandContext(context),
    );
    return { waiverId, version: waiver.version };
  }
}
