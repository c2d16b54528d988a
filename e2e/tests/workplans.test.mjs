// Work plans: a Belizean officer opens the 2018 work plan, records Belize's progress on
// action 1.5 through its form, and sees it in the roll-up (axis 1 and the whole plan); a
// Guatemalan officer (another browser context) reads the same roll-up, and the progress
// exports as CSV.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  errorsOf,
  follow,
  launchBrowser,
  loginDemo,
  newPage,
  pathOf,
  submit,
  text,
  withArtifacts,
} from '../lib/browser.mjs';
import { startServer } from '../lib/server.mjs';

const LOCALE = 'en-US';
const EVIDENCE = `Quarterly figures loaded into the regional database (test ${Date.now()})`;

let server;
let browser;
let bzOfficer;
let gtOfficer;
let planPath;

before(async () => {
  server = await startServer('workplans');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const pages = () => ({ bzOfficer, gtOfficer });

/** The words of the roll-up cell of `country` on row `axis` (an axis number or 'all'). */
async function rollupCell(page, axis, country) {
  const cell = page.locator(`table#rollup tr[data-axis="${axis}"] td[data-country="${country}"]`);
  assert.equal(await cell.count(), 1, `the roll-up has a cell for ${country} on ${axis}`);
  return ((await cell.textContent()) ?? '').replace(/\s+/g, ' ').trim();
}

test('an officer records progress on action 1.5 and sees the roll-up', async () => {
  await withArtifacts('workplans-record', pages, async () => {
    bzOfficer = await newPage(browser, server.baseURL, LOCALE);
    await loginDemo(bzOfficer, 'officer.bz');
    await bzOfficer.goto('/');
    await follow(bzOfficer, 'nav.main-nav a[href="/workplans"]');
    assert.equal(pathOf(bzOfficer), '/workplans');
    const link = bzOfficer.locator('table#workplans a', { hasText: 'Work Plan on migrant smuggling' });
    assert.equal(await link.count(), 1, 'the 2018 work plan is listed');
    await follow(bzOfficer, 'table#workplans a:has-text("Work Plan on migrant smuggling")');
    planPath = pathOf(bzOfficer);
    assert.match(planPath, /^\/workplans\/[0-9a-f]{32}$/);
    // 38 actions in 4 axes.
    assert.equal(await bzOfficer.locator('ul.wp-actions > li').count(), 38);
    assert.match(await rollupCell(bzOfficer, 1, 'bz'), /0 %\s*No progress · 0\/11/);

    const item = 'li#action-1-5';
    assert.match(await text(bzOfficer, `${item} p`), /Action 1\.5\./);
    await bzOfficer.locator(`${item} details summary`).click();
    const form = `form#form-action-1-5`;
    await bzOfficer.selectOption(`${form} select[name=status]`, 'done');
    await bzOfficer.fill(`${form} textarea[name=evidence]`, EVIDENCE);
    await bzOfficer.fill(`${form} input[name=link]`, 'https://example.org/bz/statistics');
    await bzOfficer.fill(`${form} input[name=date]`, '2026-03-31');
    await submit(bzOfficer, form);
    assert.equal(pathOf(bzOfficer), planPath, `saving returns to the plan (errors: ${await errorsOf(bzOfficer)})`);
    assert.equal(await text(bzOfficer, '#status-action-1-5'), 'Belize: Done');
    assert.ok((await bzOfficer.content()).includes(EVIDENCE), 'the evidence is shown');
    assert.match(await rollupCell(bzOfficer, 1, 'bz'), /9 %\s*Started · 1\/11/);
    assert.match(await rollupCell(bzOfficer, 'all', 'bz'), /3 %\s*Started · 1\/38/);

    // A signed act attached to the report as evidence, then listed under it.
    await bzOfficer.locator(`${item} details summary`).click();
    const upload = 'form#upload-action-1-5';
    await bzOfficer.setInputFiles(`${upload} input[type=file]`, {
      name: 'signed act.pdf',
      mimeType: 'application/pdf',
      buffer: Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n'),
    });
    await submit(bzOfficer, upload);
    assert.equal(pathOf(bzOfficer), planPath, `attaching returns to the plan (errors: ${await errorsOf(bzOfficer)})`);
    assert.equal(await text(bzOfficer, `${item} ul.wp-files a`), 'signed act.pdf');
  });
});

test('another country reads the roll-up, and the progress exports as CSV', async () => {
  await withArtifacts('workplans-read', pages, async () => {
    gtOfficer = await newPage(browser, server.baseURL, LOCALE);
    await loginDemo(gtOfficer, 'officer.gt');
    await gtOfficer.goto(planPath);
    assert.match(await rollupCell(gtOfficer, 1, 'bz'), /1\/11/);
    // Guatemala records for Guatemala only: its own status line names it.
    assert.match(await text(gtOfficer, '#status-action-1-5'), /^Guatemala: /);
    const href = await gtOfficer.locator('a#export-csv').getAttribute('href');
    // As the browser's link would: with the browser's language.
    const res = await gtOfficer.request.get(href, { headers: { 'accept-language': LOCALE } });
    assert.equal(res.status(), 200);
    const bytes = await res.body();
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'the CSV starts with a byte-order mark');
    const csv = bytes.subarray(3).toString('utf8');
    assert.ok(csv.startsWith('Country,Axis,Action,'), 'English headers, comma-separated');
    assert.ok(csv.includes(EVIDENCE), 'the CSV carries the evidence');
  });
});
