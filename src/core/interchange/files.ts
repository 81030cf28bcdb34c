/**
 * The two file formats python-threatexchange and HMA exchange signals in:
 *
 * - the `threatexchange dataset -P --csv` CSV: a header `signal_type,signal_str,collab,category,tags`,
 *   then one signal per line (a signal held by several collaborations comes once per collaboration);
 *   `category` is a SignalOpinionCategory name (NEGATIVE_CLASS, INVESTIGATION_SEED, POSITIVE_CLASS),
 *   `tags` the opinion's tags joined by spaces; fields quoted as Python's csv module quotes them;
 * - the local signal file of its LocalFileSignalExchangeAPI: `<signal_type> <signal>` per line (or
 *   the bare signal when the collaboration names the type).
 *
 * Reading gives the items to share, one per distinct hash (lines of the same hash merged, their
 * labels joined), and every line refused with its number and why. Nothing here reads files or talks
 * to the node: the CLI does.
 */
import { checkHash, isKnownLabel, type SingleHashType } from '../hashes';
import { signalTypeNamed, signalTypeNames, signalTypeOf } from './signals';

export const CSV_HEADER = ['signal_type', 'signal_str', 'collab', 'category', 'tags'] as const;
export type DatasetFormat = 'csv' | 'signals';

export interface ReadOptions {
  /** Labels every item gets (the signal-list format has no tags; the CSV's tags add to these). */
  labels?: readonly string[];
  /** Tags that are not label ids, mapped to one (`--map-tag TAG=LABEL`). */
  tagMap?: ReadonlyMap<string, string>;
  /** Tags neither a label id nor mapped: dropped (true) or the line refused (default). */
  ignoreUnknownTags?: boolean;
  /** Signal-list lines with the signal alone are of this type (FileCollaborationConfig.signal_type). */
  signalType?: string;
}

export interface ReadItem {
  /** The first line that named this hash (1-based). */
  line: number;
  type: SingleHashType;
  value: string;
  labels: string[];
}

export interface Refusal {
  line: number;
  message: string;
}

export interface ReadResult {
  format: DatasetFormat;
  items: ReadItem[];
  refused: Refusal[];
  /** Lines that named a hash an earlier line named already (merged into it). */
  merged: number;
}

/** CSV when the first non-blank line is the dataset header, else the signal list. */
export function detectFormat(text: string): DatasetFormat {
  const first = withoutBom(text)
    .split(/\r?\n/)
    .find((l) => l.trim() !== '');
  return first !== undefined && first.trim() === CSV_HEADER.join(',') ? 'csv' : 'signals';
}

/** A file saved by a spreadsheet may start with a byte order mark: not part of its first line. */
const withoutBom = (text: string): string => text.replace(/^\uFEFF/, '');

/** One CSV line's fields (RFC 4180 quoting, as Python's csv writer does); null if a quote is left open. */
export function csvFields(line: string): string[] | null {
  const fields: string[] = [];
  let cur = '';
  let quoted = false;
  let i = 0;
  while (i < line.length) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') (cur += '"'), (i += 2);
      else if (ch === '"') (quoted = false), i++;
      else (cur += ch), i++;
    } else if (ch === '"' && cur === '') (quoted = true), i++;
    else if (ch === ',') fields.push(cur), (cur = ''), i++;
    else (cur += ch), i++;
  }
  if (quoted) return null;
  fields.push(cur);
  return fields;
}

const csvField = (s: string): string => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

type Parsed = { type: SingleHashType; value: string; labels: string[] } | { problem: string };

/** A signal type and value as the node takes them, or why not. */
function signal(typeName: string, raw: string): { type: SingleHashType; value: string } | { problem: string } {
  const mapped = signalTypeNamed(typeName);
  if (!mapped) return { problem: `unknown signal type ${JSON.stringify(typeName)}; this node takes ${signalTypeNames()}` };
  const checked = checkHash(mapped.hashType, raw.trim(), 'signal_str');
  if ('problems' in checked) return { problem: `${typeName}: ${checked.problems.map((p) => p.message).join('; ')}` };
  return { type: mapped.hashType, value: checked.value };
}

