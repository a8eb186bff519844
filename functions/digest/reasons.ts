/**
 * Why a KPI or a table is not available, in the reader's language. The snapshot keeps the
 * report's own English reason (it is for programs and for the CLI); the digest recognises each
 * reason the report can give and words it through the locale files. A reason it does not know
 * is never shown in English: the digest says "see the snapshot" instead.
 */
import { TABLE_NAMES } from '../contract/contract.js';

export type ReasonKey =
  | 'noSurveyResponses'
  | 'noTicketsResolved'
  | 'noTicketsAnswered'
  | 'periodHasNoDays'
  | 'noActiveUsers30Days'
  | 'noActiveUsers'
  | 'noPayingCustomersLastDay'
  | 'noPayingAccountsLastDay'
  | 'noSessions'
  | 'noAccountsFirstWeek'
  | 'noAccountsOnboarded'
  | 'noAccountsFirstValue'
  | 'noAccountsCreated'
  | 'noInvoicesDue'
  | 'noCsCosts'
  | 'someCsCosts'
  | 'noPayingCustomersStartOrEnd'
  | 'noPayingCustomersStart'
  | 'noPayingCustomersEnd'
  | 'noEarlierPeriod'
  | 'fewerThanSixMonths'
  | 'noPayingCustomersSixMonths'
  | 'noChurnSixMonths'
  | 'noMrrAtStart'
  | 'noContractionOrChurn'
  | 'noTermEnded'
  | 'healthWeights'
  | 'notComputed'
  | 'tablesAbsent'
  // Why a table is absent (functions/adapters/engines/*.ts `absentReason`).
  | 'tableNotConfigured'
  | 'tableNotConfiguredInStack'
  | 'tableNoFolder'
  | 'tableNotAFolder'
  | 'tableNoFiles';

export interface ReasonMatch {
  readonly key: ReasonKey;
  /** Values the sentence needs: survey names, counts, table names (already joined), paths. */
  readonly args: readonly string[];
}

const EXACT: Readonly<Record<string, ReasonKey>> = {
  'no tickets resolved in the period': 'noTicketsResolved',
  'no tickets first answered in the period': 'noTicketsAnswered',
  'the period has no days': 'periodHasNoDays',
  'no active users in the 30 days ending on last_day': 'noActiveUsers30Days',
  'no active users in the period': 'noActiveUsers',
  'no paying customers on last_day': 'noPayingCustomersLastDay',
  'no paying accounts on last_day': 'noPayingAccountsLastDay',
  'no sessions started in the period': 'noSessions',
  'no accounts created between first_day − 7 days and last_day − 7 days': 'noAccountsFirstWeek',
  'no accounts onboarded in the period': 'noAccountsOnboarded',
  'no accounts reached first value in the period': 'noAccountsFirstValue',
  'no accounts created in the period': 'noAccountsCreated',
  'no invoices (not void) due in the period': 'noInvoicesDue',
  'no cs_costs rows for the months the period touches': 'noCsCosts',
  'no paying customers at the start or at the end of the period': 'noPayingCustomersStartOrEnd',
  'no paying customers at the start of the period': 'noPayingCustomersStart',
  'no paying customers at the end of the period': 'noPayingCustomersEnd',
  'no earlier period to count the customers at the start': 'noEarlierPeriod',
  'fewer than six complete calendar months to measure churn': 'fewerThanSixMonths',
  'no paying customers in the six complete months before the period end': 'noPayingCustomersSixMonths',
  'no customer churn in the six complete months before the period end (lifetime unbounded)':
    'noChurnSixMonths',
  'no MRR at the start of the period': 'noMrrAtStart',
  'no contraction or churn in the period': 'noContractionOrChurn',
  'no subscription term ended in the period': 'noTermEnded',
  'not computed': 'notComputed',
  'not configured': 'tableNotConfigured',
  'not configured in the stack (tables)': 'tableNotConfiguredInStack',
  // The conversion rate names the column it lacks.
  'no accounts (account sign-up dates)': 'tablesAbsent',
};

const PATTERNS: readonly (readonly [RegExp, ReasonKey])[] = [
  [/^no (NPS|CSAT|CES) responses in the period$/, 'noSurveyResponses'],
  [/^cs_costs has rows for (\d+) of the (\d+) months the period touches$/, 'someCsCosts'],
  [/^health weights? .*$/i, 'healthWeights'],
  [/^no ([a-z_]+)\/ folder in the data folder$/, 'tableNoFolder'],
  [/^([a-z_]+) is not a folder in (.+)$/, 'tableNotAFolder'],
  [/^([a-z_]+)\/ holds no .+ files$/, 'tableNoFiles'],
];

const TABLES_LONGEST_FIRST = [...TABLE_NAMES].sort((a, b) => b.length - a.length);

/**
 * "no accounts (why), no invoices" or "no subscriptions, no usage_events table": the tables
 * named, or null when the text is not such a list. The parenthesised whys are left out (the
 * data-quality section gives each table's own).
 */
function absentTables(text: string): string[] | null {
  const tables: string[] = [];
  let rest = text;
  while (rest.length > 0) {
    if (!rest.startsWith('no ')) return null;
    rest = rest.slice(3);
    const table = TABLES_LONGEST_FIRST.find(
      (t) => rest.startsWith(t) && (rest.length === t.length || /^[ ,]/.test(rest.slice(t.length))),
    );
    if (!table) return null;
    tables.push(table);
    rest = rest.slice(table.length);
    if (rest.startsWith(' table')) rest = rest.slice(' table'.length);
    if (rest.startsWith(' (')) {
      let depth = 0;
      let end = -1;
      for (let i = 1; i < rest.length; i += 1) {
        if (rest[i] === '(') depth += 1;
        if (rest[i] === ')') depth -= 1;
        if (depth === 0) {
          end = i;
          break;
        }
      }
      if (end === -1) return null;
      rest = rest.slice(end + 1);
    }
    if (rest.startsWith(', ')) rest = rest.slice(2);
    else if (rest !== '') return null;
  }
  return tables.length > 0 ? tables : null;
}

/** The reason as a key and its values; null for a reason the digest does not know. */
export function matchReason(raw: string): ReasonMatch | null {
  // "not available: …" is the report's prefix; the digest says "not available" itself.
  const text = raw.trim().replace(/^not available:\s*/i, '');
  const exact = EXACT[text];
  if (exact === 'tablesAbsent') return { key: 'tablesAbsent', args: ['accounts'] };
  if (exact) return { key: exact, args: [] };
  for (const [re, key] of PATTERNS) {
    const m = re.exec(text);
    if (m) return { key, args: m.slice(1) };
  }
  const tables = absentTables(text);
  if (tables) return { key: 'tablesAbsent', args: [tables.join(', ')] };
  return null;
}
