/**
 * Strings of the CSM digest (one CSM's book of business) and of the team digest's per-CSM
 * table, per locale.
 */
import type { Locale } from '../locale.js';
import { pluralise } from './messages.js';
import type { BookHeadlineId, RenewalWindow } from '../../core/csm-books.js';
import type { HealthComponents } from '../../core/snapshot.js';
import type { PeriodKind } from '../../core/period.js';

export interface CsmMessages {
  readonly title: Readonly<Record<PeriodKind, string>>;
  subject(periodName: string, accounts: number, mrr: string): string;
  intro(owner: string, accounts: number): string;
  readonly headlineTitle: string;
  readonly figures: Readonly<Record<BookHeadlineId, string>>;
  readonly columns: {
    readonly figure: string;
    readonly book: string;
    readonly previous: string;
    readonly company: string;
    readonly account: string;
    readonly movement: string;
    readonly amount: string;
    readonly mrr: string;
    readonly health: string;
    readonly fell: string;
    readonly termEnd: string;
    readonly score: string;
    readonly opened: string;
    readonly due: string;
    readonly csm: string;
    readonly accounts: string;
    readonly atRisk: string;
    readonly nrr: string;
  };
  readonly movementsTitle: string;
  readonly movementsNone: string;
  readonly movements: Readonly<
    Record<'new' | 'reactivation' | 'expansion' | 'contraction' | 'churn', string>
  >;
  readonly atRiskTitle: string;
  readonly atRiskNone: string;
  readonly healthDropsTitle: string;
  readonly healthDropsNone: string;
  readonly components: Readonly<Record<keyof HealthComponents, string>>;
  readonly renewalsTitle: string;
  readonly renewalsNone: string;
  renewalWindow(days: RenewalWindow): string;
  monthlyRenewals(rows: number, mrr: string): string;
  inDays(days: number): string;
  readonly surveysTitle: string;
  readonly surveysNone: string;
  readonly noComment: string;
  readonly detractor: string;
  readonly ticketsTitle: string;
  readonly ticketsNone: string;
  ageDays(days: number): string;
  readonly invoicesTitle: string;
  readonly invoicesNone: string;
  /** Under a list cut to fit the mail: the rest are in the attached CSV. */
  more(n: number, file: string): string;
  readonly csvTitle: string;
  csvLine(file: string, accounts: number): string;
  readonly notAvailable: string;
  footer(when: string): string;
  readonly teamTitle: string;
  readonly teamIntro: string;
  readonly unassigned: string;
  unassignedLine(accounts: number, mrr: string): string;
  readonly rejectedTitle: string;
  rejectedLine(owner: string, reason: string, accounts: number): string;
  readonly rejectedReasons: Readonly<
    Record<'csm_owner_not_an_address' | 'csm_owner_outside_domains', string>
  >;
}

const enRules = new Intl.PluralRules('en-US');
const plRules = new Intl.PluralRules('pl-PL');
const en = (n: number, one: string, other: string): string => pluralise(enRules, n, { one, other });
const pl = (n: number, one: string, few: string, many: string): string =>
  pluralise(plRules, n, { one, few, many, other: many });

