// The regional statistics dashboard: a Guatemalan officer opens it from the menu, narrows it
// by indicator, period range and country, and finds the charts (each with its text
// alternative) and the tables; the page fits a 390 px phone without sideways scrolling; the
// quarterly report's links give the printable page and a PDF. The public statistics on the
// portal fit the phone too.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { follow, launchBrowser, loginDemo, newPage, pathOf, submit, withArtifacts } from '../lib/browser.mjs';
import { startServer } from '../lib/server.mjs';

const LOCALE = 'en-US';

let server;
let browser;
let officer;

before(async () => {
  server = await startServer('dashboard');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const pages = () => ({ officer });

/** No horizontal scrolling on a 390 px wide phone. */
async function fitsPhone(page, path) {
  await page.setViewportSize({ width: 390, height: 800 });
  await page.goto(path);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `${path} is ${width}px wide on a 390px phone`);
  await page.setViewportSize({ width: 1280, height: 800 });
}

test('an officer filters the dashboard and opens the quarterly report', async () => {
  await withArtifacts('dashboard-filter', pages, async () => {
    officer = await newPage(browser, server.baseURL, LOCALE);
    await loginDemo(officer, 'officer.gt');
    await officer.goto('/');
    await follow(officer, 'nav.main-nav a[href="/dashboard"]');
    assert.equal(pathOf(officer), '/dashboard');
    assert.equal((await officer.locator('h1').textContent()).trim(), 'Regional statistics dashboard');

    const form = '#dashboard-filters';
    await officer.selectOption(`${form} select[name=indicator]`, 'smuggled_migrants_detected');
    await officer.fill(`${form} input[name=period_from]`, '2025-Q1');
    await officer.fill(`${form} input[name=period_to]`, '2026-Q1');
    await officer.selectOption(`${form} select[name=country]`, 'gt');
    await submit(officer, form);
    const url = new URL(officer.url());
    assert.equal(url.searchParams.get('period_from'), '2025-Q1');
    assert.equal(url.searchParams.get('country'), 'gt');
    assert.equal(await officer.inputValue(`${form} input[name=period_to]`), '2026-Q1');

    // Every chart is an SVG with a title and a description; the totals table lists the periods.
    for (const id of ['chart-map', 'chart-trend']) {
      const svg = officer.locator(`#${id} svg[role=img]`);
      assert.equal(await svg.count(), 1, `${id} is drawn`);
      assert.ok(((await svg.locator('title').first().textContent()) ?? '').length > 3, `${id} has a title`);
      assert.ok(((await svg.locator('desc').textContent()) ?? '').length > 10, `${id} has a description`);
    }
    const heads = (await officer.locator('table#totals thead th').allTextContents()).map((s) => s.trim());
    assert.deepEqual(heads.slice(1), ['2025-Q1', '2025-Q2', '2025-Q3', '2025-Q4', '2026-Q1']);

    // A bad period is refused beside the form, naming the field.
    await officer.fill(`${form} input[name=period_from]`, '2025-Q9');
    await submit(officer, form);
    assert.ok((await officer.locator('.errors [data-field=period_from]').count()) === 1, 'the error names the field');

    // The report links: the printable page and the PDF.
    await officer.goto('/dashboard?period_from=2025-Q1&period_to=2026-Q1');
    const pdfHref = await officer.locator('#report-pdf').getAttribute('href');
    assert.ok(pdfHref.startsWith('/api/v1/reports/quarterly/2026-Q1.pdf'), pdfHref);
    const pdf = await officer.request.get(pdfHref);
    assert.equal(pdf.status(), 200);
    assert.equal(pdf.headers()['content-type'], 'application/pdf');
    assert.ok((await pdf.body()).subarray(0, 5).toString() === '%PDF-');
    await follow(officer, '#report-html');
    assert.equal(pathOf(officer), '/api/v1/reports/quarterly/2026-Q1.html');
    assert.match((await officer.locator('h1').textContent()).trim(), /Quarterly regional report 2026-Q1/);
    assert.ok((await officer.locator('svg[role=img]').count()) >= 1, 'the report has its charts');
  });
});

test('the dashboard, the report and the public statistics fit a 390 px phone', async () => {
  await withArtifacts('dashboard-phone', pages, async () => {
    await fitsPhone(officer, '/dashboard');
    await fitsPhone(officer, '/dashboard?period_from=2024-Q1&period_to=2026-Q4');
    await fitsPhone(officer, '/api/v1/reports/quarterly/2026-Q1.html');
    await fitsPhone(officer, '/portal/en/statistics');
  });
});
