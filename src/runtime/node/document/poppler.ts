/**
 * The Node PDF renderer: poppler's command-line tools (Debian's `poppler-utils`), run as child
 * processes fed the PDF on stdin, never from a file:
 *
 * - `pdfinfo` first: page count, encryption, each page's size (its crop box). Over the page cap or
 *   the render-size cap the PDF is refused before anything is rendered;
 * - `pdftoppm -r 72 -cropbox`: every page as a binary PPM on stdout, read one page at a time (the
 *   node holds one page's pixels, not the document's);
 * - `pdftotext -enc UTF-8`: the text, pages separated by form feeds, cut at a byte cap.
 *
 * Why poppler: it is separate processes, so a hostile PDF (a decompression bomb, a deep or cyclic
 * object graph, a page of absurd size) is held by the kernel's limits (`ulimit -v` on its address
 * space, `-t` on CPU) and a wall-clock kill, and cannot take the node's memory or event loop with
 * it; the video path runs ffmpeg the same way. GPL-2/3 tools run as programs do not bind the
 * node's licence. (pdf.js would render in the node's own heap, where no limit can stop it midway;
 * MuPDF is AGPL.)
 */
import { DomainError, throwIfCancelled } from '../../../core/errors';
import { PDF_RENDER_DPI, type OpenedPdf, type PdfInfo, type PdfLimits, type PdfRenderer, type RenderedPage } from '../../../core/document';
import { isStoppedFromOutside, stoppedFromOutside } from '../stopped';
import { runCapped, spawnCapped, type Caps } from './capped';

export interface PopplerOptions {
  /** Folder of pdfinfo, pdftoppm and pdftotext, or '' for PATH. */
  binDir?: string;
  /** How long a failed check of the tools stands before the next call checks again. Default 30 s. */
  recheckMs?: number;
}

const INSTALL_HINT =
  'install poppler on this node (Debian/Ubuntu: `apt-get install poppler-utils`) or set POPPLER_PATH to the folder of its tools; images, videos, text and URLs work without it';
const unavailable = (cause: string) =>
  new DomainError('document_unavailable', `this node cannot hash PDFs: poppler's tools are not installed or cannot be run; ${INSTALL_HINT}`, { cause });
const corrupt = (cause: string) => new DomainError('corrupt_media', 'the PDF does not parse: it is corrupt or truncated', { cause });
const timedOut = (l: PdfLimits) =>
  new DomainError('unprocessable', `hashing the PDF took longer than ${l.timeoutMs} ms and was stopped`, { extra: { timeoutMs: l.timeoutMs } });
const tooCostly = (l: PdfLimits, cause: string) =>
  new DomainError(
    'unprocessable',
    `the PDF could not be rendered within this node's limits (${Math.round(l.memoryBytes / 2 ** 20)} MiB of memory, ${l.timeoutMs} ms): it may hold a decompression bomb or malformed objects`,
    { cause },
  );

/** Exit status 127 from the shell: the tool itself was not found. */
const NOT_FOUND = 127;

/**
 * Signals that only come from outside: the caps end a tool with SIGKILL (the deadline, the output
 * cap, `ulimit -t`'s hard limit), SIGXCPU or an allocation failure (SIGSEGV, SIGABRT), never with
 * these. A tool ended by one failed for the node's reasons (an operator, a shutdown), not the PDF's.
 */
const OUTSIDE_SIGNALS: ReadonlySet<string> = new Set(['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGALRM']);

function throwIfStoppedFromOutside(tool: string, signal: NodeJS.Signals | null, stderr: string): void {
  if (signal && OUTSIDE_SIGNALS.has(signal))
    throw stoppedFromOutside(`PDF renderer (${tool})`, 'PDF', signal, `${tool} ended by ${signal}: ${lastLine(stderr)}`);
}

export class PopplerPdfRenderer implements PdfRenderer {
  private readonly tool: (name: string) => string;
  private readonly recheckMs: number;
  private check?: { at: number; result: Promise<string>; failed: boolean };

  constructor(opts: PopplerOptions = {}) {
    const dir = opts.binDir?.replace(/\/+$/, '');
    this.tool = (name) => (dir ? `${dir}/${name}` : name);
    this.recheckMs = opts.recheckMs ?? 30_000;
  }

  async status(): Promise<{ available: boolean; detail: string }> {
    try {
      return { available: true, detail: await this.version() };
    } catch (e) {
      return { available: false, detail: e instanceof Error ? e.message : String(e) };
    }
  }

