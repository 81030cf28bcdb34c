/**
 * The member's command line, built on the typed client (src/client): what a partner platform's
 * integration does, from a shell. Every command that talks to the node takes --node URL
 * --client-id ID --key FILE, or MHN_NODE, MHN_CLIENT_ID, MHN_KEY from the environment.
 *
 *   keygen [--out FILE] [--alg EdDSA|ES256] [--force]   a key pair, made here: private FILE (0600), public FILE.pub.json
 *   token [--scope SCOPES]                              an access token (for curl)
 *   hash FILE|DIR... [--dihedral] [--robust]            hashes computed here, as the node computes them: a line per file
 *   share [FILE|DIR...] [--hash T:V...] [--input F|-] --labels L,L [--external-id ID]
 *   match [FILE|DIR...] [--hash T:V...] [--input F|-] [--dihedral] [--max-distance pdq=24,...]
 *   feed [--cursor C | --cursor-file F] [--limit N] [--follow [--interval S]]   JSON Lines
 *   retract ID | --item ID                              a hash, or all the hashes of a shared file (its item)
 *   feedback ID --verdict confirm|dispute [--reason TEXT]
 *   labels
 *   export [--format csv|signals] [--out FILE] [--all-types]      python-threatexchange / HMA files (client-interchange.ts)
 *   import FILE [--labels L] [--map-tag T=L...] [--state FILE]
 *
 * share and match hash files here: only hashes leave the machine, and /v1/match finds an image by
 * them as it was sent (turned or mirrored with --dihedral), not bordered, cropped or screenshotted
 * copies (POST /v1/match/media, sent the upload itself, does). match --dihedral sends each image's
 * rotations and mirrors, hashed here, with its pdq and blockhash (a hash given with --hash has none:
 * the node derives PDQ's from its bits, and no blockhash's); videos, PDFs and texts are matched as
 * they are. --json: machine output (JSON Lines for the commands that give one line per item).
 * A file that cannot be hashed is said to be so in words about files (local-hash.ts), on stderr, and
 * with --json also as a line of its own (`file` and `error`), in its place; a folder's links are
 * followed to files, and files and folders that hold nothing to hash stop the command (exit 1).
 * Progress goes to stderr, only on a terminal and never with --json. Exit status: 0 done, 1 failed
 * (or some files could not be hashed, or there were none), 2 usage (a --hash value or --max-distance
 * the node would refuse is one, found before anything is sent).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { generateClientKey, NodeApiError, type RetractedItem, type ShareResult } from '../client';
import { ITEM_ID_ANY_CASE, ITEM_ID_PATTERN } from '../core/items';
import { codeOf, fail, main, messageOf, out, parse, userPath } from './args';
import {
  hashPaths,
  labelsOption,
  parseHashFlag,
  parseInput,
  parseMaxDistance,
  toMatchQueries,
  toShareItems,
  UsageError,
  type Gathered,
  type GatherResult,
} from './client-items';
import { connect, CONNECT_HELP, CONNECT_OPTIONS, connectionOf } from './connect';
import { publicKeyPath, writePrivateFile } from './key-files';
import { findMedia, LocalHasher, nothingFound, type Passed } from './local-hash';
import { INTERCHANGE_USAGE } from './client-interchange';
import { progress } from './progress';

const USAGE = `usage: npm run client -- COMMAND [options]
  keygen [--out FILE] [--alg EdDSA|ES256] [--force]     make your key pair here: FILE (private, mode 0600; default client.key.json)
                                                         and FILE.pub.json (public: give it to the consortium admin); an existing FILE
                                                         is never replaced unless --force (the key it held is then lost)
  token [--scope SCOPES]                                 print an access token
  hash FILE|DIR... [--dihedral] [--robust] [--text [--charset C]]
                                                         hash images, videos, PDFs and texts here, as the node does (a folder: every
                                                         image, video and PDF in it, links to files followed); FILE.txt or --text reads
                                                         FILE as text. An animated GIF or WebP: its first frame only. A line
                                                         per file; --json: a JSON line per file with every hash (what --input takes);
                                                         --robust: an image's regions and crops too, what share FILE sends
  share [FILE|DIR...] [--hash TYPE:VALUE...] [--input FILE|-] --labels L1,L2 [--external-id ID] [--url-scope host|prefix]
                                                         share hashes (files are hashed here; only hashes are sent); --hash url:https://…
                                                         sends a link (the node keeps only its SHA-256), --url-scope a whole host or folder;
                                                         a file's hashes form one item, its id printed (retract --item ID)
  match [FILE|DIR...] [--hash TYPE:VALUE...] [--input FILE|-] [--dihedral] [--max-distance pdq=24,blockhash=10]
                                                         match hashes (files are hashed here; only hashes are sent). Hashes only: an
                                                         image is found as sent (re-encoded or resized), and with --dihedral rotated or
                                                         mirrored (their turned hashes, made here, are sent; a --hash pdq is turned by
                                                         the node, approximately; videos as they are), but not a copy with a border or
                                                         bars added, a screenshot, a crop or a small rotation: for those send the upload
                                                         itself to POST /v1/match/media, which hashes it in memory and forgets it:
                                                         curl -H "Authorization: Bearer $(npm run -s client -- token)" \\
                                                           --data-binary @FILE -H 'Content-Type: image/jpeg' "$MHN_NODE/v1/match/media"
                                                         --max-distance: at most 64 bits (tlsh 300; md5, sha256 and url 0)
  feed [--cursor C | --cursor-file FILE] [--limit N] [--follow [--interval SECONDS]]   the delta feed, as JSON Lines
  retract ID | --item ID                                 withdraw a hash (its id from share, match or feed), or with --item all the
                                                         hashes of a shared file (the item id share prints)
  feedback ID --verdict confirm|dispute [--reason TEXT]
  labels                                                 the label vocabulary
${INTERCHANGE_USAGE}
options of every command that talks to the node:
${CONNECT_HELP}
  --json            machine-readable output (JSON Lines where there is one line per item)`;

/** A command's lines of USAGE (its first line and those indented under it) and the options every command takes; all of it for a command it does not list. */
function helpOf(cmd: string): string {
  const lines = USAGE.split('\n');
  const at = lines.findIndex((l) => l.startsWith(`  ${cmd} `) || l === `  ${cmd}`);
  if (at < 0) return USAGE;
  let end = at + 1;
  while (end < lines.length && /^ {3,}/.test(lines[end])) end++;
  const common = lines.findIndex((l) => l.startsWith('options of every command'));
  return [`usage: npm run client -- ${cmd} [options]`, ...lines.slice(at, end), ...lines.slice(common)].join('\n');
}