const EN: CsmMessages = {
  title: { weekly: 'Your weekly book of business', monthly: 'Your monthly book of business' },
  subject: (period, n, mrr) => `Your book · ${period}: ${n} ${en(n, 'account', 'accounts')}, MRR ${mrr}`,
  intro: (owner, n) => `The ${n} ${en(n, 'account', 'accounts')} owned by ${owner} at the end of the period.`,
  headlineTitle: 'Your book',
  figures: {
    mrr: 'MRR',
    customers: 'Customers',
    net_new_mrr: 'Net new MRR',
    net_revenue_retention: 'Net revenue retention',
    health_score: 'Health score',
    nps: 'NPS',
  },
  columns: {
    figure: 'Figure',
    book: 'Your book',
    previous: 'Previous',
    company: 'Company',
    account: 'Account',
    movement: 'Movement',
    amount: 'Change',
    mrr: 'MRR',
    health: 'Health',
    fell: 'Fell',
    termEnd: 'Term ends',
    score: 'Score',
    opened: 'Opened',
    due: 'Due',
    csm: 'CSM',
    accounts: 'Accounts',
    atRisk: 'At risk',
    nrr: 'NRR',
  },
  movementsTitle: 'Accounts that moved',
  movementsNone: 'No account of yours changed its MRR this period.',
  movements: {
    new: 'New',
    reactivation: 'Reactivation',
    expansion: 'Expansion',
    contraction: 'Contraction',
    churn: 'Churn',
  },
  atRiskTitle: 'Accounts at risk (health below 40)',
  atRiskNone: 'None of your accounts is at risk.',
  healthDropsTitle: 'Health fell by 15 points or more',
  healthDropsNone: 'No account lost 15 health points or more since the previous period.',
  components: {
    frequency: 'frequency',
    breadth: 'breadth',
    depth: 'depth',
    sentiment: 'sentiment',
    supportBilling: 'support and billing',
  },
  renewalsTitle: 'Renewals in the next 90 days',
  renewalsNone: 'No quarterly or annual term of yours ends in the next 90 days.',
  renewalWindow: (d) => `within ${d} days`,
  monthlyRenewals: (n, mrr) =>
    `Also ${n} monthly ${en(n, 'subscription renews', 'subscriptions renew')} within 30 days (MRR ${mrr}).`,
  inDays: (d) => `in ${d} ${en(d, 'day', 'days')}`,
  surveysTitle: 'Survey responses',
  surveysNone: 'No survey response from your accounts this period.',
  noComment: '(no comment)',
  detractor: 'detractor',
  ticketsTitle: 'Open tickets older than 3 days',
  ticketsNone: 'No ticket of yours has been open for more than 3 days.',
  ageDays: (d) => `${d} ${en(d, 'day', 'days')} open`,
  invoicesTitle: 'Overdue invoices',
  invoicesNone: 'No invoice of yours is overdue.',
  more: (n, file) => `… and ${n} more in ${file}`,
  csvTitle: 'Attached',
  csvLine: (file, n) => `${file}: your ${n} ${en(n, 'account', 'accounts')} with the period's figures`,
  notAvailable: 'n/a',
  footer: (when) =>
    `Computed from your company's data on ${when}. Sent to you as the owner of these accounts.`,
  teamTitle: 'Books of business',
  teamIntro: 'Each CSM receives a digest of their own accounts.',
  unassigned: 'Unassigned',
  unassignedLine: (n, mrr) => `${n} ${en(n, 'account has', 'accounts have')} no owner (MRR ${mrr}).`,
  rejectedTitle: 'Owners that receive no digest',
  rejectedLine: (owner, reason, n) => `${owner}: ${reason}, ${n} ${en(n, 'account', 'accounts')}`,
  rejectedReasons: {
    csm_owner_not_an_address: 'not an e-mail address',
    csm_owner_outside_domains: 'outside the allowed domains',
  },
};

