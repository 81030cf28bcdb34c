/**
 * Real text for measuring the `tlsh` threshold, all from Debian packages (none kept in the
 * repository): the 66 books of the King James Bible (`bible-kjv`, public domain), the fortune
 * collections (`fortunes`: quotations, verse, jokes; one text per file) and the free-software
 * licences in /usr/share/common-licenses (one of each family: GPL-1 and GFDL-1.2 are earlier
 * versions of others, i.e. edits, not unrelated texts). Each source missing is named, not faked.
 *
 * And the edits the rule must survive, each seeded: typing errors, OCR confusions, sentences
 * deleted, text inserted, an excerpt, chunks reordered, a publisher's header and footer, and the
 * line breaks and hyphens of a re-typeset page.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { uniform } from '../../core/prng';

export interface Text {
  name: string;
  text: string;
}

const BOOKS =
  'gen exo lev num deu jos jdg rut 1sa 2sa 1ki 2ki 1ch 2ch ezr neh est job psa pro ecc son isa jer lam eze dan hos joe amo oba jon mic nah hab zep hag zec mal mat mar luk joh act rom 1co 2co gal eph phi col 1th 2th 1ti 2ti tit phm heb jam 1pe 2pe 1jo 2jo 3jo jude rev'.split(
    ' ',
  );
const LICENCES = ['Apache-2.0', 'Artistic', 'CC0-1.0', 'GFDL-1.3', 'GPL-2', 'GPL-3', 'LGPL-2.1', 'MPL-2.0'];
const FORTUNES = '/usr/share/games/fortunes';

/** Texts of at least `minBytes`; `missing` names the sources not installed (apt-get install bible-kjv fortunes). */
export function loadTexts(minBytes = 2000): { texts: Text[]; missing: string[] } {
  const texts: Text[] = [];
  const missing: string[] = [];
  for (const b of BOOKS) {
    try {
      const text = execFileSync('bible', [`${b}1:1-999:999`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 16 << 20 });
      texts.push({ name: `kjv:${b}`, text });
    } catch {
      missing.push(`bible-kjv (${b})`);
    }
  }
  if (existsSync(FORTUNES)) {
    for (const f of readdirSync(FORTUNES)
      .filter((n) => !n.includes('.'))
      .sort())
      texts.push({ name: `fortunes:${f}`, text: readFileSync(join(FORTUNES, f), 'utf8') });
  } else missing.push('fortunes');
  for (const l of LICENCES) {
    const p = join('/usr/share/common-licenses', l);
    if (existsSync(p)) texts.push({ name: `licence:${l}`, text: readFileSync(p, 'utf8') });
  }
  return { texts: texts.filter((t) => Buffer.byteLength(t.text) >= minBytes), missing };
}

export interface TextEdit {
  name: string;
  apply(text: string, seed: number): string;
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

function typos(rate: number): TextEdit['apply'] {
  return (text, seed) => {
    const r = uniform(seed);
    return text.replace(/[a-z]/gi, (c) => (r() < rate ? LETTERS[Math.floor(r() * 26)] : c));
  };
}

const sentences = (text: string) => text.split(/(?<=[.!?;:])\s+/);

export const TEXT_EDITS: TextEdit[] = [
  { name: 'typos-1%', apply: typos(0.01) },
  { name: 'typos-3%', apply: typos(0.03) },
  {
    name: 'ocr-confusions',
    apply: (text, seed) => {
      const r = uniform(seed);
      const swap: Record<string, string> = { l: '1', O: '0', o: '0', rn: 'm', e: 'c', i: 'l' };
      return text.replace(/rn|[lOoei]/g, (c) => (r() < 0.04 ? swap[c] : c));
    },
  },
  {
    name: 'sentences-deleted-10%',
    apply: (text, seed) => {
      const r = uniform(seed);
      return sentences(text)
        .filter(() => r() >= 0.1)
        .join(' ');
    },
  },
  {
    name: 'text-inserted-10%',
    apply: (text, seed) => {
      const r = uniform(seed);
      const s = sentences(text);
      const out: string[] = [];
      for (const x of s) {
        out.push(x);
        if (r() < 0.1) out.push(`Read more at our channel, number ${Math.floor(r() * 10000)}, and share this with your brothers.`);
      }
      return out.join(' ');
    },
  },
  { name: 'excerpt-first-70%', apply: (text) => text.slice(0, Math.floor(text.length * 0.7)) },
  { name: 'excerpt-first-40%', apply: (text) => text.slice(0, Math.floor(text.length * 0.4)) },
  {
    name: 'chunks-reordered',
    apply: (text, seed) => {
      const r = uniform(seed);
      const n = 8;
      const size = Math.ceil(text.length / n);
      const chunks = Array.from({ length: n }, (_, i) => text.slice(i * size, (i + 1) * size));
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(r() * (i + 1));
        [chunks[i], chunks[j]] = [chunks[j], chunks[i]];
      }
      return chunks.join('');
    },
  },
  {
    name: 'header-footer-pages',
    apply: (text) => {
      const pages: string[] = [];
      for (let i = 0, p = 1; i < text.length; i += 3000, p++) pages.push(`AL-NAZIR PUBLICATIONS — ISSUE 7\n${text.slice(i, i + 3000)}\n— page ${p} —`);
      return pages.join('\f');
    },
  },
  {
    name: 're-typeset (hyphens, 50 columns)',
    apply: (text) => {
      // What pdftotext gives for a narrow justified layout: lines of 50, words cut with a hyphen.
      const flat = text.replace(/\s+/g, ' ');
      const lines: string[] = [];
      for (let i = 0; i < flat.length; i += 49) {
        const line = flat.slice(i, i + 49);
        lines.push(/\w$/.test(line) && /^\w/.test(flat.slice(i + 49, i + 50)) ? `${line}-` : line);
      }
      return lines.join('\n');
    },
  },
  { name: 'upper case, other spacing', apply: (text) => text.toUpperCase().replace(/ /g, '  ').replace(/\n/g, '\r\n') },
];