const GATHER_OPTIONS = { hash: { type: 'string', multiple: true }, input: { type: 'string' } } as const;

main(async () => {
  const [cmd, ...rest] = process.argv.slice(2);
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') return out(false, null, USAGE);
  // `COMMAND --help`: that command's part of the usage, not a run of it.
  if (rest.some((a) => a === '--help' || a === '-h')) return out(false, null, helpOf(cmd));
  try {
    await run(cmd, rest);
  } catch (e) {
    if (e instanceof UsageError) fail(e.message, 2);
    throw e;
  }
});

async function run(cmd: string, rest: string[]): Promise<void> {
  if (cmd === 'keygen') {
    const { values } = parse(rest, { out: { type: 'string' }, alg: { type: 'string' }, force: { type: 'boolean' } });
    const alg = values.alg ?? 'EdDSA';
    if (alg !== 'EdDSA' && alg !== 'ES256') fail(`--alg must be EdDSA (Ed25519) or ES256 (P-256), not ${alg}`, 2);
    const file = userPath(values.out ?? 'client.key.json');
    const pubFile = publicKeyPath(file);
    if (!values.force && existsSync(pubFile)) fail(`${pubFile} exists; not overwritten. Choose another --out, or pass --force`);
    const pair = await generateClientKey(alg);
    writePrivateFile(file, JSON.stringify(pair.privateJwk) + '\n', values.force);
    writeFileSync(pubFile, JSON.stringify(pair.publicJwk) + '\n');
    if (values.json) return out(true, { kid: pair.kid, alg, privateKeyFile: file, publicKeyFile: pubFile, publicJwk: pair.publicJwk });
    process.stderr.write(
      `Private key written to ${file} (mode 0600): keep it on this machine, give it to no one.\nPublic key written to ${pubFile}: send it to the consortium admin, who registers it.\n`,
    );
    return out(false, null, JSON.stringify(pair.publicJwk));
  }

  if (cmd === 'hash') return hashCommand(rest);

  if (cmd === 'token') {
    const { values } = parse(rest, { ...CONNECT_OPTIONS, scope: { type: 'string' } });
    const body = await connect(values, { scope: values.scope }).requestToken();
    return out(values.json, body, body.access_token);
  }

  if (cmd === 'labels') {
    const { values } = parse(rest, CONNECT_OPTIONS);
    const { labels } = await connect(values).labels();
    return out(values.json, { labels }, labels.map((l) => `${l.id.padEnd(30)} ${l.name}`).join('\n'));
  }

  if (cmd === 'share') {
    const { values, positionals } = parse(rest, {
      ...CONNECT_OPTIONS,
      ...GATHER_OPTIONS,
      labels: { type: 'string' },
      'external-id': { type: 'string' },
      'url-scope': { type: 'string' },
    });
    const labels = labelsOption(values.labels);
    const scope = values['url-scope'];
    if (scope !== undefined && scope !== 'host' && scope !== 'prefix') fail(`--url-scope takes host or prefix (got ${JSON.stringify(scope)})`, 2);
    connectionOf(values);
    const g = await gather(positionals, values, true);
    const items = toShareItems(g.hashes, labels, values['external-id'], scope);
    const bar = sending(values.json);
    const client = connect(values, { progress: bar });
    const none: ShareResult[] = [];
    // The requests before a refused one stay shared: said with the refusal, or it reads as nothing done.
    let sent = 0;
    const { items: results } = items.length
      ? await client
          .share(items, {
            onProgress: (p) => {
              sent = p.items;
              bar.update(p.items, p.total, `${p.done}/${p.batches} requests`);
            },
          })
          .catch((e: unknown) => {
            bar.end();
            if (!sent || !(e instanceof Error)) throw e;
            throw new Error(
              `${e.message}; the ${plural(sent, 'hash')} of the requests before it (of ${items.length}) were shared and stay shared: sharing again is harmless, so fix the input and send it all again`,
              { cause: e },
            );
          })
      : { items: none };
    bar.end();
    // --json: one line per hash; a hash of a file names its item (`item`: the file's hashes as one, `retract --item`).
    // A region's or crop's hash names its variant (the whole image's is the default: none named); the
    // answer says the variant the item holds it as (an item keeps the one it first linked it with),
    // which is what is shown, the one sent beside it where they differ.
    const variantOf = (h: Gathered) =>
      (h.type === 'pdq' || h.type === 'blockhash') && h.robust && h.robust.variant !== 'whole' ? h.robust.variant : undefined;
    const shownVariant = (r: ShareResult, i: number) => {
      const sent = variantOf(g.hashes[i]);
      const kept = r.variant ?? sent;
      if (kept === undefined || (kept === 'whole' && (sent ?? 'whole') === 'whole')) return '';
      return kept === (sent ?? 'whole') ? ` (${kept})` : ` (${kept}: the item keeps it; ${sent ?? 'whole'} sent)`;
    };
    if (values.json)
      writeJsonLines(results, g.failed, (r, i) => {
        const v = variantOf(g.hashes[i]);
        return { ...(g.hashes[i].file ? { file: g.hashes[i].file } : {}), ...r, ...(r.variant === undefined && v ? { variant: v } : {}) };
      });
    else {
      for (const [i, r] of results.entries())
        process.stdout.write(
          `${r.outcome.padEnd(9)} ${r.type.padEnd(9)} ${r.value.slice(0, 16)}…  ${r.id}${g.hashes[i].file ? `  ${g.hashes[i].file}` : ''}${shownVariant(r, i)}\n`,
        );
      // Each file's item, once, after its hashes: the id to retract or relabel the file's hashes as one.
      const items = new Map<string, string | undefined>();
      for (const [i, r] of results.entries()) if (r.item && !items.has(r.item)) items.set(r.item, g.hashes[i].file);
      for (const [id, file] of items) process.stdout.write(`item      ${id}${file ? `  ${file}` : ''}\n`);
      const count = (o: string) => results.filter((r) => r.outcome === o).length;
      process.stderr.write(
        `shared ${plural(results.length, 'hash')}: ${count('created')} new to the node, ${count('added')} added beside other members', ${count('updated')} relabelled, ${count('unchanged')} unchanged (already shared with these labels)${
          items.size ? `; ${plural(items.size, 'item')} (one per file: \`retract --item ID\` withdraws all of a file's hashes)` : ''
        }\n`,
      );
    }
    return finish(g, values.json);
  }

  if (cmd === 'match') {
    const { values, positionals } = parse(rest, { ...CONNECT_OPTIONS, ...GATHER_OPTIONS, dihedral: { type: 'boolean' }, 'max-distance': { type: 'string' } });
    connectionOf(values);
    const maxDistance = values['max-distance'] ? parseMaxDistance(values['max-distance']) : undefined;
    // --dihedral: images are hashed here with their rotations and mirrors, and those are sent (exact, and blockhash's too).
    const g = await gather(positionals, values, false, values.dihedral);
    const bar = sending(values.json);
    const client = connect(values, { progress: bar });
    const { results } = g.hashes.length
      ? await client.match(toMatchQueries(g.hashes, { dihedral: values.dihedral }), {
          maxDistance,
          dihedral: values.dihedral,
          onProgress: (p) => bar.update(p.items, p.total, `${p.done}/${p.batches} requests`),
        })
      : { results: [] };
    bar.end();
    if (values.json) writeJsonLines(results, g.failed, (r, i) => ({ ...(g.hashes[i].file ? { file: g.hashes[i].file } : {}), ...r }));
    else
      for (const [i, r] of results.entries()) {
        const file = g.hashes[i].file;
        const q = `${file ? `${file} ` : ''}${r.query.type} ${r.query.value.slice(0, 16)}…`;
        process.stdout.write(
          `${q}: ${r.matches.length ? `${r.matches.length} match${r.matches.length > 1 ? 'es' : ''}` : 'no match'}${r.lowQuality ? ' (low quality query: weak evidence)' : ''}\n`,
        );
        for (const m of r.matches) {
          const extra = [
            m.variant && m.variant !== 'original' && `as ${m.variant}`,
            m.video && `video ${m.video.queryMatchPercent}% of frames`,
            m.frame && `frame at ${m.frame.timestamp} s`,
            m.document && `pdf ${m.document.queryMatchPercent}% of pages`,
            m.page && `page ${m.page.number}`,
            m.url && `url ${m.url.scope}`,
            m.origin && `origin ${m.origin}`,
          ]
            .filter(Boolean)
            .join(', ');
          process.stdout.write(
            `  ${m.id}  ${m.type} distance ${m.distance}  ${m.labels.join(',')}  ${m.contributors} member(s), feedback +${m.feedback.confirm}/-${m.feedback.dispute}${extra ? `  (${extra})` : ''}\n`,
          );
        }
      }
    return finish(g, values.json);
  }

  if (cmd === 'feed') return (await import('./client-feed')).feedCommand(rest);
  if (cmd === 'export') return (await import('./client-interchange')).exportCommand(rest);
  if (cmd === 'import') return (await import('./client-interchange')).importCommand(rest);

  if (cmd === 'retract') {
    const { values, positionals } = parse(rest, { ...CONNECT_OPTIONS, item: { type: 'string' } });
    if (values.item !== undefined) {
      if (positionals.length) fail(`retract takes a hash id or --item ID, not both\n${USAGE}`, 2);
      // Checked here, before anything is sent: an item id is the UUID a share names its item by.
      if (!ITEM_ID_ANY_CASE.test(values.item))
        fail(
          /^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/i.test(values.item)
            ? `--item ${values.item}: that is a hash id, not an item id: \`retract ${values.item}\` withdraws that one hash`
            : `--item needs an item id (the id \`share\` prints on a file's item line), got ${JSON.stringify(values.item)}`,
          2,
        );
      const r = await connect(values).retractItem(values.item);
      return out(values.json, r, retractedItem(r));
    }
    if (!positionals[0]) fail(`retract needs a hash id, or --item ID for all the hashes of a shared file\n${USAGE}`, 2);
    const id = positionals[0];
    const r = await connect(values)
      .retract(id)
      .catch((e: unknown) => {
        // An item's id given as a hash's: say what it is and how to retract it.
        if (e instanceof NodeApiError && e.status === 404 && ITEM_ID_PATTERN.test(id))
          fail(`${e.message} (${id} is an item id: \`retract --item ${id}\` retracts all the hashes of that shared file)`);
        throw e;
      });
    return out(values.json, r, `${id} retracted`);
  }

  if (cmd === 'feedback') {
    const { values, positionals } = parse(rest, { ...CONNECT_OPTIONS, verdict: { type: 'string' }, reason: { type: 'string' } });
    if (!positionals[0] || (values.verdict !== 'confirm' && values.verdict !== 'dispute'))
      fail(`feedback needs the hash id and --verdict confirm|dispute\n${USAGE}`, 2);
    const r = await connect(values).feedback(positionals[0], values.verdict, values.reason);
    return out(values.json, r, `${values.verdict} recorded on ${positionals[0]}`);
  }

  fail(`unknown command: ${cmd}\n${USAGE}`, 2);
}

