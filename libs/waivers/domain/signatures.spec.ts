import { InvalidInput } from '@clientele/shared';
import { deciderSpec } from '../../shared/testing/decider-spec';
import {
  AlreadySigned,
  GuardianMustSign,
  NotTheGuardian,
  SIGNATURE_IMAGE_MAX_BYTES,
  signaturesDecider,
  type SignatureCommand,
  type SignatureEvent,
  type Signature,
  type SignedBy,
  type WaiverTerms,
} from './signatures';

const spec = deciderSpec(signaturesDecider);
const scope = { clientId: 'mia', studioId: 'studio-1' };
const terms = (version: number, oldestValidVersion = 1): WaiverTerms => ({
  waiverId: 'w1',
  version,
  title: 'Liability waiver',
  oldestValidVersion,
});
const typed: Signature = { kind: 'typed', name: 'Mia Lee' };
const personal = { signature: typed, ip: '203.0.113.7', userAgent: 'Desk tablet' };
const sign = (
  waiver: WaiverTerms,
  over: Partial<Extract<SignatureCommand, { type: 'SignWaiver' }>['data']> = {},
): SignatureCommand => ({
  type: 'SignWaiver',
  data: {
    ...scope,
    waiver,
    signedBy: { clientId: 'mia', as: 'self' },
    clientIsMinor: false,
    signerIsGuardian: false,
    personal,
    ...over,
  },
});
const signed = (
  version: number,
  signedBy: SignedBy = { clientId: 'mia', as: 'self' },
): SignatureEvent => ({
  type: 'WaiverSigned',
  data: {
    ...scope,
    waiverId: 'w1',
    version,
    title: 'Liability waiver',
    signedBy,
    signedAt: '2026-11-23T10:00:00.000Z',
    personal,
  },
});
const request = (waiver: WaiverTerms): SignatureCommand => ({
  type: 'RequestSignature',
  data: { ...scope, waiver },
});

describe('signing waivers', () => {
  it('records who signed which version, when, from where; the same version again adds nothing', () => {
    spec
      .given([])
      .when(sign(terms(1)))
      .then([signed(1)]);
    spec
      .given([signed(1)])
      .when(sign(terms(1)))
      .then([]);
    spec
      .given([signed(1)])
      .when(sign(terms(2)))
      .then([signed(2)]);
  });

  it('a minor signs through their guardian, and only through a guardian', () => {
    spec
      .given([])
      .when(sign(terms(1), { clientIsMinor: true }))
      .thenThrows(GuardianMustSign);
    const byGuardian = { clientId: 'ana', as: 'guardian' as const };
    spec
      .given([])
      .when(sign(terms(1), { clientIsMinor: true, signedBy: byGuardian, signerIsGuardian: true }))
      .then([signed(1, byGuardian)]);
    spec
      .given([])
      .when(sign(terms(1), { signedBy: { clientId: 'bo', as: 'guardian' } }))
      .thenThrows(NotTheGuardian, (e) => expect(e.code).toBe('not_guardian'));
  });

  it('takes a typed name or a PNG or JPEG image, and refuses anything else', () => {
    const withSignature = (signature: Signature) =>
      sign(terms(1), { personal: { ...personal, signature } });
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).toString('base64');
    spec
      .given([])
      .when(withSignature({ kind: 'image', mediaType: 'image/png', data: png }))
      .then([
        {
          ...signed(1),
          data: {
            ...signed(1).data,
            personal: {
              ...personal,
              signature: { kind: 'image', mediaType: 'image/png', data: png },
            },
          },
        } as SignatureEvent,
      ]);
    const refused = (signature: Signature, message: RegExp) =>
      spec
        .given([])
        .when(withSignature(signature))
        .thenThrows(InvalidInput, (e) => expect(e.errors[0]!.message).toMatch(message));
    refused({ kind: 'typed', name: '  ' }, /1–200/);
    refused(
      { kind: 'image', mediaType: 'image/jpeg', data: png },
      /not a file of type image\/jpeg/,
    );
    refused({ kind: 'image', mediaType: 'image/png', data: 'not base64!' }, /base64/);
    const huge = Buffer.alloc(SIGNATURE_IMAGE_MAX_BYTES + 1, 0x89);
    huge.set([0x89, 0x50, 0x4e, 0x47]);
    refused({ kind: 'image', mediaType: 'image/png', data: huge.toString('base64') }, /at most/);
  });

  it('asks for a signature the client still lacks; one that still counts is refused', () => {
    spec
      .given([])
      .when(request(terms(1)))
      .then([
        {
          type: 'SignatureRequested',
          data: { ...scope, waiverId: 'w1', version: 1, title: 'Liability waiver' },
        },
      ]);
    spec
      .given([signed(1)])
      .when(request(terms(2, 1)))
      .thenThrows(AlreadySigned);
    // Version 2 needs signing again: the signature of version 1 no longer counts.
    spec
      .given([signed(1)])
      .when(request(terms(2, 2)))
      .then([
        {
          type: 'SignatureRequested',
          data: { ...scope, waiverId: 'w1', version: 2, title: 'Liability waiver' },
        },
      ]);
  });
});
