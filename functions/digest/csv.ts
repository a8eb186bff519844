/**
 * CSV for the digest's attachments (RFC 4180: comma, CRLF, double quotes doubled), with a
 * UTF-8 byte-order mark so that spreadsheet programs read non-Latin names correctly.
 *
 * Text cells that a spreadsheet would run as a formula (starting with = + - @, a tab or a
 * carriage return) are prefixed with an apostrophe. Numbers are written by this code, so a
 * negative amount stays a number.
 */
export type CsvValue = string | number | null;

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: CsvValue): string {
  if (value === null) return '';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`cannot write ${value} to CSV`);
    // Money and scores are shown to the cent; no exponent, no grouping.
    return String(Math.round(value * 100) / 100);
  }
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(header: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  const lines = [header, ...rows].map((row) => {
    if (row.length !== header.length)
      throw new RangeError(`CSV row has ${row.length} cells, expected ${header.length}`);
    return row.map(csvCell).join(',');
  });
  return `\ufeff${lines.join('\r\n')}\r\n`;
}
