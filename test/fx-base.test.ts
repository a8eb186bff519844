/**
 * Money converts to any reporting currency through the base of fx_rates:
 * amount × rate(currency, d) ÷ rate(R, d), each the latest row on or before d. Hand-made
 * fixtures written here, computed on DuckDB and checked against the arithmetic to the cent.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { runReportCli } from './helpers/report-cli.js';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDbEngine } from '../functions/adapters/engines/duckdb.js';
import { buildSnapshot } from '../functions/app/report.js';
import { periodFromKey } from '../functions/core/period.js';
import { balanceDays, missingRateDay } from '../functions/core/fx-coverage.js';
import type { Snapshot } from '../functions/core/snapshot.js';

const root = mkdtempSync(join(tmpdir(), 'fx-base-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const SUB_HEADER =
  'subscription_id,account_id,plan,amount,currency,interval_months,quantity,is_trial,start_date,end_date';

/** Three accounts paying in EUR, USD and GBP since 2026-01-05, plus the given rates. */
function dataset(name: string, fxRates: string): string {
  const dir = join(root, name);
  for (const t of ['accounts', 'subscriptions', 'fx_rates']) mkdirSync(join(dir, t), { recursive: true });
  writeFileSync(
    join(dir, 'accounts', 'a.csv'),
    'account_id,name,created_at\na1,Alpha,2026-01-02T09:00:00Z\na2,Beta,2026-01-02T09:00:00Z\na3,Gamma,2026-01-03T09:00:00Z\n',
  );
  writeFileSync(
    join(dir, 'subscriptions', 's.csv'),
    `${SUB_HEADER}\n` +
      's1,a1,Pro,1234.5600,EUR,1,3,false,2026-01-05,\n' +
      's2,a2,Pro,999.9900,USD,1,2,false,2026-01-05,\n' +
      // Annual: MRR is a twelfth.
      's3,a3,Max,6000.0000,GBP,12,5,false,2026-01-05,\n',
  );
  writeFileSync(join(dir, 'fx_rates', 'fx.csv'), fxRates);
  return dir;
}

async function report(dir: string, currency: string, key = '2026-03', fxBase?: string): Promise<Snapshot> {
  const engine = await DuckDbEngine.open({ dataDir: dir });
  try {
    return await buildSnapshot(engine, {
      period: periodFromKey(key),
      currency,
      now: new Date('2026-11-23T08:00:00Z'),
      ...(fxBase ? { fxBase } : {}),
    });
  } finally {
    await engine.close();
  }
}

const cents = (v: number | null | undefined): number => Math.round((v ?? NaN) * 100);

describe('a USD-based rate table', () => {
  // Rates change during March: the closing day (03-31) takes the latest row on or before it.
  const rates =
    'date,currency,rate,base_currency\n' +
    '2026-01-01,EUR,1.0800,USD\n' +
    '2026-03-20,EUR,1.1000,USD\n' +
    '2026-04-01,EUR,1.5000,USD\n' + // after the period: never used for March
    '2026-01-01,GBP,1.2500,USD\n' +
    '2026-03-31,GBP,1.2700,USD\n';
  const dir = dataset('usd-base', rates);

  it('gives USD money as amount × rate(currency, last day)', async () => {
    const usd = await report(dir, 'USD');
    const expected = 1234.56 * 1.1 + 999.99 + (6000 / 12) * 1.27;
    expect(cents(usd.kpis.mrr.value)).toBe(Math.round(expected * 100));
    expect(usd.dataQuality.totalExcluded).toBe(0);
  });

  it('gives EUR money = USD money ÷ the EUR rate of the same day, to the cent, and drops no row', async () => {
    const [usd, eur] = await Promise.all([report(dir, 'USD'), report(dir, 'EUR')]);
    expect(eur.currency).toBe('EUR');
    expect(eur.dataQuality.totalExcluded).toBe(0);
    expect(eur.kpis.customers.value).toBe(3);
    // The stored USD figure is itself rounded to the cent, so dividing it may land one cent off.
    expect(
      Math.abs(cents(eur.kpis.mrr.value) - Math.round(((usd.kpis.mrr.value ?? NaN) / 1.1) * 100)),
    ).toBeLessThanOrEqual(1);
    // The EUR subscription itself converts at exactly 1.
    const expected = 1234.56 + (999.99 * 1) / 1.1 + ((6000 / 12) * 1.27) / 1.1;
    expect(cents(eur.kpis.mrr.value)).toBe(Math.round(expected * 100));
  });

  it('stops when the reporting currency has no rate for a day money is converted on', async () => {
    // PLN has no rate at all; EUR rates that start after money did are caught the same way.
    await expect(report(dir, 'PLN')).rejects.toMatchObject({
      name: 'MissingFxRateError',
      message: expect.stringMatching(
        /^no PLN rate in fx_rates on or before 2026-01-31 \(rates are quoted in USD\)/,
      ),
    });
    const late = dataset('late-eur', 'date,currency,rate\n2026-01-01,GBP,1.25\n2026-02-10,EUR,1.08\n');
    await expect(report(late, 'EUR')).rejects.toMatchObject({
      name: 'MissingFxRateError',
      message: expect.stringMatching(/^no EUR rate in fx_rates on or before 2026-01-31 /),
    });
  });

  it('excludes and counts rows quoted in another base', async () => {
    const mixed = dataset('mixed', `${rates}2026-01-01,PLN,0.2300,EUR\n`);
    const usd = await report(mixed, 'USD');
    expect(usd.dataQuality.excluded).toEqual([
      expect.objectContaining({
        table: 'fx_rates',
        reason: 'mixed_fx_base',
        rows: 1,
        example: expect.objectContaining({ key: 'PLN|2026-01-01' }),
      }),
    ]);
  });
});

