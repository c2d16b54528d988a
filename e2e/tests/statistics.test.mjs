// Statistics through the pages: a Honduran officer opens "Figures by country" from the menu,
// submits figures whose cells miss the total (the page names the gap), corrects them and
// finds them saved with their revision; then imports a CSV file through the import page —
// the upload's progress and the server's report on the page, a refused file listing every
// rejected row with nothing written, an accepted one listing its periods — and finally sees
// the dashboard's charts with their text alternative.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { errorsOf, follow, launchBrowser, loginDemo, newPage, pathOf, submit, text, withArtifacts } from '../lib/browser.mjs';
import { startServer } from '../lib/server.mjs';

const IND = 'smuggled_migrants_detected';

let server;
let browser;
let officer;
const pages = () => ({ officer });

before(async () => {
  server = await startServer('statistics');
  browser = await launchBrowser();
  officer = await newPage(browser, server.baseURL, 'en-US');
  await loginDemo(officer, 'officer.hn');
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('an officer submits figures through the page, the gap named first', async () => {
  await withArtifacts('statistics-submit', pages, async () => {
    await officer.goto('/');
    await follow(officer, 'nav.main-nav a[href="/statistics"]');
    assert.equal(pathOf(officer), '/statistics');
    assert.equal(await text(officer, 'h1'), 'Figures by country');
    await officer.selectOption('#statistics-filters select[name=indicator]', IND);
    await submit(officer, '#statistics-filters');
    // Other countries' small cells read "suppressed", never zero.
    assert.ok((await officer.locator('.stats-suppressed').count()) > 0, 'suppressed cells are marked');
    assert.equal(await text(officer, '.stats-suppressed'), 'suppressed');
    const period = await officer.inputValue('#statistics-filters select[name=period]');

    await follow(officer, '#statistics-enter');
    assert.equal(pathOf(officer), '/statistics/submit');
    const form = '#statistics-form';
    await officer.fill(`${form} input[name=total]`, '40');
    await officer.fill(`${form} input[name=d0_0]`, 'Honduras');
    await officer.selectOption(`${form} select[name=d1_0]`, 'female');
    await officer.fill(`${form} input[name=value_0]`, '2');
    await officer.fill(`${form} input[name=d0_1]`, 'Guatemala');
    await officer.selectOption(`${form} select[name=d1_1]`, 'male');
    await officer.fill(`${form} input[name=value_1]`, '37');
    await submit(officer, form);
    assert.match(await errorsOf(officer), /the cells add up to 39, the total is 40/);
    // The form came back as typed: one number to correct.
    assert.equal(await officer.inputValue(`${form} input[name=total]`), '40');
    await officer.fill(`${form} input[name=value_0]`, '3');
    await submit(officer, form);
    assert.equal(pathOf(officer), '/statistics');
    assert.equal(new URL(officer.url()).searchParams.get('period'), period);
    assert.equal(await text(officer, '#country-hn .stats-total'), '40');
    await follow(officer, '#country-hn a.stats-revisions');
    assert.match(await text(officer, '#statistics-revisions'), /Revision 1/);
  });
});

async function upload(page, name, body) {
  await page.setInputFiles('#stats-import-file', { name, mimeType: 'text/csv', buffer: Buffer.from(body) });
  // The upload goes through the page's script: no navigation, the report appears in place.
  await page.locator('#stats-import-form button[type=submit]').click();
}

test('an officer imports a CSV file and reads the report on the page', async () => {
  await withArtifacts('statistics-import', pages, async () => {
    await officer.goto('/statistics');
    await follow(officer, '#statistics-import');
    assert.equal(pathOf(officer), '/statistics/import');
    assert.equal(await officer.locator('#stats-import-progress').count(), 1, 'a progress bar for the upload');
    assert.ok((await officer.locator('#template-csv').getAttribute('href')).includes('format=csv'));
    const tpl = await officer.request.get(await officer.locator('#template-csv').getAttribute('href'));
    assert.equal(tpl.status(), 200);
    assert.match(await tpl.text(), /^period,nationality,sex,value/);

    // A file with bad rows: each one reported with its reason, nothing written.
    await upload(officer, 'bad.csv', 'period,nationality,sex,value\n2026-Q3,hn,female,12\n2026-Q3,zz,male,4\n2026-Q3,gt,male,-2\n');
    await officer.locator('#stats-import-rejected li').first().waitFor();
    const rejected = await officer.locator('#stats-import-rejected li').allTextContents();
    assert.equal(rejected.length, 2, rejected.join(' | '));
    assert.match(rejected[0], /^Line 3 · Nationality: /);
    assert.match(rejected[1], /^Line 4 · Number: must not be negative/);
    assert.match(await text(officer, '#stats-import-refused'), /Nothing of the file was saved/);
    assert.equal(await officer.locator('#stats-import-progress').isHidden(), true);
    const before = await officer.request.get(`/api/v1/statistics?indicator=${IND}&period=2026-Q3&countries=hn`);
    assert.deepEqual((await before.json()).items, [], 'nothing half-written');

    // A good file: the periods written, each a new revision.
    await upload(officer, 'good.csv', 'period,nationality,sex,value\n2026-Q3,hn,female,12\n2026-Q3,gt,male,30\n2026-Q4,hn,female,15\n');
    await officer.locator('#stats-import-periods li').first().waitFor();
    const written = await officer.locator('#stats-import-periods li').allTextContents();
    assert.deepEqual(written, ['2026-Q3 · Revision 1', '2026-Q4 · Revision 1']);
    await officer.goto(`/statistics?indicator=${IND}&period=2026-Q3`);
    assert.equal(await text(officer, '#country-hn .stats-total'), '42');
  });
});

test('the dashboard shows its charts with a text alternative', async () => {
  await withArtifacts('statistics-dashboard', pages, async () => {
    await officer.goto(`/dashboard?indicator=${IND}`);
    const charts = officer.locator('svg[role=img]');
    assert.ok((await charts.count()) >= 2, 'charts are drawn');
    for (let i = 0; i < (await charts.count()); i++) {
      const svg = charts.nth(i);
      assert.ok(((await svg.locator('title').first().textContent()) ?? '').length > 3, 'a title');
      assert.ok(((await svg.locator('desc').first().textContent()) ?? '').length > 10, 'a description');
    }
    // The same figures as a table beside the charts.
    assert.ok((await officer.locator('table#totals tbody tr').count()) > 0);
  });
});
