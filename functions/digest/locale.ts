/** The digest's languages: every string and every number, currency, percentage and date format. */
export const LOCALES = ['en', 'id', 'pl'] as const;

export type Locale = (typeof LOCALES)[number];

export const DEFAULT_LOCALE: Locale = 'en';

export function isLocale(value: string): value is Locale {
  return (LOCALES as readonly string[]).includes(value);
}

/** Validates a `--locale` value; throws a RangeError that names the accepted values. */
export function parseLocale(value: string): Locale {
  const normalised = value.trim().toLowerCase();
  if (isLocale(normalised)) return normalised;
  throw new RangeError(`unknown locale "${value}" (expected one of: ${LOCALES.join(', ')})`);
}

/** The BCP 47 tag handed to Intl for each locale. */
export const INTL_LOCALE: Readonly<Record<Locale, string>> = {
  en: 'en-US',
  id: 'id-ID',
  pl: 'pl-PL',
};