describe('an EUR-based rate table (ECB style)', () => {
  // Units of EUR per unit of currency.
  const rates =
    'date,currency,rate,base_currency\n' +
    '2026-01-01,USD,0.9000,EUR\n' +
    '2026-03-02,USD,0.9200,EUR\n' +
    '2026-01-01,GBP,1.1500,EUR\n';

  it('gives a USD report through the EUR base, to the cent', async () => {
    const usd = await report(dataset('eur-base', rates), 'USD');
    const expected = (1234.56 * 1) / 0.92 + 999.99 + ((6000 / 12) * 1.15) / 0.92;
    expect(cents(usd.kpis.mrr.value)).toBe(Math.round(expected * 100));
    expect(usd.dataQuality.totalExcluded).toBe(0);
  });

  it('takes the base from --fx-base when the table has no base_currency column', async () => {
    const noColumn = dataset('eur-config', rates.replace(/,EUR$/gm, '').replace(',base_currency', ''));
    const eur = await report(noColumn, 'EUR', '2026-03', 'EUR');
    const expected = 1234.56 + 999.99 * 0.92 + (6000 / 12) * 1.15;
    expect(cents(eur.kpis.mrr.value)).toBe(Math.round(expected * 100));
    // Read as USD-quoted (the default base), the same rates are wrong by construction: the
    // table then has no EUR rate, and the run stops instead of printing USD figures as euros.
    await expect(report(noColumn, 'EUR')).rejects.toMatchObject({ name: 'MissingFxRateError' });
  });
});

describe('the days a reporting-currency rate is needed on', () => {
  const periods = [periodFromKey('2026-03'), periodFromKey('2026-02')];
  it('are the day before each period and its last day, from the first day with foreign money', () => {
    expect(balanceDays(periods)).toEqual(['2026-01-31', '2026-02-28', '2026-03-31']);
    const coverage = {
      reportingCurrency: 'EUR',
      baseCurrency: 'USD',
      firstMoneyDay: '2026-02-10',
      firstRateDay: '2026-02-20',
    };
    expect(missingRateDay(coverage, periods)).toBeNull();
    expect(missingRateDay({ ...coverage, firstRateDay: '2026-03-01' }, periods)).toBe('2026-02-28');
    expect(missingRateDay({ ...coverage, firstRateDay: null }, periods)).toBe('2026-02-28');
    expect(missingRateDay({ ...coverage, firstMoneyDay: null, firstRateDay: null }, periods)).toBeNull();
    expect(missingRateDay({ ...coverage, baseCurrency: 'EUR', firstRateDay: null }, periods)).toBeNull();
  });
});

describe('npm run report -- --currency', () => {
  it('stops with one line naming the currency and the day, exit 2', () => {
    const dir = dataset('cli-late', 'date,currency,rate\n2026-01-01,GBP,1.25\n2026-02-10,EUR,1.08\n');
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'functions/cli/report.ts',
        '--data',
        dir,
        '--out',
        join(root, 'cli-out'),
        '--period',
        'monthly',
        '--date',
        '2026-03-15',
        '--currency',
        'EUR',
        '--dry-run',
      ],
      { encoding: 'utf8', env: { ...process.env, DEBUG: '' }, timeout: 60_000 },
    );
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([
      'error: no EUR rate in fx_rates on or before 2026-01-31 (rates are quoted in USD): EUR figures need one for every day money is converted on; add EUR rates or report in USD; nothing sent',
    ]);
  });

  it('refuses a base that is not a currency', async () => {
    const r = await runReportCli(['--fx-base', 'EURO'], { ...process.env });
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(
      'error: --fx-base: "EURO" is not an active ISO 4217 currency code (three upper-case letters, e.g. USD, EUR, PLN)',
    );
  });
});
