/** Word lists and sentences for the sample data: company names, CSM e-mails and survey comments. */

export type Language = 'en' | 'id' | 'pl';

const NAME_STEMS_EN = [
  'Northwind',
  'Bluebird',
  'Harbor',
  'Summit',
  'Cedar',
  'Lumen',
  'Ironclad',
  'Brightpath',
  'Silverline',
  'Redwood',
  'Keystone',
  'Evergreen',
  'Granite',
  'Maple',
  'Orchid',
  'Pioneer',
  'Quantum',
  'Riverstone',
  'Sparrow',
  'Tidewater',
  'Vantage',
  'Willow',
  'Zenith',
  'Atlas',
  'Beacon',
  'Copperleaf',
  'Driftwood',
  'Falcon',
  'Golden Gate',
  'Highland',
  'Juniper',
  'Kestrel',
  'Lighthouse',
  'Meridian',
  'Nimbus',
  'Oakridge',
];
const NAME_KINDS_EN = [
  'Analytics',
  'Logistics',
  'Health',
  'Software',
  'Labs',
  'Consulting',
  'Retail',
  'Media',
  'Robotics',
  'Insurance',
  'Foods',
  'Travel',
  'Energy',
  'Learning',
  'Capital',
  'Studios',
  'Systems',
  'Partners',
];
const LEGAL_EN = ['Inc.', 'LLC', 'Ltd', 'Group', 'Co.'];

const NAME_STEMS_ID = [
  'Nusantara',
  'Sinar',
  'Kopi',
  'Maju',
  'Cahaya',
  'Samudra',
  'Bumi',
  'Garuda',
  'Merapi',
  'Lautan',
];
const NAME_KINDS_ID = [
  'Digital',
  'Logistik',
  'Niaga',
  'Teknologi',
  'Sejahtera',
  'Kreatif',
  'Mandiri',
  'Solusi',
];

const NAME_STEMS_PL = [
  'Zielona',
  'Wisła',
  'Bursztyn',
  'Tatry',
  'Mazowsze',
  'Sokół',
  'Polana',
  'Orzeł',
  'Łódź',
  'Kraków',
];
const NAME_KINDS_PL = ['Logistyka', 'Systemy', 'Dane', 'Handel', 'Technologie', 'Media', 'Finanse', 'Studio'];

/** Names with characters that must be escaped wherever they are shown. */
export const TRICKY_NAMES = [
  "O'Brien & Sons",
  '"Blue Sky" Studios',
  'Bits <&> Bytes Ltd',
  'Smith & Wesley Analytics',
  'Łukasiewicz Data Sp. z o.o.',
  'PT Kopi & Teh Nusantara',
  "Müller's Feinkost GmbH",
  'R&D <Labs> Inc.',
];

export interface NameParts {
  readonly stems: readonly string[];
  readonly kinds: readonly string[];
  readonly format: (stem: string, kind: string, legal: string) => string;
  readonly legal: readonly string[];
}

export const NAME_PARTS: Record<Language, NameParts> = {
  en: { stems: NAME_STEMS_EN, kinds: NAME_KINDS_EN, legal: LEGAL_EN, format: (s, k, l) => `${s} ${k} ${l}` },
  id: {
    stems: NAME_STEMS_ID,
    kinds: NAME_KINDS_ID,
    legal: ['', 'Tbk'],
    format: (s, k, l) => `PT ${s} ${k}${l ? ` ${l}` : ''}`,
  },
  pl: {
    stems: NAME_STEMS_PL,
    kinds: NAME_KINDS_PL,
    legal: ['Sp. z o.o.', 'S.A.'],
    format: (s, k, l) => `${s} ${k} ${l}`,
  },
};

export const CSM_BY_REGION: Record<string, readonly string[]> = {
  'North America': ['olivia.bennett@example.com', 'james.carter@example.com'],
  'Western Europe': ['sophie.muller@example.com', 'lucas.martin@example.com'],
  'UK & Ireland': ['liam.oconnor@example.com'],
  'Central & Eastern Europe': ['katarzyna.nowak@example.com', 'piotr.wisniewski@example.com'],
  'Southeast Asia': ['dewi.lestari@example.com', 'budi.santoso@example.com'],
  'Latin America': ['lucia.fernandez@example.com'],
};
export const ALL_CSMS = Object.values(CSM_BY_REGION).flat();

export type Sentiment = 'positive' | 'neutral' | 'negative';