/**
 * `hash FILE|DIR…`: one result per file, whatever was given: with --json one JSON line (`file` and
 * the node's hashing answer, or `file` and `error`), the lines `share --input` and `match --input`
 * take; without, one line of text per file. A summary on stderr without --json.
 */
async function hashCommand(rest: string[]): Promise<void> {
  const { values, positionals } = parse(rest, {
    dihedral: { type: 'boolean' },
    robust: { type: 'boolean' },
    text: { type: 'boolean' },
    charset: { type: 'string' },
  });
  if (!positionals.length) fail(`hash needs a file or a folder\n${USAGE}`, 2);
  const bar = progress('hashing', { json: values.json });
  const hasher = new LocalHasher();
  const { files, other, links } = findMedia(positionals);
  passedOver(links);
  if (!files.length) fail(nothingFound(positionals, { other, links }));
  // --text and --charset apply to the files named, not to those found in a folder (those are media by their bytes).
  const named = new Set(positionals.map(userPath));
  const single = files.length === 1;
  let failed = 0;
  for (const [i, f] of files.entries()) {
    bar.update(i, files.length, f.name);
    try {
      const h = await hasher.hashFile(f.path, {
        dihedral: values.dihedral,
        robust: values.robust,
        ...(named.has(f.path) ? { text: values.text, charset: values.charset } : {}),
        // One long video: its seconds are the progress.
        onFrame: single
          ? (sec, total) => bar.update(Math.round(sec), Math.round(total) || undefined, `${f.name} (s of video)`)
          : (sec, total) => bar.update(i, files.length, `${f.name} ${Math.round(sec)}${total ? `/${Math.round(total)}` : ''} s`),
      });
      bar.above(() => (values.json ? line({ file: f.name, ...h }) : process.stdout.write(`${f.name}  ${summary(h)}\n`)));
    } catch (e) {
      failed++;
      const err = { code: codeOf(e), message: messageOf(e) };
      bar.above(() =>
        values.json ? line({ file: f.name, error: err }) : process.stdout.write(`${f.name}  FAILED ${err.code ? `${err.code}: ` : ''}${err.message}\n`),
      );
    }
  }
  bar.end();
  if (!values.json)
    process.stderr.write(
      `hashed ${files.length - failed} of ${plural(files.length, 'file')}${failed ? ` (${failed} failed)` : ''}${other.length ? `; ${plural(other.length, 'other file')} (not images, videos or PDFs) left out` : ''}${links.length ? `; ${plural(links.length, 'link')} skipped (above)` : ''}\n`,
    );
  if (failed) process.exitCode = 1;
}

