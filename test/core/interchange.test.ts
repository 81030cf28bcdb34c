/** The interchange room: python-threatexchange's CSV quoting and signal type names, read and written. */
import { describe, expect, it } from 'vitest';
import { csvFields, detectFormat, readDataset, signalTypeNamed, signalTypeOf, writeDataset } from '../../src/core/interchange';

const PDQ = 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22';

describe('signal types', () => {
  it("maps the node's types to python-threatexchange's names and back; vpdq and pdf have none", () => {
    expect(['pdq', 'md5', 'sha256', 'tlsh', 'blockhash', 'url'].map((t) => signalTypeOf(t)?.signalType)).toEqual([
      'pdq',
      'video_md5',
      'video_sha256',
      'text_tlsh',
      'mhn_blockhash',
      'mhn_url',
    ]);
    expect(signalTypeOf('vpdq')).toBeUndefined();
    expect(signalTypeNamed('video_md5')?.hashType).toBe('md5');
    expect(signalTypeNamed('url_md5')).toBeUndefined();
  });
});

describe('CSV', () => {
  it("reads fields quoted as Python's csv module writes them; an open quote is refused", () => {
    expect(csvFields('a,"b, c","say ""hi""",,')).toEqual(['a', 'b, c', 'say "hi"', '', '']);
    expect(csvFields('a,"b')).toBeNull();
  });

  it('writes what it reads: a collab with a comma or a quote is quoted', () => {
    const { lines } = writeDataset([{ type: 'pdq', value: PDQ, labels: ['recruitment', 'glorification'] }], 'csv', { collab: 'A "big", collab' });
    expect(lines).toEqual(['signal_type,signal_str,collab,category,tags', `pdq,${PDQ},"A ""big"", collab",POSITIVE_CLASS,glorification recruitment`]);
    const back = readDataset(lines.join('\n'));
    expect(back).toEqual({ format: 'csv', items: [{ line: 2, type: 'pdq', value: PDQ, labels: ['glorification', 'recruitment'] }], refused: [], merged: 0 });
  });

  it('detects the format from the header; upper-case hex is stored lower-case', () => {
    expect(detectFormat('\nsignal_type,signal_str,collab,category,tags\n')).toBe('csv');
    expect(detectFormat(`pdq ${PDQ}`)).toBe('signals');
    // Saved by a spreadsheet: a byte order mark, CRLF line ends.
    const excel = `\uFEFFsignal_type,signal_str,collab,category,tags\r\npdq,${PDQ},c,POSITIVE_CLASS,manifesto\r\n`;
    expect(detectFormat(excel)).toBe('csv');
    expect(readDataset(excel)).toMatchObject({ format: 'csv', items: [{ line: 2, value: PDQ, labels: ['manifesto'] }], refused: [] });
    expect(readDataset(`pdq ${PDQ.toUpperCase()}`, { labels: ['manifesto'] }).items).toEqual([{ line: 1, type: 'pdq', value: PDQ, labels: ['manifesto'] }]);
    expect(readDataset(PDQ, { labels: ['manifesto'], signalType: 'pdq' }).items).toHaveLength(1);
  });
});
