/**
 * The checks of every value a user hands in: CLI flags, the report Lambda's payload and
 * environment, and the CDK configuration all use these, so each rule is written once and is
 * refused everywhere with the same words.
 *
 * One error format: `<name>: <value> is not <what was expected>`, where `name` is the flag
 * (`--timezone`), payload field (`timezone`), environment variable (`REPORT_TIMEZONE`) or
 * configuration key (`timezone`), and the value is quoted as given.
 */
import { z } from 'zod';

// ---------------------------------------------------------------------------------------------
// The error format

/** A value as an error message quotes it: strings in double quotes, anything else as JSON. */
export function shown(value: unknown): string {
  return typeof value === 'string' ? `"${value}"` : (JSON.stringify(value) ?? String(value));
}

/** `"<value>" is not <expected>`: the message of a refused value, without its name. */
export function notA(value: unknown, expected: string): string {
  return `${shown(value)} is not ${expected}`;
}

/** `<name>: <message>`: a problem tied to the flag, field, variable or key it concerns. */
export function problem(name: string, message: string): string {
  return `${name}: ${message}`;
}

/** What each rule expects, as the messages say it. */
export const EXPECTED = {
  date: 'a date written YYYY-MM-DD',
  timeZone: 'an IANA time zone (e.g. UTC, Europe/Warsaw)',
  email: 'an e-mail address (a plain address such as digest@example.com)',
  currency: 'an active ISO 4217 currency code (three upper-case letters, e.g. USD, EUR, PLN)',
  percent: 'a percentage between 0 and 100',
  catalogName: 'a name of lower-case letters, digits and underscores, not starting with a digit',
  bucket: 'an S3 bucket name',
} as const;

// ---------------------------------------------------------------------------------------------
// Predicates

/** YYYY-MM-DD with two-digit month and day (the shape; see calendarDateMs for the calendar). */
export const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Midnight UTC of a real calendar date written YYYY-MM-DD, in epoch ms; null otherwise. */
export function calendarDateMs(value: string): number | null {
  const m = DATE_PATTERN.exec(value);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return null;
  return ms;
}

/** A real calendar date written YYYY-MM-DD (2028-02-29 yes, 2026-02-29 and 2026-13-01 no). */
export function isCalendarDate(value: string): boolean {
  return calendarDateMs(value) !== null;
}

/** A time zone Intl knows, written without surrounding spaces ("UTC", "Europe/Warsaw"). */
export function isTimeZone(value: string): boolean {
  if (value === '' || value.trim() !== value) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** The canonical spelling of a valid zone given in another letter case ("europe/warsaw"). */
export function canonicalTimeZone(value: string): string {
  const canonical = new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
  return canonical.toLowerCase() === value.toLowerCase() ? canonical : value;
}

const DOMAIN_LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;
const TOP_LEVEL_LABEL = /^(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})$/;
const EMAIL_SHAPE = z.email();

export function isDomainName(value: string): boolean {
  if (value.length > 253) return false;
  const labels = value.split('.');
  const tld = labels[labels.length - 1] ?? '';
  return labels.length >= 2 && labels.every((l) => DOMAIN_LABEL.test(l)) && TOP_LEVEL_LABEL.test(tld);
}

/**
 * A plain address (no display name, no spaces): what SMTP, SES identities and IAM conditions
 * work with. Letter case is kept; comparisons elsewhere ignore it.
 */
export function isEmailAddress(value: string): boolean {
  if (value.length > 254) return false;
  const at = value.lastIndexOf('@');
  if (at <= 0 || at > 64) return false;
  return isDomainName(value.slice(at + 1)) && EMAIL_SHAPE.safeParse(value).success;
}

/** Active ISO 4217 currency codes: the reporting currencies the product accepts. */
export const ISO_4217: readonly string[] = (
  'AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD ' +
  'CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD ' +
  'GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT ' +
  'LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR ' +
  'NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP ' +
  'STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XOF ' +
  'XPF YER ZAR ZMW ZWL'
).split(' ');

export function isReportingCurrency(code: string): boolean {
  return ISO_4217.includes(code);
}

/** A percentage written as digits with an optional fraction, 0–100; null otherwise. */
export function parsePercent(text: string): number | null {
  const trimmed = text.trim();
  if (!/^\d+(\.\d+)?$/.test(trimmed)) return null;
  const n = Number(trimmed);
  return Number.isFinite(n) && n <= 100 ? n : null;
}

/** Glue database and table names as Athena can query them without quoting. */
export function isCatalogName(value: string): boolean {
  return /^[a-z_][a-z0-9_]{0,254}$/.test(value);
}

/** S3 general-purpose bucket naming rules. */
export function isBucketName(value: string): boolean {
  return (
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(value) &&
    !value.includes('..') &&
    !/^\d{1,3}(\.\d{1,3}){3}$/.test(value) &&
    !value.startsWith('xn--') &&
    !value.endsWith('-s3alias')
  );
}

// ---------------------------------------------------------------------------------------------
// Schemas: the predicates above with the error format, for zod objects and for single values

function ruleSchema(predicate: (value: string) => boolean, expected: string): z.ZodString {
  const message = (issue: { input: unknown }): string => notA(issue.input, expected);
  return z.string({ error: message }).refine(predicate, { error: message });
}

export const calendarDateSchema = ruleSchema(isCalendarDate, EXPECTED.date);
export const timeZoneSchema = ruleSchema(isTimeZone, EXPECTED.timeZone);
export const emailSchema = ruleSchema(isEmailAddress, EXPECTED.email);
export const currencySchema = ruleSchema(isReportingCurrency, EXPECTED.currency);
export const catalogNameSchema = ruleSchema(isCatalogName, EXPECTED.catalogName);
export const bucketNameSchema = ruleSchema(isBucketName, EXPECTED.bucket);

/** A percentage given as a JSON number. */
export const percentSchema = z
  .number({ error: (issue) => notA(issue.input, EXPECTED.percent) })
  .refine((n) => n >= 0 && n <= 100, { error: (issue) => notA(issue.input, EXPECTED.percent) });

/** A percentage given as text (a flag or an environment variable), as its number. */
export const percentTextSchema = z
  .string({ error: (issue) => notA(issue.input, EXPECTED.percent) })
  .transform((text, ctx) => {
    const n = parsePercent(text);
    if (n === null) {
      ctx.addIssue({ code: 'custom', message: notA(text, EXPECTED.percent) });
      return z.NEVER;
    }
    return n;
  });

/** One of a fixed list of words (a period kind, a locale, a transport). */
export function oneOfSchema<const T extends readonly [string, ...string[]]>(allowed: T) {
  return z.enum(allowed, { error: (issue) => notA(issue.input, `one of ${allowed.join(', ')}`) });
}

export type Checked<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

/** Checks one named value; the refusal is the problem in the one error format. */
export function checkValue<T>(schema: z.ZodType<T>, name: string, value: unknown): Checked<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, problem: problem(name, parsed.error.issues[0]?.message ?? notA(value, 'valid')) };
}