/** An item retraction in words: the item's state after it, and the hashes your contribution still stands on (`kept`). */
function retractedItem(r: RetractedItem): string {
  const head = r.status === 'retracted' ? `item ${r.id} retracted` : `item ${r.id}: your share withdrawn (another member's share keeps the item active)`;
  const kept = r.kept ?? [];
  if (!kept.length) return head;
  return `${head}; your contribution still stands on ${plural(kept.length, 'hash')} of it, held by your share of the hash alone or by another item of yours (\`retract ID\` withdraws one):\n${kept.map((id) => `  ${id}`).join('\n')}`;
}

/** `1 hash`, `2 hashes`, `0 files`. */
function plural(n: number, noun: string): string {
  return `${n} ${n === 1 ? noun : noun.endsWith('sh') ? `${noun}es` : `${noun}s`}`;
}

function summary(h: Awaited<ReturnType<LocalHasher['hashFile']>>): string {
  const tlsh = (t?: { value: string }) => (t ? `tlsh ${t.value}` : 'no tlsh');
  if (h.kind === 'pdf')
    return `pdf ${h.media.pages} pages${h.media.encrypted ? ` (encrypted: ${h.media.encrypted})` : ''}, ${h.hashes.pdf ? `pdf ${h.hashes.pdf.value}, ` : ''}${tlsh(h.hashes.tlsh)}, ${h.media.textCharacters} characters of text`;
  if (h.kind === 'text') return `text (${h.media.encoding}) ${h.media.characters} characters, ${tlsh(h.hashes.tlsh)}`;
  if (h.kind === 'video')
    return `video ${h.media.width}x${h.media.height} ${h.media.durationSeconds.toFixed(1)} s, ${h.hashes.vpdq.frames.length} frames, vpdq ${h.hashes.vpdq.value}`;
  return `image ${h.media.width}x${h.media.height} ${h.media.format}, pdq ${h.hashes.pdq.value} (quality ${h.hashes.pdq.quality}), blockhash ${h.hashes.blockhash.value}`;
}