type Bank = Record<Language, Record<Sentiment, readonly string[]>>;

/** NPS comments: promoters praise speed, ease and support; detractors complain about slowness, bugs and price. */
export const NPS_COMMENTS: Bank = {
  en: {
    positive: [
      'Love the dashboards, setup was quick and easy.',
      'Great product & even better support team!',
      'The "Health score" view is exactly what our CSMs needed.',
      'Easy to use, fast, and the reports save us hours every week.',
      'We rolled it out to the whole team in a day. Great onboarding.',
      'Reliable, intuitive and the integrations just work.',
      "Best tool we've adopted this year, highly recommend.",
      'Clean interface, great exports & responsive support.',
    ],
    neutral: [
      'Good overall, but the mobile app needs work.',
      'Does the job. Would like more custom fields.',
      'Solid product; pricing is a bit high for a small team.',
      'Useful reports, although the CRM sync is sometimes delayed.',
      "Fine for now, we'll see after the renewal.",
    ],
    negative: [
      'Too slow when loading large reports.',
      'Expensive for what we get & support takes days to reply.',
      'Constant bugs after the last release, very frustrating.',
      'The export keeps failing and nobody has fixed it.',
      "We can't get the integration to work; considering alternatives.",
      'Pricing went up again without any new value.',
      'Confusing navigation, my team stopped using it.',
    ],
  },
  id: {
    positive: [
      'Aplikasinya mudah digunakan dan sangat membantu tim kami.',
      'Laporannya cepat & akurat, terima kasih!',
      'Fitur "Dashboard" sangat berguna untuk rapat mingguan.',
      'Tim support sangat responsif dan ramah.',
      'Sangat puas, proses onboarding cepat sekali.',
      'Mantap! Integrasinya lancar tanpa masalah.',
    ],
    neutral: [
      'Cukup bagus, tapi harganya agak mahal.',
      'Lumayan, semoga ada fitur ekspor ke Excel.',
      'Secara umum oke, kadang agak lambat.',
    ],
    negative: [
      'Aplikasinya sering lambat dan error.',
      'Harganya terlalu mahal untuk fitur yang ada.',
      'Support lama sekali membalas, kami kecewa.',
      'Sinkronisasi data sering gagal & belum ada solusi.',
      'Susah dipakai, tim kami jadi malas membuka aplikasinya.',
    ],
  },
  pl: {
    positive: [
      'Świetne narzędzie, raporty oszczędzają nam mnóstwo czasu.',
      'Bardzo intuicyjny interfejs i szybkie wdrożenie.',
      'Wsparcie odpowiada błyskawicznie, polecam!',
      'Moduł "Health score" to dokładnie to, czego potrzebowaliśmy.',
      'Stabilne, wygodne i łatwe w obsłudze.',
    ],
    neutral: [
      'Ogólnie dobrze, ale brakuje kilku integracji.',
      'Całkiem przydatne, choć cena jest dość wysoka.',
      'Działa poprawnie, czasem wolno się ładuje.',
    ],
    negative: [
      'Aplikacja działa bardzo wolno i często się zawiesza.',
      'Za drogo w stosunku do możliwości.',
      'Błędy po każdej aktualizacji, eksport nie działa.',
      'Czekamy na odpowiedź wsparcia od tygodnia. Rozważamy rezygnację.',
      'Nieczytelne menu, zespół przestał z tego korzystać.',
    ],
  },
};

/** CSAT comments after a support ticket. */
export const CSAT_COMMENTS: Bank = {
  en: {
    positive: [
      'Quick answer, problem solved.',
      'Thanks, fixed in minutes!',
      'Clear explanation & helpful links.',
      'Very helpful agent.',
    ],
    neutral: ['Solved, but it took a while.', 'OK answer, a bit generic.'],
    negative: [
      'Took three days to get a reply.',
      'The issue is still not fixed.',
      'I had to explain the problem twice.',
      'The answer was a copy of the docs page.',
    ],
  },
  id: {
    positive: ['Cepat dan jelas, terima kasih!', 'Masalah langsung selesai.', 'Agennya ramah & membantu.'],
    neutral: ['Sudah selesai, tapi agak lama.'],
    negative: [
      'Balasannya lama sekali.',
      'Masalahnya belum selesai juga.',
      'Saya harus menjelaskan dua kali.',
    ],
  },
  pl: {
    positive: ['Szybko i konkretnie, dziękuję!', 'Problem rozwiązany od ręki.', 'Bardzo pomocny konsultant.'],
    neutral: ['Rozwiązane, ale trwało to dość długo.'],
    negative: [
      'Odpowiedź przyszła po trzech dniach.',
      'Problem nadal nie jest rozwiązany.',
      'Musiałem dwa razy tłumaczyć to samo.',
    ],
  },
};

