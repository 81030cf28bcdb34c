/**
 * PDFs made by the tests and the bench themselves (pdf-lib, MIT, a dev dependency): "magazines" of generated pages (coloured panels,
 * a headline, columns of text made of invented words from a seeded generator), and the edits the
 * document rules must survive: re-exported by another producer, a page added or removed, the same
 * text re-typeset in another layout. No real publication's text or pictures.
 */
import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import { uniform as prng } from '../../core/prng';

const SYLLABLES = [
  'ka',
  'lo',
  'mer',
  'tan',
  'vi',
  'sor',
  'el',
  'dun',
  'ra',
  'pe',
  'qui',
  'nor',
  'sa',
  'ith',
  'bo',
  'gal',
  'fen',
  'u',
  'ros',
  'tem',
  'ar',
  'lin',
  'cho',
  'wes',
];

/** Invented prose: `words` words of 1-4 syllables, sentences of 6-18 words, from `seed`. */
export function prose(seed: number, words: number): string {
  const r = prng(seed);
  const out: string[] = [];
  let inSentence = 0;
  let sentenceLength = 6 + Math.floor(r() * 12);
  for (let i = 0; i < words; i++) {
    let w = '';
    const n = 1 + Math.floor(r() * 4);
    for (let k = 0; k < n; k++) w += SYLLABLES[Math.floor(r() * SYLLABLES.length)];
    if (inSentence === 0) w = w[0].toUpperCase() + w.slice(1);
    inSentence++;
    if (inSentence >= sentenceLength) {
      w += '.';
      inSentence = 0;
      sentenceLength = 6 + Math.floor(r() * 12);
    }
    out.push(w);
  }
  return out.join(' ');
}

export interface PageSpec {
  /** Drives the page's panels and colours. */
  seed: number;
  headline: string;
  body: string;
}

export interface Layout {
  size: [number, number];
  margin: number;
  fontSize: number;
  columns: number;
  font: StandardFonts;
}

export const LAYOUT_A: Layout = { size: [595, 842], margin: 48, fontSize: 10, columns: 2, font: StandardFonts.TimesRoman };
/** Another typesetting of the same text: US Letter, one column, larger sans-serif type. */
export const LAYOUT_B: Layout = { size: [612, 792], margin: 64, fontSize: 12, columns: 1, font: StandardFonts.Helvetica };

/** A magazine's pages: a generated spec per page (its own seed and text). */
export function magazine(seed: number, pages: number, wordsPerPage = 260): PageSpec[] {
  return Array.from({ length: pages }, (_, i) => ({
    seed: seed * 1000 + i,
    headline: prose(seed * 7919 + i, 5).replace(/\.$/, ''),
    body: prose(seed * 104729 + i, wordsPerPage),
  }));
}

/** A magazine whose pages carry a given text, `wordsPerPage` words a page (the bench's real-text documents). */
export function magazineOf(text: string, seed: number, pages: number, wordsPerPage = 260): PageSpec[] {
  // The standard fonts encode WinAnsi: what they cannot draw becomes a space.
  const words = text
    .replace(/[^\x20-\x7e\xa0-\xff]/g, ' ')
    .split(/\s+/)
    .filter(Boolean);
  return Array.from({ length: pages }, (_, i) => {
    const body = words.slice(i * wordsPerPage, (i + 1) * wordsPerPage);
    return { seed: seed * 1000 + i, headline: body.slice(0, 5).join(' '), body: body.join(' ') };
  });
}

function wrap(text: string, font: PDFFont, size: number, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const w of text.split(' ')) {
    const next = line ? `${line} ${w}` : w;
    if (font.widthOfTextAtSize(next, size) > width && line) {
      lines.push(line);
      line = w;
    } else line = next;
  }
  if (line) lines.push(line);
  return lines;
}

/** Draws one page: a coloured panel with shapes (the "picture"), the headline, the body in columns. */
function drawPage(page: PDFPage, spec: PageSpec, layout: Layout, font: PDFFont, bold: PDFFont): void {
  const r = prng(spec.seed);
  const [w, h] = layout.size;
  const m = layout.margin;
  const panelH = h * (0.28 + r() * 0.12);
  page.drawRectangle({ x: m, y: h - m - panelH, width: w - 2 * m, height: panelH, color: rgb(0.15 + r() * 0.7, 0.15 + r() * 0.7, 0.15 + r() * 0.7) });
  for (let k = 0; k < 4; k++) {
    page.drawEllipse({ x: m + r() * (w - 2 * m), y: h - m - r() * panelH, xScale: 20 + r() * 90, yScale: 20 + r() * 70, color: rgb(r(), r(), r()) });
  }
  const top = h - m - panelH - 30;
  page.drawText(spec.headline, { x: m, y: top, size: layout.fontSize * 2, font: bold });
  const colGap = 16;
  const colW = (w - 2 * m - (layout.columns - 1) * colGap) / layout.columns;
  const lines = wrap(spec.body, font, layout.fontSize, colW);
  const lead = layout.fontSize * 1.25;
  const perCol = Math.floor((top - 20 - m) / lead);
  lines.forEach((text, i) => {
    const col = Math.floor(i / perCol);
    if (col >= layout.columns) return;
    page.drawText(text, { x: m + col * (colW + colGap), y: top - 24 - (i % perCol) * lead, size: layout.fontSize, font });
  });
}

export interface PdfOptions {
  layout?: Layout;
  producer?: string;
  /** pdf-lib's object streams (PDF 1.5 compression) or classic objects: a "re-export" changes it. */
  objectStreams?: boolean;
}

/** Pages whose text overflows the layout (another typesetting) continue on extra pages. */
export async function makePdf(pages: PageSpec[], opts: PdfOptions = {}): Promise<Uint8Array<ArrayBuffer>> {
  const layout = opts.layout ?? LAYOUT_A;
  const doc = await PDFDocument.create();
  doc.setProducer(opts.producer ?? 'media-hash-node tests');
  doc.setCreator('media-hash-node tests');
  // A fixed date: the same pages give the same bytes.
  doc.setCreationDate(new Date(Date.UTC(2026, 0, 1)));
  doc.setModificationDate(new Date(Date.UTC(2026, 0, 1)));
  const font = await doc.embedFont(layout.font);
  const bold = await doc.embedFont(layout.font === StandardFonts.Helvetica ? StandardFonts.HelveticaBold : StandardFonts.TimesRomanBold);
  for (const spec of pages) drawPage(doc.addPage(layout.size), spec, layout, font, bold);
  return new Uint8Array(await doc.save({ useObjectStreams: opts.objectStreams ?? true }));
}

/** The text a PDF of these pages holds, as one string (what its TLSH should see, give or take layout). */
export function textOf(pages: PageSpec[]): string {
  return pages.map((p) => `${p.headline}\n${p.body}`).join('\n');
}