async function gather(positionals: string[], values: { hash?: string[]; input?: string; json?: boolean }, forShare: boolean, dihedral?: boolean) {
  if (!positionals.length && !values.hash?.length && !values.input) throw new UsageError(`give files or folders, --hash TYPE:VALUE or --input FILE\n${USAGE}`);
  // What is given on the command line or in --input is checked before any file is hashed: a usage error stops the command at once.
  const flagged = (values.hash ?? []).map(parseHashFlag);
  const input = values.input ? parseInput(values.input, { forShare }) : undefined;
  const hashes: Gathered[] = [];
  const failed: GatherResult['failed'] = [];
  const weak: GatherResult['weak'] = [];
  if (positionals.length) {
    const g = await hashPaths(positionals, { progress: progress('hashing', { json: values.json }), forShare, dihedral });
    passedOver(g.passed.links);
    // Files and folders that held nothing to hash: said, not taken for "no match" (or "nothing to share").
    if (!g.files) fail(nothingFound(positionals, g.passed));
    hashes.push(...g.hashes);
    failed.push(...g.failed);
    weak.push(...g.weak);
  }
  hashes.push(...flagged);
  if (input) {
    const at = hashes.length;
    hashes.push(...input.hashes);
    failed.push(...input.failed.map((f) => ({ ...f, at: f.at + at })));
    weak.push(...input.weak);
  }
  for (const f of failed) process.stderr.write(`${f.file}: not hashed: ${f.code ? `${f.code}: ` : ''}${f.message}\n`);
  for (const w of weak) process.stderr.write(`${w.file}: left out: ${w.message}\n`);
  return { hashes, failed, weak };
}

