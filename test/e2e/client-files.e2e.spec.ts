import { startTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
let token: string;

beforeAll(async () => {
  t = await startTestApp();
  ({ token } = await t.createStudio('Files Studio'));
});
afterAll(() => t.close());

let n = 0;
const client = async () =>
  (
    await t.call('POST', '/v1/clients', {
      token,
      body: { firstName: 'Fi', lastName: `Les${++n}`, email: `fi${n}@files.example` },
    })
  ).body.id as string;

const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.from('a tiny picture'),
]);
const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('another')]);
const pdf = Buffer.from('%PDF-1.7\nintake form\n%%EOF\n');

const upload = (
  method: 'PUT' | 'POST',
  url: string,
  bytes: Buffer,
  type: string,
  headers: Record<string, string> = {},
) => t.call(method, url, { token, raw: bytes, headers: { 'content-type': type, ...headers } });

const storedFiles = async (clientId: string) =>
  (
    await t.runtime.db.kysely
      .selectFrom('client_files')
      .select('file_id')
      .where('client_id', '=', clientId)
      .execute()
  ).length;

describe('the profile image', () => {
  it('is set, served as itself, replaced (the old bytes deleted) and removed', async () => {
    const id = await client();
    const set = await upload('PUT', `/v1/clients/${id}/image`, png, 'image/png');
    expect(set.status).toBe(200);
    expect(set.body.image).toMatchObject({ mediaType: 'image/png', size: png.length });
    const served = await t.call('GET', `/v1/clients/${id}/image`, { token });
    expect(served.headers['content-type']).toBe('image/png');
    expect(served.bytes.equals(png)).toBe(true);
    await upload('PUT', `/v1/clients/${id}/image`, jpeg, 'image/jpeg');
    expect((await t.call('GET', `/v1/clients/${id}/image`, { token })).bytes.equals(jpeg)).toBe(
      true,
    );
    expect(await storedFiles(id)).toBe(1);
    expect((await t.call('DELETE', `/v1/clients/${id}/image`, { token })).status).toBe(204);
    expect((await t.call('GET', `/v1/clients/${id}`, { token })).body.image).toBeNull();
    expect((await t.call('GET', `/v1/clients/${id}/image`, { token })).status).toBe(404);
    expect(await storedFiles(id)).toBe(0);
  });

  it('refuses what is not the image it says, another type, and too many bytes', async () => {
    const id = await client();
    const lying = await upload('PUT', `/v1/clients/${id}/image`, pdf, 'image/png');
    expect(lying.status).toBe(400);
    expect(lying.body.errors).toEqual([
      { field: 'body', message: 'is not a file of type image/png' },
    ]);
    const gif = await upload('PUT', `/v1/clients/${id}/image`, Buffer.from('GIF89a'), 'image/gif');
    expect(gif.status).toBe(415);
    expect(gif.headers['content-type']).toMatch(/problem\+json/);
    const huge = Buffer.concat([png, Buffer.alloc(2 * 1024 * 1024)]);
    const big = await upload('PUT', `/v1/clients/${id}/image`, huge, 'image/png');
    expect(big.status).toBe(413);
    expect(await storedFiles(id)).toBe(0);
  });
});

describe('documents', () => {
  it('attaches a PDF once however often retried, lists and serves it, removes it', async () => {
    const id = await client();
    const key = { 'idempotency-key': `intake-${id}` };
    const url = `/v1/clients/${id}/documents?name=${encodeURIComponent('Intake form.pdf')}`;
    const first = await upload('POST', url, pdf, 'application/pdf', key);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      name: 'Intake form.pdf',
      mediaType: 'application/pdf',
      size: pdf.length,
    });
    const again = await upload('POST', url, pdf, 'application/pdf', key);
    expect(again.body.documentId).toBe(first.body.documentId);
    const listed = (await t.call('GET', `/v1/clients/${id}`, { token })).body.documents;
    expect(listed).toEqual([expect.objectContaining({ documentId: first.body.documentId })]);
    const served = await t.call('GET', `/v1/clients/${id}/documents/${first.body.documentId}`, {
      token,
    });
    expect(served.headers['content-type']).toBe('application/pdf');
    expect(served.bytes.equals(pdf)).toBe(true);
    const removed = await t.call('DELETE', `/v1/clients/${id}/documents/${first.body.documentId}`, {
      token,
    });
    expect(removed.status).toBe(204);
    expect((await t.call('GET', `/v1/clients/${id}/documents`, { token })).body).toEqual([]);
    expect(
      (await t.call('GET', `/v1/clients/${id}/documents/${first.body.documentId}`, { token }))
        .status,
    ).toBe(404);
    expect(await storedFiles(id)).toBe(0);
  });

  it('refuses a file that is not a PDF, a nameless one, and another studio', async () => {
    const id = await client();
    const notPdf = await upload(
      'POST',
      `/v1/clients/${id}/documents?name=x.pdf`,
      png,
      'application/pdf',
    );
    expect(notPdf.status).toBe(400);
    const nameless = await upload('POST', `/v1/clients/${id}/documents`, pdf, 'application/pdf');
    expect(nameless.status).toBe(400);
    expect(nameless.body.errors[0].field).toBe('name');
    const json = await t.call('POST', `/v1/clients/${id}/documents?name=x.pdf`, {
      token,
      body: { pdf: 'base64' },
    });
    expect(json.status).toBe(400);
    const { token: theirs } = await t.createStudio('Other Files Studio');
    const across = await t.call('POST', `/v1/clients/${id}/documents?name=x.pdf`, {
      token: theirs,
      raw: pdf,
      headers: { 'content-type': 'application/pdf' },
    });
    expect(across.status).toBe(404);
  });
});
