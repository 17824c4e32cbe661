/**
 * CSV as finance offices export it (RFC 4180 as Excel writes it): a UTF-8 byte-order mark, CRLF or LF line
 * ends, quoted fields holding commas, quotes ("") or line breaks. Read as a stream of records, so a file of
 * any size is read in flat memory.
 */
import type { Readable } from 'node:stream';

/** One record: its fields, and the file line it starts on (1-based, as an editor or Excel numbers it). */
export interface CsvRecord {
  line: number;
  fields: string[];
}

/**
 * The records of a CSV byte stream. An empty line is no record (Excel ends files with one); an
 * unterminated quote at the end of the file is a record of what was read, for the caller to refuse.
 */
export async function* csvRecords(input: Readable): AsyncGenerator<CsvRecord, void, undefined> {
  let field = '';
  let fields: string[] = [];
  /** Inside a quoted field; `closing`: its last character was a quote (its end, or half of a `""`). */
  let quoted = false;
  let closing = false;
  /** The record has content (a character, a separator or a quote): an empty line is no record. */
  let any = false;
  /** The last character ended a record with \r: a \n right after it belongs to the same line end. */
  let cr = false;
  let line = 1;
  let start = 1;
  let first = true;
  const take = (): CsvRecord | undefined => {
    fields.push(field);
    const out = any ? { line: start, fields } : undefined;
    field = '';
    fields = [];
    any = false;
    return out;
  };
  input.setEncoding('utf8');
  for await (const chunk of input as AsyncIterable<string>) {
    const text = first && chunk.charCodeAt(0) === 0xfeff ? chunk.slice(1) : chunk;
    first = false;
    let from = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      const afterCr = cr;
      cr = false;
      if (quoted) {
        if (c === '"') {
          field += text.slice(from, i);
          from = i + 1;
          if (closing) field += '"';
          closing = !closing;
          continue;
        }
        if (!closing) {
          if (c === '\n') line++;
          continue;
        }
        // The quote before this character closed the field; read this one as outside quotes.
        quoted = false;
        closing = false;
      }
      if (c === '"' && field === '' && from === i) {
        quoted = true;
        any = true;
        from = i + 1;
      } else if (c === ',') {
        fields.push(field + text.slice(from, i));
        field = '';
        any = true;
        from = i + 1;
      } else if (c === '\n' || c === '\r') {
        field += text.slice(from, i);
        from = i + 1;
        if (c === '\n' && afterCr) continue;
        cr = c === '\r';
        const r = take();
        if (r) yield r;
        line++;
        start = line;
      } else any = true;
    }
    field += text.slice(from);
  }
  const last = take();
  if (last) yield last;
}

/** A field as CSV writes it: quoted when it holds a comma, a quote or a line break. */
export function csvField(value: string | number | undefined): string {
  if (value === undefined) return '';
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** One CSV line with its CRLF (what Excel writes and reads best). */
export const csvLine = (values: ReadonlyArray<string | number | undefined>): string =>
  `${values.map(csvField).join(',')}\r\n`;