function labelsOf(tags: readonly string[], o: ReadOptions): { labels: string[] } | { problem: string } {
  const labels = new Set(o.labels ?? []);
  const unknown: string[] = [];
  for (const tag of tags) {
    const label = isKnownLabel(tag) ? tag : o.tagMap?.get(tag);
    if (label) labels.add(label);
    else if (!o.ignoreUnknownTags) unknown.push(tag);
  }
  if (unknown.length)
    return {
      problem: `unknown tag(s) ${unknown.map((t) => JSON.stringify(t)).join(', ')}: not a label of this node; map each with --map-tag TAG=LABEL, or pass --ignore-unknown-tags`,
    };
  if (labels.size === 0) return { problem: 'no label: the line has no tag naming a label, and no --labels were given' };
  return { labels: [...labels].sort() };
}

function csvLine(line: string, o: ReadOptions): Parsed {
  const f = csvFields(line);
  if (!f) return { problem: 'a quoted field is not closed' };
  if (f.length !== CSV_HEADER.length) return { problem: `${f.length} fields; a dataset line has ${CSV_HEADER.length} (${CSV_HEADER.join(',')})` };
  const [typeName, raw, , category, tags] = f;
  if (category !== '' && category !== 'POSITIVE_CLASS') {
    return { problem: `category ${category}: only POSITIVE_CLASS signals are shared (a NEGATIVE_CLASS or INVESTIGATION_SEED opinion is not a finding)` };
  }
  const s = signal(typeName, raw);
  if ('problem' in s) return s;
  const l = labelsOf(tags.split(' ').filter(Boolean), o);
  return 'problem' in l ? l : { ...s, ...l };
}

function signalLine(line: string, o: ReadOptions): Parsed {
  const t = line.trim();
  const space = t.indexOf(' ');
  const [typeName, raw] = o.signalType ? [o.signalType, t] : space < 0 ? ['', t] : [t.slice(0, space), t.slice(space + 1)];
  if (!typeName) return { problem: `no signal type: a line is "<signal_type> <signal>" (or pass --signal-type)` };
  const s = signal(typeName, raw);
  if ('problem' in s) return s;
  const l = labelsOf([], o);
  return 'problem' in l ? l : { ...s, ...l };
}

/** Reads a whole file's text. Blank lines (and the CSV's header) are skipped. */
export function readDataset(text: string, o: ReadOptions = {}, format: DatasetFormat = detectFormat(text)): ReadResult {
  const items: ReadItem[] = [];
  const refused: Refusal[] = [];
  const byKey = new Map<string, ReadItem>();
  let merged = 0;
  let headerSeen = false;
  withoutBom(text)
    .split(/\r?\n/)
    .forEach((raw, i) => {
      const line = i + 1;
      if (raw.trim() === '') return;
      if (format === 'csv' && !headerSeen) {
        headerSeen = true;
        if (raw.trim() === CSV_HEADER.join(',')) return;
      }
      const p = format === 'csv' ? csvLine(raw, o) : signalLine(raw, o);
      if ('problem' in p) return void refused.push({ line, message: p.problem });
      const key = `${p.type}:${p.value}`;
      const seen = byKey.get(key);
      if (seen) {
        merged++;
        seen.labels = [...new Set([...seen.labels, ...p.labels])].sort();
        return;
      }
      const item = { line, ...p };
      byKey.set(key, item);
      items.push(item);
    });
  return { format, items, refused, merged };
}

export interface ExportHash {
  type: string;
  value: string;
  labels: readonly string[];
}

export interface ExportOptions {
  /** Also write the types only this node knows (mhn_blockhash, mhn_url). */
  allTypes?: boolean;
  /** The CSV's collab column (default media-hash-node). */
  collab?: string;
}

/** The lines of an export and what had no line (types without a signal type, or left out). */
export function writeDataset(hashes: Iterable<ExportHash>, format: DatasetFormat, o: ExportOptions = {}): { lines: string[]; skipped: Map<string, number> } {
  const lines: string[] = format === 'csv' ? [CSV_HEADER.join(',')] : [];
  const skipped = new Map<string, number>();
  for (const h of hashes) {
    const s = signalTypeOf(h.type);
    if (!s || (!s.standard && !o.allTypes)) {
      skipped.set(h.type, (skipped.get(h.type) ?? 0) + 1);
      continue;
    }
    if (format === 'signals') lines.push(`${s.signalType} ${h.value}`);
    else lines.push([s.signalType, h.value, o.collab ?? 'media-hash-node', 'POSITIVE_CLASS', [...h.labels].sort().join(' ')].map(csvField).join(','));
  }
  return { lines, skipped };
}
