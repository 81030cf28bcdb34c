/**
 * The signal types of Meta's python-threatexchange and HMA (hasher-matcher-actioner), and which of
 * the node's hash types each one is. The names are python-threatexchange's `SignalType.get_name()`
 * (its class name without "Signal", in lower_snake_case: PdqSignal → pdq, VideoMD5Signal → video_md5,
 * VideoSHA256Signal → video_sha256, TextTLSHSignal → text_tlsh), as its `dataset` CSV, its local
 * signal files and HMA's `/m/lookup?signal_type=` use them. docs/interchange.md has the table.
 */
import type { SingleHashType } from '../hashes';

export interface SignalTypeMapping {
  /** python-threatexchange's and HMA's name. */
  signalType: string;
  hashType: SingleHashType;
  /** Known to python-threatexchange and HMA; false: this node's own name, for node-to-node files only. */
  standard: boolean;
  /** How HMA answers a match's distance: the Hamming (or TLSH) distance as a string, or "-" for exact types. */
  exact: boolean;
}

export const SIGNAL_TYPES: readonly SignalTypeMapping[] = [
  { signalType: 'pdq', hashType: 'pdq', standard: true, exact: false },
  { signalType: 'video_md5', hashType: 'md5', standard: true, exact: true },
  { signalType: 'video_sha256', hashType: 'sha256', standard: true, exact: true },
  { signalType: 'text_tlsh', hashType: 'tlsh', standard: true, exact: false },
  // No python-threatexchange type holds these: named for this node only (other tools refuse them).
  { signalType: 'mhn_blockhash', hashType: 'blockhash', standard: false, exact: false },
  { signalType: 'mhn_url', hashType: 'url', standard: false, exact: true },
];

/** The mapping of a signal type name; undefined for any other name. */
export function signalTypeNamed(name: string): SignalTypeMapping | undefined {
  return SIGNAL_TYPES.find((s) => s.signalType === name);
}

/** The signal type a node hash type is written as; undefined when it has none (vpdq, pdf). */
export function signalTypeOf(hashType: string): SignalTypeMapping | undefined {
  return SIGNAL_TYPES.find((s) => s.hashType === hashType);
}

/** The names a file may use, for messages. */
export const signalTypeNames = (standardOnly = false): string =>
  SIGNAL_TYPES.filter((s) => !standardOnly || s.standard)
    .map((s) => s.signalType)
    .join(', ');