/** CES comments after onboarding or a support contact. */
export const CES_COMMENTS: Bank = {
  en: {
    positive: [
      'Setup took five minutes.',
      'Importing our data was straightforward.',
      'Everything was where I expected it.',
    ],
    neutral: ['Mostly easy, the permissions page was confusing.'],
    negative: [
      'Too many steps to configure SSO.',
      'The CSV import kept rejecting our file.',
      'Had to contact support to finish the setup.',
    ],
  },
  id: {
    positive: ['Pengaturannya gampang sekali.', 'Impor data berjalan lancar.'],
    neutral: ['Cukup mudah, tapi halaman izin membingungkan.'],
    negative: ['Terlalu banyak langkah untuk konfigurasi.', 'Impor CSV selalu gagal.'],
  },
  pl: {
    positive: ['Konfiguracja zajęła kilka minut.', 'Import danych poszedł bez problemów.'],
    neutral: ['W miarę prosto, ale ustawienia uprawnień są zagmatwane.'],
    negative: ['Za dużo kroków przy konfiguracji SSO.', 'Import CSV ciągle odrzucał nasz plik.'],
  },
};

/** Product features, most popular first; the index is the popularity rank. */
export const FEATURES = [
  'dashboard_viewed',
  'report_generated',
  'search_performed',
  'filter_applied',
  'record_updated',
  'comment_added',
  'export_csv',
  'alert_created',
  'ai_summary_generated',
  'integration_synced',
  'share_link_created',
  'workflow_automated',
  'invite_sent',
  'api_key_created',
] as const;

/** The feature launched late in the history (its adoption grows from zero). */
export const NEW_FEATURE = 'ai_summary_generated';

export interface WebPage {
  readonly path: string;
  readonly links: readonly (readonly [linkId: string, target: string])[];
}

export const WEB_PAGES: readonly WebPage[] = [
  {
    path: '/',
    links: [
      ['hero-start-trial', '/signup'],
      ['nav-pricing', '/pricing'],
      ['hero-watch-demo', '/demo'],
    ],
  },
  {
    path: '/pricing',
    links: [
      ['pricing-start-trial', '/signup'],
      ['pricing-contact-sales', '/contact'],
      ['pricing-faq', '/pricing#faq'],
    ],
  },
  {
    path: '/features',
    links: [
      ['features-health-score', '/features/health-score'],
      ['nav-pricing', '/pricing'],
    ],
  },
  { path: '/features/health-score', links: [['cta-start-trial', '/signup']] },
  {
    path: '/customers',
    links: [
      ['case-study-read', '/customers/northwind'],
      ['cta-start-trial', '/signup'],
    ],
  },
  { path: '/customers/northwind', links: [['cta-contact-sales', '/contact']] },
  {
    path: '/blog/reduce-churn-with-health-scores',
    links: [
      ['blog-cta-trial', '/signup'],
      ['blog-related', '/blog/nps-vs-csat'],
    ],
  },
  {
    path: '/blog/nps-vs-csat',
    links: [
      ['blog-cta-trial', '/signup'],
      ['blog-related', '/blog/reduce-churn-with-health-scores'],
    ],
  },
  {
    path: '/docs/getting-started',
    links: [
      ['docs-next', '/docs/integrations'],
      ['docs-support', '/contact'],
    ],
  },
  { path: '/docs/integrations', links: [['docs-support', '/contact']] },
  { path: '/signup', links: [] },
  { path: '/contact', links: [] },
  { path: '/demo', links: [['demo-book-call', '/contact']] },
  { path: '/pricing#faq', links: [['pricing-start-trial', '/signup']] },
];

export const SOCIAL_PLATFORMS: readonly (readonly [
  platform: string,
  weight: number,
  engagementRate: number,
  medianImpressions: number,
])[] = [
  ['linkedin', 0.45, 0.028, 3200],
  ['x', 0.25, 0.012, 2400],
  ['instagram', 0.2, 0.04, 1800],
  ['youtube', 0.1, 0.035, 900],
];