/** Links in the folders given that name no file (broken, or a folder): each said, on stderr. */
function passedOver(links: Passed['links']): void {
  for (const l of links) process.stderr.write(`${l.name}: skipped: ${l.why}\n`);
}

/**
 * --json: one line per hash (`lineOf`), and one for each file that could not be hashed, in its
 * place, as `hash --json` writes it (`file` and `error`: its code and message).
 */
function writeJsonLines<R>(results: readonly R[], failed: GatherResult['failed'], lineOf: (r: R, i: number) => unknown): void {
  const said = (f: GatherResult['failed'][number]) => line({ file: f.file, error: f.error ?? { ...(f.code ? { code: f.code } : {}), message: f.message } });
  for (const [i, r] of results.entries()) {
    for (const f of failed) if (f.at === i) said(f);
    line(lineOf(r, i));
  }
  for (const f of failed) if (f.at >= results.length) said(f);
}

function finish(g: { failed: unknown[] }, json?: boolean): void {
  if (g.failed.length) {
    if (!json) process.stderr.write(`${g.failed.length} file(s) could not be hashed (above)\n`);
    process.exitCode = 1;
  }
}

const sending = (json?: boolean) => progress('sending', { json });

function line(v: unknown): void {
  process.stdout.write(JSON.stringify(v) + '\n');
}