  async open(bytes: Uint8Array, limits: PdfLimits): Promise<OpenedPdf | { passwordProtected: true }> {
    await this.version();
    const caps: Caps = { memoryBytes: limits.memoryBytes, deadline: Date.now() + limits.timeoutMs, signal: limits.signal };
    const info = await this.info(bytes, limits, caps);
    if ('passwordProtected' in info) return info;
    let started = false;
    return {
      info,
      pages: () => {
        if (started) throw new Error('pages() of a PDF can be iterated once');
        started = true;
        return this.render(bytes, info.pages, limits, caps);
      },
      text: () => this.text(bytes, limits, caps),
    };
  }

  /** pdftoppm's version line (it prints it on stderr). */
  private version(): Promise<string> {
    const now = Date.now();
    if (this.check && !(this.check.failed && now - this.check.at >= this.recheckMs)) return this.check.result;
    const check = { at: now, failed: false, result: this.checkTools() };
    check.result.catch((e) => {
      // A check stopped from outside says nothing about the tools: the next call checks again.
      if (isStoppedFromOutside(e)) {
        if (this.check === check) this.check = undefined;
      } else check.failed = true;
    });
    this.check = check;
    return check.result;
  }

  private async checkTools(): Promise<string> {
    const caps = { memoryBytes: 0, deadline: Date.now() + 10_000 };
    const runs = await Promise.all(
      ['pdfinfo', 'pdftoppm', 'pdftotext'].map((t) => runCapped(this.tool(t), ['-v'], null, caps, 4096).catch((e: Error) => ({ code: -1, stderr: e.message }))),
    );
    runs.forEach((r, i) => {
      // Nothing caps `-v` but the 10 s clock: any other signal came from outside.
      if ('signal' in r && r.signal && !r.expired && !r.cut)
        throw stoppedFromOutside('check of poppler', 'PDF', r.signal, `${['pdfinfo', 'pdftoppm', 'pdftotext'][i]} -v ended by ${r.signal}`);
      if (r.code !== 0) throw unavailable(`${this.tool(['pdfinfo', 'pdftoppm', 'pdftotext'][i])} -v exited with ${r.code}: ${lastLine(r.stderr)}`);
    });
    return runs[1].stderr.split('\n')[0].trim();
  }

  /** A tool that vanished since the last check: the next call checks again. */
  private gone(cause: string): never {
    this.check = undefined;
    throw unavailable(cause);
  }

  private async info(bytes: Uint8Array, limits: PdfLimits, caps: Caps): Promise<PdfInfo | { passwordProtected: true }> {
    // Sizes of the first maxPages pages; `Pages:` gives the whole count.
    const r = await runCapped(this.tool('pdfinfo'), ['-f', '1', '-l', String(limits.maxPages), '-'], bytes, caps, 8 << 20);
    throwIfCancelled(limits.signal);
    if (r.expired) throw timedOut(limits);
    if (r.code === NOT_FOUND) this.gone(`pdfinfo: ${lastLine(r.stderr)}`);
    if (/incorrect password/i.test(r.stderr)) return { passwordProtected: true };
    throwIfStoppedFromOutside('pdfinfo', r.signal, r.stderr);
    if (r.signal || r.cut) throw tooCostly(limits, `pdfinfo ended by ${r.signal ?? 'output cap'}: ${lastLine(r.stderr)}`);
    if (r.code !== 0) throw corrupt(`pdfinfo exited with ${r.code}: ${lastLine(r.stderr)}`);
    const out = r.stdout.toString('utf8');
    const pages = Number(/^Pages:\s+(\d+)/m.exec(out)?.[1] ?? NaN);
    if (!Number.isInteger(pages)) throw corrupt('pdfinfo printed no page count');
    if (pages === 0) throw new DomainError('corrupt_media', 'the PDF has no pages');
    if (pages > limits.maxPages) {
      throw new DomainError('unprocessable', `the PDF has ${pages} pages; this node hashes PDFs of at most ${limits.maxPages} pages`, {
        extra: { pages, maxPages: limits.maxPages },
      });
    }
    // One pixel per point at 72 dpi; scale for another resolution.
    const scale = PDF_RENDER_DPI / 72;
    for (const m of out.matchAll(/^Page\s+(\d+) size:\s+([\d.]+) x ([\d.]+) pts/gm)) {
      const w = Math.ceil(Number(m[2]) * scale);
      const h = Math.ceil(Number(m[3]) * scale);
      if (w * h > limits.maxPagePixels) {
        throw new DomainError(
          'unprocessable',
          `page ${m[1]} of the PDF measures ${m[2]} x ${m[3]} points (${w} x ${h} pixels at ${PDF_RENDER_DPI} dpi); this node renders pages of at most ${limits.maxPagePixels} pixels`,
          {
            extra: { page: Number(m[1]), maxPagePixels: limits.maxPagePixels },
          },
        );
      }
    }
    return { pages, encrypted: /^Encrypted:\s+yes/m.test(out) };
  }