const ID: CsmMessages = {
  title: { weekly: 'Portofolio akun Anda minggu ini', monthly: 'Portofolio akun Anda bulan ini' },
  subject: (period, n, mrr) => `Portofolio Anda · ${period}: ${n} akun, MRR ${mrr}`,
  intro: (owner, n) => `${n} akun yang dipegang ${owner} pada akhir periode.`,
  headlineTitle: 'Portofolio Anda',
  figures: {
    mrr: 'MRR',
    customers: 'Pelanggan',
    net_new_mrr: 'MRR baru bersih',
    net_revenue_retention: 'Retensi pendapatan bersih',
    health_score: 'Skor kesehatan',
    nps: 'NPS',
  },
  columns: {
    figure: 'Angka',
    book: 'Portofolio Anda',
    previous: 'Sebelumnya',
    company: 'Perusahaan',
    account: 'Akun',
    movement: 'Perubahan',
    amount: 'Selisih',
    mrr: 'MRR',
    health: 'Kesehatan',
    fell: 'Turun',
    termEnd: 'Akhir masa',
    score: 'Skor',
    opened: 'Dibuka',
    due: 'Jatuh tempo',
    csm: 'CSM',
    accounts: 'Akun',
    atRisk: 'Berisiko',
    nrr: 'NRR',
  },
  movementsTitle: 'Akun yang berubah',
  movementsNone: 'Tidak ada akun Anda yang MRR-nya berubah pada periode ini.',
  movements: {
    new: 'Baru',
    reactivation: 'Aktif kembali',
    expansion: 'Ekspansi',
    contraction: 'Kontraksi',
    churn: 'Churn',
  },
  atRiskTitle: 'Akun berisiko (kesehatan di bawah 40)',
  atRiskNone: 'Tidak ada akun Anda yang berisiko.',
  healthDropsTitle: 'Kesehatan turun 15 poin atau lebih',
  healthDropsNone: 'Tidak ada akun yang kehilangan 15 poin kesehatan atau lebih sejak periode sebelumnya.',
  components: {
    frequency: 'frekuensi',
    breadth: 'keluasan',
    depth: 'kedalaman',
    sentiment: 'sentimen',
    supportBilling: 'dukungan dan tagihan',
  },
  renewalsTitle: 'Perpanjangan dalam 90 hari ke depan',
  renewalsNone: 'Tidak ada masa kontrak triwulanan atau tahunan Anda yang berakhir dalam 90 hari ke depan.',
  renewalWindow: (d) => `dalam ${d} hari`,
  monthlyRenewals: (n, mrr) => `Juga ${n} langganan bulanan diperpanjang dalam 30 hari (MRR ${mrr}).`,
  inDays: (d) => `${d} hari lagi`,
  surveysTitle: 'Jawaban survei',
  surveysNone: 'Tidak ada jawaban survei dari akun Anda pada periode ini.',
  noComment: '(tanpa komentar)',
  detractor: 'detraktor',
  ticketsTitle: 'Tiket terbuka lebih dari 3 hari',
  ticketsNone: 'Tidak ada tiket Anda yang terbuka lebih dari 3 hari.',
  ageDays: (d) => `terbuka ${d} hari`,
  invoicesTitle: 'Tagihan lewat jatuh tempo',
  invoicesNone: 'Tidak ada tagihan Anda yang lewat jatuh tempo.',
  more: (n, file) => `… dan ${n} lainnya di ${file}`,
  csvTitle: 'Lampiran',
  csvLine: (file, n) => `${file}: ${n} akun Anda dengan angka periode ini`,
  notAvailable: 't/t',
  footer: (when) =>
    `Dihitung dari data perusahaan Anda pada ${when}. Dikirim kepada Anda sebagai pemegang akun-akun ini.`,
  teamTitle: 'Portofolio per CSM',
  teamIntro: 'Setiap CSM menerima ringkasan akun miliknya sendiri.',
  unassigned: 'Tanpa pemegang',
  unassignedLine: (n, mrr) => `${n} akun tidak memiliki pemegang (MRR ${mrr}).`,
  rejectedTitle: 'Pemegang yang tidak menerima ringkasan',
  rejectedLine: (owner, reason, n) => `${owner}: ${reason}, ${n} akun`,
  rejectedReasons: {
    csm_owner_not_an_address: 'bukan alamat e-mail',
    csm_owner_outside_domains: 'di luar domain yang diizinkan',
  },
};

