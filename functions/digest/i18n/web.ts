/**
 * Strings of the digest's "Website and social" section, per locale (kept apart from the
 * locale files so that the section's wording lives in one place).
 */
import { pluralise } from './messages.js';

export interface WebMessages {
  /** The one line shown instead of the section when neither web_events nor social_posts is present. */
  sectionUnavailable(reason: string): string;
  /** Shown instead of the website figures (web_events absent) or the social figure (social_posts absent). */
  websiteUnavailable(reason: string): string;
  socialUnavailable(reason: string): string;
  readonly topPagesTitle: string;
  readonly topPagesNone: string;
  readonly topExitPagesTitle: string;
  readonly topExitPagesNone: string;
  readonly visitorsTitle: string;
  /** Visitors of the period not seen in the previous period. */
  readonly newVisitors: string;
  readonly segmentsTitle: string;
  readonly known: string;
  readonly anonymous: string;
  readonly socialTitle: string;
  readonly socialNone: string;
  readonly columns: {
    readonly page: string;
    readonly views: string;
    readonly exits: string;
    readonly exitRate: string;
    readonly timeOnPage: string;
    readonly visitors: string;
    readonly bounceRate: string;
    readonly pagesPerSession: string;
    readonly platform: string;
    readonly posts: string;
    readonly impressions: string;
    readonly engagementRate: string;
  };
  topPagesFile(rows: string, n: number): string;
}

const enRules = new Intl.PluralRules('en-US');
const plRules = new Intl.PluralRules('pl-PL');

export const WEB_MESSAGES: { readonly en: WebMessages; readonly id: WebMessages; readonly pl: WebMessages } =
  {
    en: {
      sectionUnavailable: (reason) => `Website and social figures are not available (${reason}).`,
      websiteUnavailable: (reason) => `Website figures are not available (${reason}).`,
      socialUnavailable: (reason) => `Social engagement is not available (${reason}).`,
      topPagesTitle: 'Top pages',
      topPagesNone: 'No page views in this period.',
      topExitPagesTitle: 'Top exit pages',
      topExitPagesNone: 'No session ended on a page view in this period.',
      visitorsTitle: 'Visitors',
      newVisitors: 'New visitors (not seen in the previous period)',
      segmentsTitle: 'Known customers and anonymous visitors',
      known: 'Known customers',
      anonymous: 'Anonymous',
      socialTitle: 'Social engagement by platform',
      socialNone: 'No social posts were published in this period.',
      columns: {
        page: 'Page',
        views: 'Views',
        exits: 'Exits',
        exitRate: 'Exit rate',
        timeOnPage: 'Time on page',
        visitors: 'Visitors',
        bounceRate: 'Bounce',
        pagesPerSession: 'Pages/session',
        platform: 'Platform',
        posts: 'Posts',
        impressions: 'Impressions',
        engagementRate: 'Engagement',
      },
      topPagesFile: (rows, n) =>
        `Top pages (CSV, ${rows} ${pluralise(enRules, n, { one: 'row', other: 'rows' })})`,
    },
    id: {
      sectionUnavailable: (reason) => `Angka situs web dan media sosial tidak tersedia (${reason}).`,
      websiteUnavailable: (reason) => `Angka situs web tidak tersedia (${reason}).`,
      socialUnavailable: (reason) => `Keterlibatan media sosial tidak tersedia (${reason}).`,
      topPagesTitle: 'Halaman teratas',
      topPagesNone: 'Tidak ada tampilan halaman pada periode ini.',
      topExitPagesTitle: 'Halaman keluar teratas',
      topExitPagesNone: 'Tidak ada sesi yang berakhir pada tampilan halaman di periode ini.',
      visitorsTitle: 'Pengunjung',
      newVisitors: 'Pengunjung baru (tidak terlihat pada periode sebelumnya)',
      segmentsTitle: 'Pelanggan dikenal dan pengunjung anonim',
      known: 'Pelanggan dikenal',
      anonymous: 'Anonim',
      socialTitle: 'Keterlibatan media sosial per kanal',
      socialNone: 'Tidak ada unggahan media sosial pada periode ini.',
      columns: {
        page: 'Halaman',
        views: 'Tampilan',
        exits: 'Keluar',
        exitRate: 'Tingkat keluar',
        timeOnPage: 'Waktu di halaman',
        visitors: 'Pengunjung',
        bounceRate: 'Pentalan',
        pagesPerSession: 'Halaman/sesi',
        platform: 'Kanal',
        posts: 'Unggahan',
        impressions: 'Tayangan',
        engagementRate: 'Keterlibatan',
      },
      topPagesFile: (rows) => `Halaman teratas (CSV, ${rows} baris)`,
    },
    pl: {
      sectionUnavailable: (reason) =>
        `Dane strony internetowej i mediów społecznościowych są niedostępne (${reason}).`,
      websiteUnavailable: (reason) => `Dane strony internetowej są niedostępne (${reason}).`,
      socialUnavailable: (reason) =>
        `Zaangażowanie w mediach społecznościowych jest niedostępne (${reason}).`,
      topPagesTitle: 'Najczęściej oglądane strony',
      topPagesNone: 'Brak odsłon w tym okresie.',
      topExitPagesTitle: 'Najczęstsze strony wyjścia',
      topExitPagesNone: 'Żadna sesja nie zakończyła się odsłoną w tym okresie.',
      visitorsTitle: 'Odwiedzający',
      newVisitors: 'Nowi odwiedzający (nieobecni w poprzednim okresie)',
      segmentsTitle: 'Znani klienci i anonimowi odwiedzający',
      known: 'Znani klienci',
      anonymous: 'Anonimowi',
      socialTitle: 'Zaangażowanie według platformy',
      socialNone: 'W tym okresie nie opublikowano żadnego posta.',
      columns: {
        page: 'Strona',
        views: 'Odsłony',
        exits: 'Wyjścia',
        exitRate: 'Współczynnik wyjść',
        timeOnPage: 'Czas na stronie',
        visitors: 'Odwiedzający',
        bounceRate: 'Odrzucenia',
        pagesPerSession: 'Strony/sesję',
        platform: 'Platforma',
        posts: 'Posty',
        impressions: 'Wyświetlenia',
        engagementRate: 'Zaangażowanie',
      },
      topPagesFile: (rows, n) =>
        `Najczęściej oglądane strony (CSV, ${rows} ${pluralise(plRules, n, { one: 'wiersz', few: 'wiersze', many: 'wierszy', other: 'wiersza' })})`,
    },
  };
