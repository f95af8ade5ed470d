import { InvalidInput, NotFound } from '@clientele/shared';
import { deciderSpec } from '../../shared/testing/decider-spec';
import { checkFile, IMAGE_MAX_BYTES, type FileFacts } from './client-files';
import { clientDecider } from './client.decider';
import type { ClientEvent } from './client.events';

const scope = { clientId: 'c1', studioId: 's1' };
const registered: ClientEvent = {
  type: 'ClientRegistered',
  data: {
    ...scope,
    registeredAt: '2026-01-01T00:00:00.000Z',
    personal: {
      firstName: 'Fi',
      lastName: 'Les',
      email: 'fi@example.com',
      phone: null,
      birthday: null,
      address: null,
      username: null,
    },
  },
};
const pdf: FileFacts = { fileId: 'f1', mediaType: 'application/pdf', size: 10, sha256: 'ab' };
const attached: ClientEvent = {
  type: 'DocumentAttached',
  data: { clientId: 'c1', document: pdf, personal: { name: 'Intake.pdf' } },
};
const spec = deciderSpec(clientDecider);

describe('files on the profile', () => {
  it('attaches a document once, named, and removes a known one only', () => {
    const attach = (name: string) => ({
      type: 'AttachDocument' as const,
      data: { ...scope, document: pdf, name },
    });
    spec.given([registered]).when(attach(' Intake.pdf ')).then([attached]);
    spec.given([registered, attached]).when(attach('Intake.pdf')).then([]);
    spec.given([registered]).when(attach('../etc/passwd')).thenThrows(InvalidInput);
    const remove = { type: 'RemoveDocument' as const, data: { ...scope, documentId: 'f1' } };
    spec
      .given([registered, attached])
      .when(remove)
      .then([{ type: 'DocumentRemoved', data: { clientId: 'c1', documentId: 'f1' } }]);
    spec.given([registered]).when(remove).thenThrows(NotFound);
  });

  it('changes the image only when it is another file', () => {
    const image: FileFacts = { fileId: 'i1', mediaType: 'image/png', size: 9, sha256: 'cd' };
    const set = (to: FileFacts | null) => ({
      type: 'SetProfileImage' as const,
      data: { ...scope, image: to },
    });
    const changed: ClientEvent = {
      type: 'ProfileImageChanged',
      data: { clientId: 'c1', image, replaced: null },
    };
    spec.given([registered]).when(set(image)).then([changed]);
    spec.given([registered, changed]).when(set(image)).then([]);
    spec.given([registered]).when(set(null)).then([]);
    // Another image, or none, names the one it replaces: its bytes are the ones to delete.
    const other: FileFacts = { ...image, fileId: 'i2' };
    spec
      .given([registered, changed])
      .when(set(other))
      .then([
        { type: 'ProfileImageChanged', data: { clientId: 'c1', image: other, replaced: 'i1' } },
      ]);
    spec
      .given([registered, changed])
      .when(set(null))
      .then([
        { type: 'ProfileImageChanged', data: { clientId: 'c1', image: null, replaced: 'i1' } },
      ]);
  });

  it('knows a file by its first bytes, not its name, and by its size', () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1]);
    expect(() => checkFile('image', 'image/png', png)).not.toThrow();
    expect(() => checkFile('image', 'image/jpeg', png)).toThrow(InvalidInput);
    expect(() => checkFile('image', 'application/pdf', png)).toThrow(InvalidInput);
    expect(() => checkFile('document', 'application/pdf', Buffer.from('%PDF-1.4'))).not.toThrow();
    const big = new Uint8Array(IMAGE_MAX_BYTES + 1);
    big.set(png);
    expect(() => checkFile('image', 'image/png', big)).toThrow(/not valid/);
  });
});
