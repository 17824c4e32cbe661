import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { csvLine, csvRecords } from '../../../src/cli/csv.js';

const read = async (chunks: string[]) => {
  const out: Array<[number, string[]]> = [];
  for await (const r of csvRecords(Readable.from(chunks.map((c) => Buffer.from(c)))))
    out.push([r.line, r.fields]);
  return out;
};

/** An Excel export: byte-order mark, CRLF, quoted fields with a comma, a quote and a line break, an empty line. */
const EXCEL =
  '\uFEFFgateway,order_key,amount_fen,state,remark\r\n' +
  'zhixiao,A1,100,succeeded,"paid, at the desk"\r\n' +
  '\r\n' +
  'onecard,R2,2500,pending,"said ""wait""\r\nthen left"\r\n' +
  'zhixiao,,,,\r\n' +
  'zhixiao,A3,7,failed,';
const EXPECTED: Array<[number, string[]]> = [
  [1, ['gateway', 'order_key', 'amount_fen', 'state', 'remark']],
  [2, ['zhixiao', 'A1', '100', 'succeeded', 'paid, at the desk']],
  [4, ['onecard', 'R2', '2500', 'pending', 'said "wait"\r\nthen left']],
  [6, ['zhixiao', '', '', '', '']],
  [7, ['zhixiao', 'A3', '7', 'failed', '']],
];

describe('CSV as Excel writes it', () => {
  it('reads records with the line each starts on, whole or one character per chunk', async () => {
    expect(await read([EXCEL])).toEqual(EXPECTED);
    // A chunk may end between \r and \n, inside a quoted field, or between the two quotes of "".
    expect(await read([...EXCEL])).toEqual(EXPECTED);
  });

  it('LF line ends, no byte-order mark, no line end at the end', async () => {
    expect(await read(['a,b\nc,"d\ne"\n\n', 'f,g'])).toEqual([
      [1, ['a', 'b']],
      [2, ['c', 'd\ne']],
      [5, ['f', 'g']],
    ]);
  });

  it('writes fields that hold a comma, quote or line break quoted, with CRLF, and reads them back', async () => {
    const fields = ['plain', 'a,b', 'say "hi"', 'two\nlines', '', '支付成功'];
    const line = csvLine([...fields, 42, undefined]);
    expect(line).toBe('plain,"a,b","say ""hi""","two\nlines",,支付成功,42,\r\n');
    expect(await read([line])).toEqual([[1, [...fields, '42', '']]]);
  });
});
