/**
 * Hand-written PDFs for the bad-input tests, byte by byte (pdf-lib makes well-formed files only):
 * encrypted ones (the standard security handler, RC4 40-bit, revision 2: real encryption, with or
 * without a user password), ten thousand pages, a page of absurd size, a decompression bomb, deeply
 * nested and malformed objects. Nothing here comes from a real document.
 */
import { createHash } from 'node:crypto';
import { deflateRawSync, constants } from 'node:zlib';

/** Objects 1..n (each the text between `n 0 obj` and `endobj`), with an xref table and a trailer. */
export function assemble(objects: (string | Buffer)[], trailerExtra = ''): Uint8Array<ArrayBuffer> {
  const parts: Buffer[] = [Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  let at = parts[0].length;
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(at);
    const b = Buffer.concat([Buffer.from(`${i + 1} 0 obj\n`), Buffer.isBuffer(o) ? o : Buffer.from(o, 'latin1'), Buffer.from('\nendobj\n')]);
    parts.push(b);
    at += b.length;
  });
  const xref = [`xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`, ...offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`)].join('');
  parts.push(Buffer.from(`${xref}trailer\n<< /Size ${objects.length + 1} /Root 1 0 R ${trailerExtra}>>\nstartxref\n${at}\n%%EOF\n`, 'latin1'));
  // A copy in a plain ArrayBuffer: what fetch bodies and Blobs are typed to take.
  return new Uint8Array(Buffer.concat(parts));
}

const stream = (dict: string, data: Buffer) =>
  Buffer.concat([Buffer.from(`<< ${dict} /Length ${data.length} >>\nstream\n`, 'latin1'), data, Buffer.from('\nendstream', 'latin1')]);

/** A page's drawing: grey and coloured bars and a line of text, enough for a PDQ hash of quality 100. */
const CONTENT = Buffer.from(
  [
    '0.1 0.3 0.7 rg 40 500 300 200 re f',
    '0.8 0.2 0.1 rg 200 300 250 150 re f',
    '0 g 60 100 480 40 re f',
    'BT /F1 24 Tf 60 720 Td (A sealed document) Tj ET',
  ].join('\n'),
  'latin1',
);

/** One page (or `pages` pages sharing one content stream), an A4 media box unless given. */
export function simplePdf(opts: { pages?: number; mediaBox?: string; content?: Buffer } = {}): Uint8Array<ArrayBuffer> {
  const n = opts.pages ?? 1;
  const kids = Array.from({ length: n }, (_, i) => `${5 + i} 0 R`).join(' ');
  const objects: (string | Buffer)[] = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    `<< /Type /Pages /Kids [${kids}] /Count ${n} /MediaBox [${opts.mediaBox ?? '0 0 595 842'}] >>`,
    stream('', opts.content ?? CONTENT),
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    ...Array.from({ length: n }, () => '<< /Type /Page /Parent 2 0 R /Contents 3 0 R /Resources << /Font << /F1 4 0 R >> >> >>'),
  ];
  return assemble(objects);
}

// ---------------------------------------------------------------------------------------------
// Encryption: the standard security handler, revision 2 (PDF 1.7, 7.6.3)

const PAD = Buffer.from('28bf4e5e4e758a4164004e56fffa01082e2e00b6d0683e802f0ca9fe6453697a', 'hex');
const md5 = (...parts: Buffer[]) => createHash('md5').update(Buffer.concat(parts)).digest();

function rc4(key: Buffer, data: Buffer): Buffer {
  const s = Array.from({ length: 256 }, (_, i) => i);
  for (let i = 0, j = 0; i < 256; i++) {
    j = (j + s[i] + key[i % key.length]) & 255;
    [s[i], s[j]] = [s[j], s[i]];
  }
  const out = Buffer.alloc(data.length);
  for (let k = 0, i = 0, j = 0; k < data.length; k++) {
    i = (i + 1) & 255;
    j = (j + s[i]) & 255;
    [s[i], s[j]] = [s[j], s[i]];
    out[k] = data[k] ^ s[(s[i] + s[j]) & 255];
  }
  return out;
}

const padded = (password: string) => Buffer.concat([Buffer.from(password, 'latin1'), PAD]).subarray(0, 32);

/**
 * A one-page PDF encrypted with RC4 (40-bit). `userPassword` '' opens without asking (an owner
 * password only restricts printing and copying); any other needs it to open.
 */
export function encryptedPdf(userPassword: string, ownerPassword = 'owner-secret'): Uint8Array<ArrayBuffer> {
  const id = createHash('md5').update(`media-hash-node test ${userPassword}`).digest();
  const o = rc4(md5(padded(ownerPassword)).subarray(0, 5), padded(userPassword));
  const p = -44; // print and copy not allowed
  const pBytes = Buffer.alloc(4);
  pBytes.writeInt32LE(p);
  const key = md5(padded(userPassword), o, pBytes, id).subarray(0, 5);
  const u = rc4(key, PAD);
  const objKey = (n: number) => md5(key, Buffer.from([n & 255, (n >> 8) & 255, (n >> 16) & 255, 0, 0])).subarray(0, 10);
  const objects: (string | Buffer)[] = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [5 0 R] /Count 1 /MediaBox [0 0 595 842] >>',
    stream('', rc4(objKey(3), CONTENT)),
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    '<< /Type /Page /Parent 2 0 R /Contents 3 0 R /Resources << /Font << /F1 4 0 R >> >> >>',
    `<< /Filter /Standard /V 1 /R 2 /O <${o.toString('hex')}> /U <${u.toString('hex')}> /P ${p} >>`,
  ];
  return assemble(objects, `/Encrypt 6 0 R /ID [<${id.toString('hex')}> <${id.toString('hex')}>] `);
}

// ---------------------------------------------------------------------------------------------
// Bombs and malformed objects

/**
 * A zlib stream of `megabytes` MiB of zeros in about a thousandth of that: one raw-deflated MiB
 * ending in a full flush (so every copy decodes alike), repeated, then an empty final block and
 * the Adler-32 of the whole.
 */
export function zeroBomb(megabytes: number): Buffer {
  const block = deflateRawSync(Buffer.alloc(1 << 20), { finishFlush: constants.Z_FULL_FLUSH });
  const n = megabytes * (1 << 20);
  // Adler-32 of n zero bytes: a stays 1, b adds a for every byte.
  const adler = Buffer.alloc(4);
  adler.writeUInt32BE((((n % 65521) << 16) | 1) >>> 0);
  return Buffer.concat([Buffer.from([0x78, 0x9c]), ...Array(megabytes).fill(block), Buffer.from([0x03, 0x00]), adler]);
}

/** A page drawing an image whose pixels inflate to `megabytes` MiB (a decompression bomb). */
export function bombPdf(megabytes: number): Uint8Array<ArrayBuffer> {
  const side = Math.floor(Math.sqrt((megabytes * (1 << 20)) / 3));
  const image = stream(
    `/Type /XObject /Subtype /Image /Width ${side} /Height ${side} /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /FlateDecode`,
    zeroBomb(megabytes),
  );
  const objects: (string | Buffer)[] = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [5 0 R] /Count 1 /MediaBox [0 0 595 842] >>',
    stream('', Buffer.from('q 500 0 0 700 40 60 cm /Im1 Do Q', 'latin1')),
    image,
    '<< /Type /Page /Parent 2 0 R /Contents 3 0 R /Resources << /XObject << /Im1 4 0 R >> >> >>',
  ];
  return assemble(objects);
}

/** A page whose resources hold an array nested `depth` deep, and a Pages tree whose kid points to itself. */
export function nestedPdf(depth: number): Uint8Array<ArrayBuffer> {
  const objects: (string | Buffer)[] = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [5 0 R 2 0 R] /Count 2 /MediaBox [0 0 595 842] >>',
    stream('', CONTENT),
    `${'['.repeat(depth)}${']'.repeat(depth)}`,
    '<< /Type /Page /Parent 2 0 R /Contents 3 0 R /Resources << /Deep 4 0 R >> >>',
  ];
  return assemble(objects);
}
