import {
  assertNever,
  InvalidInput,
  isFileOfType,
  RuleViolation,
  type Decider,
  type FieldError,
} from '@clientele/shared';

/**
 * The waivers a client signed and was asked to sign (`signatures-<clientId>`). What identifies
 * the signer (the signature itself, the IP, the device) is personal data and travels in
 * `personal`, so erasing the client can shred it while the fact of the signature stays.
 */
export type Signature =
  | { kind: 'typed'; name: string }
  /** A drawn signature: a PNG or JPEG, base64. */
  | { kind: 'image'; mediaType: 'image/png' | 'image/jpeg'; data: string };

export interface SignedBy {
  /** The client who signed: the client themselves, or their guardian. */
  clientId: string;
  as: 'self' | 'guardian';
}

/** Who signed, how, from where: shredded with the client's key on erasure. */
export interface SignerPersonal {
  signature: Signature;
  ip: string | null;
  userAgent: string | null;
}

export type SignatureEvent =
  | {
      type: 'WaiverSigned';
      data: {
        clientId: string;
        studioId: string;
        waiverId: string;
        version: number;
        title: string;
        signedBy: SignedBy;
        signedAt: string;
        /** Null once the client (`clientId`, whose key seals it) was erased. */
        personal: SignerPersonal | null;
      };
    }
  | {
      type: 'SignatureRequested';
      data: {
        clientId: string;
        studioId: string;
        waiverId: string;
        version: number;
        title: string;
      };
    };

/** The waiver as it stands, told by its own stream: what a signature today signs. */
export interface WaiverTerms {
  waiverId: string;
  version: number;
  title: string;
  /** A signature of this version or later counts. */
  oldestValidVersion: number;
}

export type SignatureCommand =
  | {
      type: 'SignWaiver';
      data: {
        clientId: string;
        studioId: string;
        waiver: WaiverTerms;
        signedBy: SignedBy;
        /** Facts the handler read: the client's age today, the signer's relationship. */
        clientIsMinor: boolean;
        signerIsGuardian: boolean;
        personal: SignerPersonal;
      };
    }
  | { type: 'RequestSignature'; data: { clientId: string; studioId: string; waiver: WaiverTerms } };

export interface SignedVersion {
  version: number;
  signedBy: SignedBy;
  signedAt: string;
}

export interface SignaturesState {
  /** The newest version of each waiver the client signed. */
  signed: ReadonlyMap<string, SignedVersion>;
}

export const signaturesStream = (clientId: string) => `signatures-${clientId}`;

/** Whether the client's signature of the waiver still counts. */
export function hasSigned(state: SignaturesState, waiver: WaiverTerms): boolean {
  return (state.signed.get(waiver.waiverId)?.version ?? 0) >= waiver.oldestValidVersion;
}

export class AlreadySigned extends RuleViolation {
  constructor(waiver: WaiverTerms) {
    super(
      'already_signed',
      `The client has signed "${waiver.title}" already; no signature is needed.`,
      { waiverId: waiver.waiverId },
    );
  }
}

export class GuardianMustSign extends RuleViolation {
  constructor() {
    super(
      'guardian_signature_required',
      'The client is a minor: a guardian signs for them (signedBy, a client related to them as guardian).',
    );
  }
}

export class NotTheGuardian extends RuleViolation {
  constructor(signerId: string) {
    super('not_guardian', `Client ${signerId} is not a guardian of this client.`, { signerId });
  }
}

/** A typed name, or a drawn signature of at most this many bytes. */
const NAME_MAX = 200;
export const SIGNATURE_IMAGE_MAX_BYTES = 256 * 1024;

function checkSignature(signature: Signature): void {
  const errors: FieldError[] = [];
  if (signature.kind === 'typed') {
    const name = signature.name.trim();
    if (name.length === 0 || name.length > NAME_MAX) {
      errors.push({ field: 'signature.name', message: `must be 1–${NAME_MAX} characters` });
    }
  } else {
    const bytes = /^[A-Za-z0-9+/]+={0,2}$/.test(signature.data)
      ? Buffer.from(signature.data, 'base64')
      : null;
    if (!bytes || bytes.length === 0) {
      errors.push({ field: 'signature.data', message: 'must be base64' });
    } else if (bytes.length > SIGNATURE_IMAGE_MAX_BYTES) {
      errors.push({
        field: 'signature.data',
        message: `must be at most ${SIGNATURE_IMAGE_MAX_BYTES} bytes`,
      });
    } else if (!isFileOfType(signature.mediaType, bytes)) {
      errors.push({
        field: 'signature.data',
        message: `is not a file of type ${signature.mediaType}`,
      });
    }
  }
  if (errors.length > 0) throw new InvalidInput('The signature is not valid.', errors);
}

export const signaturesDecider: Decider<SignatureCommand, SignatureEvent, SignaturesState> = {
  initialState: { signed: new Map() },
  evolve(state, event) {
    switch (event.type) {
      case 'WaiverSigned': {
        const { waiverId, version, signedBy, signedAt } = event.data;
        if ((state.signed.get(waiverId)?.version ?? 0) > version) return state;
        return { signed: new Map(state.signed).set(waiverId, { version, signedBy, signedAt }) };
      }
      case 'SignatureRequested':
        return state;
      default:
        return assertNever(event);
    }
  },
  decide(command, state, now) {
    const { clientId, studioId, waiver } = command.data;
    switch (command.type) {
      case 'SignWaiver': {
        const { signedBy } = command.data;
        checkSignature(command.data.personal.signature);
        if (signedBy.as === 'guardian' && !command.data.signerIsGuardian) {
          throw new NotTheGuardian(signedBy.clientId);
        }
        if (signedBy.as === 'self' && command.data.clientIsMinor) throw new GuardianMustSign();
        // The version of today signed already: a second signature adds nothing.
        if ((state.signed.get(waiver.waiverId)?.version ?? 0) >= waiver.version) return [];
        return [
          {
            type: 'WaiverSigned',
            data: {
              clientId,
              studioId,
              waiverId: waiver.waiverId,
              version: waiver.version,
              title: waiver.title,
              signedBy,
              signedAt: now.toISOString(),
              personal: command.data.personal,
            },
          },
        ];
      }
      case 'RequestSignature':
        if (hasSigned(state, waiver)) throw new AlreadySigned(waiver);
        return [
          {
            type: 'SignatureRequested',
            data: {
              clientId,
              studioId,
              waiverId: waiver.waiverId,
              version: waiver.version,
              title: waiver.title,
            },
          },
        ];
      default:
        return assertNever(command);
    }
  },
};
