/**
 * What a file of each type begins with: a file is what its bytes say, not what it is named or
 * what the request claims. The types Clientele accepts: drawn signatures, profile images, PDFs.
 */
const SIGNATURES: Record<string, (head: Uint8Array) => boolean> = {
  'image/png': (h) => [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((b, i) => h[i] === b),
  'image/jpeg': (h) => h[0] === 0xff && h[1] === 0xd8 && h[2] === 0xff,
  'image/webp': (h) =>
    String.fromCharCode(...h.subarray(0, 4)) === 'RIFF' &&
    String.fromCharCode(...h.subarray(8, 12)) === 'WEBP',
  'application/pdf': (h) => String.fromCharCode(...h.subarray(0, 5)) === '%PDF-',
};

/** Whether the bytes begin as a file of `mediaType` does; false for a type not listed. */
export function isFileOfType(mediaType: string, bytes: Uint8Array): boolean {
  return SIGNATURES[mediaType]?.(bytes.subarray(0, 16)) ?? false;
}