  private async *render(bytes: Uint8Array, pages: number, limits: PdfLimits, caps: Caps): AsyncGenerator<RenderedPage> {
    const p = spawnCapped(this.tool('pdftoppm'), ['-r', String(PDF_RENDER_DPI), '-cropbox', '-l', String(pages), '-'], bytes, caps);
    const reader = new PpmReader(limits.maxPagePixels);
    let page = 0;
    // The request's client gone: pdftoppm is killed at once (caps.signal), not after a page that may take seconds.
    try {
      for await (const chunk of p.child.stdout as AsyncIterable<Buffer>) {
        for (const img of reader.push(chunk)) {
          page++;
          yield { page, width: img.width, height: img.height, rgba: img.rgba };
        }
      }
      const { code, signal } = await p.exited;
      throwIfCancelled(limits.signal);
      if (p.expired()) throw timedOut(limits);
      if (code === NOT_FOUND) this.gone(`pdftoppm: ${lastLine(p.stderr())}`);
      throwIfStoppedFromOutside('pdftoppm', signal, p.stderr());
      if (signal || reader.tooLarge) throw tooCostly(limits, `pdftoppm ended by ${signal ?? 'a page over the pixel cap'}: ${lastLine(p.stderr())}`);
      // A page that failed to render still leaves the others; a run that rendered none is corrupt.
      if (code !== 0 && page === 0) throw corrupt(`pdftoppm exited with ${code}: ${lastLine(p.stderr())}`);
      if (code !== 0 && /out of memory|bad_alloc|cannot allocate/i.test(p.stderr())) throw tooCostly(limits, lastLine(p.stderr()));
    } finally {
      await p.stop();
    }
  }

  private async text(bytes: Uint8Array, limits: PdfLimits, caps: Caps): Promise<{ text: string; truncated: boolean }> {
    const r = await runCapped(this.tool('pdftotext'), ['-enc', 'UTF-8', '-eol', 'unix', '-', '-'], bytes, caps, limits.maxTextBytes);
    throwIfCancelled(limits.signal);
    if (r.expired) throw timedOut(limits);
    if (r.code === NOT_FOUND) this.gone(`pdftotext: ${lastLine(r.stderr)}`);
    if (!r.cut) throwIfStoppedFromOutside('pdftotext', r.signal, r.stderr);
    if (!r.cut && r.signal) throw tooCostly(limits, `pdftotext ended by ${r.signal}: ${lastLine(r.stderr)}`);
    // Text from a PDF whose text layer is broken is left out rather than failing the pages.
    if (!r.cut && r.code !== 0) return { text: '', truncated: false };
    // A cut may fall inside a UTF-8 sequence: the decoder drops the partial character.
    return { text: new TextDecoder('utf-8').decode(r.stdout).replace(/\uFFFD$/, ''), truncated: r.cut };
  }
}

/** Splits pdftoppm's stream of binary PPMs (P6, maxval 255) into RGBA pages. */
class PpmReader {
  private buf: Buffer = Buffer.alloc(0);
  private page: { width: number; height: number; rgba: Uint8Array; filled: number } | null = null;
  tooLarge = false;

  constructor(private readonly maxPixels: number) {}

  *push(chunk: Buffer): Generator<{ width: number; height: number; rgba: Uint8Array }> {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    for (;;) {
      if (!this.page) {
        const m = /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(this.buf.subarray(0, 64).toString('latin1'));
        if (!m) {
          if (this.buf.length >= 64)
            throw new DomainError('corrupt_media', 'the PDF renderer produced output this node does not read', { cause: 'no PPM header' });
          return;
        }
        const width = Number(m[1]);
        const height = Number(m[2]);
        if (width * height > this.maxPixels) {
          this.tooLarge = true;
          throw new DomainError(
            'unprocessable',
            `a page of the PDF renders to ${width} x ${height} pixels; this node renders pages of at most ${this.maxPixels} pixels`,
          );
        }
        this.page = { width, height, rgba: new Uint8Array(width * height * 4), filled: 0 };
        this.buf = this.buf.subarray(m[0].length);
      }
      const p = this.page;
      const total = p.width * p.height;
      // RGB triplets into RGBA, alpha 255.
      let at = 0;
      while (p.filled < total && at + 3 <= this.buf.length) {
        const o = p.filled * 4;
        p.rgba[o] = this.buf[at];
        p.rgba[o + 1] = this.buf[at + 1];
        p.rgba[o + 2] = this.buf[at + 2];
        p.rgba[o + 3] = 255;
        p.filled++;
        at += 3;
      }
      this.buf = this.buf.subarray(at);
      if (p.filled < total) return;
      this.page = null;
      yield { width: p.width, height: p.height, rgba: p.rgba };
    }
  }
}

/** A tool's last complaint, for the log (never the client). */
function lastLine(s: string): string {
  return (
    s
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .pop() ?? ''
  ).slice(0, 200);
}
