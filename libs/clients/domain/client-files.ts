import { InvalidInput, isFileOfType, NotFound, type FieldError } from '@clientele/shared';

/**
 * A client's profile image and PDF documents (seeds 001, 002). The events record what was
 * attached (its type, size and hash); the bytes are stored beside the read models, not in the log.
 */
export interface FileFacts {
  fileId: string;
  mediaType: string;
  size: number;
  sha256: string;
}

export const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp'] as const;
export const IMAGE_MAX_BYTES = 2 * 1024 * 1024;
export const DOCUMENT_TYPES = ['application/pdf'] as const;
export const DOCUMENT_MAX_BYTES = 10 * 1024 * 1024;

/** Checks a file's type and size from its first bytes and length, before anything is stored. */
export function checkFile(kind: 'image' | 'document', mediaType: string, bytes: Uint8Array): void {
  const types: readonly string[] = kind === 'image' ? IMAGE_TYPES : DOCUMENT_TYPES;
  const max = kind === 'image' ? IMAGE_MAX_BYTES : DOCUMENT_MAX_BYTES;
  const errors: FieldError[] = [];
  if (!types.includes(mediaType)) {
    errors.push({ field: 'Content-Type', message: `must be ${types.join(' or ')}` });
  } else if (bytes.length === 0 || bytes.length > max) {
    errors.push({ field: 'body', message: `must be 1 byte to ${max / 1024 / 1024} MB` });
  } else if (!isFileOfType(mediaType, bytes)) {
    errors.push({ field: 'body', message: `is not a file of type ${mediaType}` });
  }
  if (errors.length > 0) throw new InvalidInput(`The ${kind} is not valid.`, errors);
}

export function checkDocumentName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > 200 || /[\\/\p{Cc}]/u.test(trimmed)) {
    throw new InvalidInput('The document name is not valid.', [
      { field: 'name', message: 'must be 1–200 characters, without slashes or control characters' },
    ]);
  }
  return trimmed;
}

export function knownDocument(documents: ReadonlyMap<string, unknown>, documentId: string): void {
  if (!documents.has(documentId)) throw new NotFound('document', documentId);
}
