/**
 * The digest in a real browser engine (Debian's chromium, driven by playwright-core) at a
 * phone's and a desktop's width: no horizontal overflow, the headline figures visible, the
 * charts' alternative text present. Screenshots go to out/screenshots/ for people to look at.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderDigest, type Locale } from '../functions/digest/index.js';
import { buildDigestView } from '../functions/digest/view.js';
import { HOSTILE, makeSnapshot, type MakeSnapshotOptions } from './fixtures/snapshots/make-snapshot.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const SCREENSHOTS = path.resolve('out', 'screenshots');
const WIDTHS = [375, 1024] as const;

if (!HAVE_CHROMIUM && !process.env.CI) {
  console.warn(`mail-browser: ${CHROMIUM} is missing, browser checks skipped (apt-get install chromium)`);
}

const CASES: { name: string; locale: Locale; snapshot: MakeSnapshotOptions }[] = [
  { name: 'weekly-en', locale: 'en', snapshot: { kind: 'weekly' } },
  { name: 'monthly-pl-large', locale: 'pl', snapshot: { kind: 'monthly', large: true } },
  { name: 'monthly-id-hostile', locale: 'id', snapshot: { kind: 'monthly', hostileStrings: true } },
  { name: 'weekly-en-all-null', locale: 'en', snapshot: { kind: 'weekly', allNull: true } },
];

describe.skipIf(!HAVE_CHROMIUM && !process.env.CI)('digest in Chromium', () => {
  let browser: Browser;

  beforeAll(async () => {
    if (!HAVE_CHROMIUM) {
      throw new Error(
        `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium) to run the browser checks`,
      );
    }
    await mkdir(SCREENSHOTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
  });

  for (const c of CASES) {
    it(`${c.name}: fits 375 px and 1024 px with the headline figures visible`, async () => {
      const snapshot = makeSnapshot(c.snapshot);
      const message = await renderDigest(snapshot, {
        locale: c.locale,
        from: 'digest@example.com',
        to: ['lead@example.com'],
      });
      const view = buildDigestView(snapshot, c.locale);
      for (const width of WIDTHS) {
        const page = await browser.newPage({ viewport: { width, height: 900 } });
        // Any request would be a remote resource in the mail (tracking pixel, web font): none may exist.
        const requests: string[] = [];
        page.on('request', (r) => {
          if (!r.url().startsWith('data:') && r.url() !== 'about:blank') requests.push(r.url());
        });
        try {
          await page.setContent(message.html, { waitUntil: 'load' });
          // Evaluated in the page (the project's TypeScript has no DOM types, so as text).
          const layout = (await page.evaluate(`(() => ({
            scrollWidth: document.documentElement.scrollWidth,
            innerWidth: window.innerWidth,
            scripts: document.querySelectorAll('script').length,
            charts: [...document.querySelectorAll('table[role="img"]')].map((t) => t.getAttribute('aria-label') ?? ''),
            text: document.body.innerText,
          }))()`)) as {
            scrollWidth: number;
            innerWidth: number;
            scripts: number;
            charts: string[];
            text: string;
          };
          expect(layout.scrollWidth, `${c.name} at ${width}px overflows`).toBeLessThanOrEqual(
            layout.innerWidth,
          );
          expect(layout.scripts).toBe(0);
          expect(requests).toEqual([]);

          const values = page.locator('.kpi-value');
          expect(await values.count()).toBe(view.headline.length);
          for (let i = 0; i < view.headline.length; i++) {
            const value = values.nth(i);
            expect(await value.isVisible()).toBe(true);
            expect((await value.innerText()).trim()).toBe(view.headline[i]?.value);
            const box = await value.boundingBox();
            expect(box).not.toBeNull();
            expect((box?.x ?? -1) >= 0 && (box?.x ?? 0) + (box?.width ?? 0) <= width).toBe(true);
            expect(box?.height ?? 0).toBeGreaterThan(10);
          }
          // The first headline figure is on the first screen of a phone.
          expect((await values.first().boundingBox())?.y ?? 9999).toBeLessThan(900);

          // The headline's charts, then the web section's trend bars.
          const withTrend = [...view.headline, ...view.sections.flatMap((s) => s.kpis)].filter(
            (k) => k.trend,
          );
          expect(layout.charts).toEqual(withTrend.map((k) => k.trend?.alt));
          if (c.snapshot.hostileStrings) {
            expect(layout.text).toContain(HOSTILE.script);
            expect(layout.text).toContain(HOSTILE.arabic);
          }
          await page.screenshot({ path: path.join(SCREENSHOTS, `${c.name}-${width}.png`), fullPage: true });
        } finally {
          await page.close();
        }
      }
    });
  }
});
