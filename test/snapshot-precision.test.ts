import { describe, expect, it } from 'vitest';
import { DECIMALS, roundFigure, roundTo } from '../functions/core/precision.js';
import { dataRelativePath } from '../functions/app/report.js';

describe('snapshot precision', () => {
  it('rounds float noise away and keeps money exact to the cent', () => {
    expect(roundFigure(135.99999999999991, 'percent')).toBe(136);
    expect(roundFigure(0.1 + 0.2, 'ratio')).toBe(0.3);
    expect(roundFigure(1.005, 'currency')).toBe(1.01);
    expect(roundFigure(-2.675, 'currency')).toBe(-2.68);
    expect(roundFigure(12345678.125, 'currency')).toBe(12345678.13);
    expect(roundTo(-0.00001, 4)).toBe(0);
    expect(roundFigure(null, 'days')).toBeNull();
    expect(DECIMALS.currency).toBe(2);
    expect(String(roundFigure(2 / 3, 'percent'))).toBe('0.6667');
  });

  it('names files relative to the data folder', () => {
    expect(dataRelativePath('/home/me/data/invoices/2026-11.csv', '/home/me/data')).toBe(
      'invoices/2026-11.csv',
    );
    expect(dataRelativePath('/elsewhere/x.csv', '/home/me/data')).toBe('x.csv');
    expect(dataRelativePath('s3://bucket/invoices/a.parquet', null)).toBe('s3://bucket/invoices/a.parquet');
  });
});