const PL: CsmMessages = {
  title: { weekly: 'Twój portfel klientów w tym tygodniu', monthly: 'Twój portfel klientów w tym miesiącu' },
  subject: (period, n, mrr) =>
    `Twój portfel · ${period}: ${n} ${pl(n, 'konto', 'konta', 'kont')}, MRR ${mrr}`,
  intro: (owner, n) =>
    `${n} ${pl(n, 'konto', 'konta', 'kont')} prowadzonych przez ${owner} na koniec okresu.`,
  headlineTitle: 'Twój portfel',
  figures: {
    mrr: 'MRR',
    customers: 'Klienci',
    net_new_mrr: 'Nowe MRR netto',
    net_revenue_retention: 'Retencja przychodu netto',
    health_score: 'Wskaźnik kondycji',
    nps: 'NPS',
  },
  columns: {
    figure: 'Wskaźnik',
    book: 'Twój portfel',
    previous: 'Poprzednio',
    company: 'Firma',
    account: 'Konto',
    movement: 'Zmiana',
    amount: 'Różnica',
    mrr: 'MRR',
    health: 'Kondycja',
    fell: 'Spadły',
    termEnd: 'Koniec okresu',
    score: 'Ocena',
    opened: 'Otwarty',
    due: 'Termin',
    csm: 'CSM',
    accounts: 'Konta',
    atRisk: 'Zagrożone',
    nrr: 'NRR',
  },
  movementsTitle: 'Konta ze zmianą MRR',
  movementsNone: 'Żadne z Twoich kont nie zmieniło MRR w tym okresie.',
  movements: {
    new: 'Nowe',
    reactivation: 'Powrót',
    expansion: 'Rozszerzenie',
    contraction: 'Zmniejszenie',
    churn: 'Odejście',
  },
  atRiskTitle: 'Konta zagrożone (kondycja poniżej 40)',
  atRiskNone: 'Żadne z Twoich kont nie jest zagrożone.',
  healthDropsTitle: 'Kondycja spadła o 15 punktów lub więcej',
  healthDropsNone: 'Żadne konto nie straciło 15 punktów kondycji lub więcej od poprzedniego okresu.',
  components: {
    frequency: 'częstotliwość',
    breadth: 'zasięg',
    depth: 'głębokość',
    sentiment: 'nastawienie',
    supportBilling: 'wsparcie i płatności',
  },
  renewalsTitle: 'Odnowienia w ciągu 90 dni',
  renewalsNone: 'Żaden kwartalny ani roczny okres Twoich umów nie kończy się w ciągu 90 dni.',
  renewalWindow: (d) => `w ciągu ${d} dni`,
  monthlyRenewals: (n, mrr) =>
    `Ponadto ${n} ${pl(n, 'subskrypcja miesięczna odnawia', 'subskrypcje miesięczne odnawiają', 'subskrypcji miesięcznych odnawia')} się w ciągu 30 dni (MRR ${mrr}).`,
  inDays: (d) => `za ${d} ${pl(d, 'dzień', 'dni', 'dni')}`,
  surveysTitle: 'Odpowiedzi w ankietach',
  surveysNone: 'Brak odpowiedzi w ankietach od Twoich kont w tym okresie.',
  noComment: '(bez komentarza)',
  detractor: 'krytyk',
  ticketsTitle: 'Zgłoszenia otwarte dłużej niż 3 dni',
  ticketsNone: 'Żadne z Twoich zgłoszeń nie jest otwarte dłużej niż 3 dni.',
  ageDays: (d) => `otwarte ${d} ${pl(d, 'dzień', 'dni', 'dni')}`,
  invoicesTitle: 'Zaległe faktury',
  invoicesNone: 'Żadna z Twoich faktur nie jest zaległa.',
  more: (n, file) => `… i ${n} więcej w pliku ${file}`,
  csvTitle: 'W załączniku',
  csvLine: (file, n) =>
    `${file}: ${n} ${pl(n, 'Twoje konto', 'Twoje konta', 'Twoich kont')} z wynikami okresu`,
  notAvailable: 'b.d.',
  footer: (when) => `Obliczone z danych Twojej firmy ${when}. Wysłane do Ciebie jako opiekuna tych kont.`,
  teamTitle: 'Portfele opiekunów',
  teamIntro: 'Każdy opiekun otrzymuje zestawienie własnych kont.',
  unassigned: 'Bez opiekuna',
  unassignedLine: (n, mrr) =>
    `${n} ${pl(n, 'konto nie ma', 'konta nie mają', 'kont nie ma')} opiekuna (MRR ${mrr}).`,
  rejectedTitle: 'Opiekunowie, do których nic nie wysyłamy',
  rejectedLine: (owner, reason, n) => `${owner}: ${reason}, ${n} ${pl(n, 'konto', 'konta', 'kont')}`,
  rejectedReasons: {
    csm_owner_not_an_address: 'to nie jest adres e-mail',
    csm_owner_outside_domains: 'domena spoza dozwolonych',
  },
};

export const CSM_MESSAGES: Readonly<Record<Locale, CsmMessages>> = { en: EN, id: ID, pl: PL };
