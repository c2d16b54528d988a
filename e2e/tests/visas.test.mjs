// Visa requirements: a Mexican officer edits Mexico's row for Guatemalan nationals (a new
// version of the same date, the old one kept in the history) and confirms a proposal from a
// third-party list; a Guatemalan officer (another browser context) looks the rule up by
// nationality, destination and date and reads the answer in words with its legal source,
// but gets no edit form.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  errorsOf,
  follow,
  htmlLang,
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
const SOURCE = `Acuerdo ficticio de supresión de visados ${Date.now()}`;

let server;
let browser;
let mxOfficer;
let gtOfficer;

before(async () => {
  server = await startServer('visas');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const pages = () => ({ mxOfficer, gtOfficer });

async function open(username) {
  const page = await newPage(browser, server.baseURL, LOCALE);
  await loginDemo(page, username);
  assert.equal(await htmlLang(page), 'en', `${username}'s pages are in English`);
  return page;
}

test('a Mexican officer edits a row of Mexico and confirms a proposal', async () => {
  await withArtifacts('visas-edit', pages, async () => {
    mxOfficer = await open('officer.mx');
    await mxOfficer.goto('/visas');
    await follow(mxOfficer, 'ul#visa-tables a[href="/visas/mx"]');
    assert.equal(pathOf(mxOfficer), '/visas/mx');
    // The demo proposal is highlighted and can be confirmed from the table.
    const proposed = mxOfficer.locator('table#visa-table tr.proposed[data-nationality="br"]');
    assert.equal(await proposed.count(), 1, 'the unconfirmed proposal for Brazil is highlighted');
    await submit(mxOfficer, 'table#visa-table tr[data-nationality="br"] form.confirm-form');
    assert.equal(pathOf(mxOfficer), '/visas/mx', `confirming returns to the table (errors: ${await errorsOf(mxOfficer)})`);
    assert.equal(await mxOfficer.locator('table#visa-table tr.proposed').count(), 0, 'nothing is left to confirm');

    // Open the row for Guatemalan nationals and change it.
    await follow(mxOfficer, 'table#visa-table tr[data-nationality="gt"] a');
    assert.equal(pathOf(mxOfficer), '/visas/mx/gt');
    const form = 'form#visa-form';
    assert.equal(await mxOfficer.inputValue(`${form} input[name=effective]`), '2019-01-01', 'the form holds the row in force');
    // A visa-free rule without a stay is refused, naming the field.
    await mxOfficer.fill(`${form} input[name=max_stay_days]`, '');
    await submit(mxOfficer, form);
    assert.match(await errorsOf(mxOfficer), /Maximum stay/, 'the missing stay is named');
    await mxOfficer.selectOption(`${form} select[name=regime]`, 'visa_free');
    await mxOfficer.fill(`${form} input[name=max_stay_days]`, '90');
    await mxOfficer.fill(`${form} input[name=source]`, SOURCE);
    await mxOfficer.fill(`${form} input[name=source_url]`, 'https://example.org/acuerdo-ficticio');
    await submit(mxOfficer, form);
    assert.equal(pathOf(mxOfficer), '/visas/mx/gt', `saving returns to the rule (errors: ${await errorsOf(mxOfficer)})`);
    assert.match(await text(mxOfficer, 'table#visa-current tbody tr'), /No visa needed · maximum stay 90 days/);
    const versions = await mxOfficer.locator('table#visa-history tbody tr').count();
    assert.ok(versions >= 2, `the history keeps the previous version (${versions} rows)`);
  });
});

test('a Guatemalan officer looks the rule up and cannot change it', async () => {
  await withArtifacts('visas-lookup', pages, async () => {
    assert.ok(mxOfficer, 'needs the edit of the previous test');
    gtOfficer = await open('officer.gt');
    await follow(gtOfficer, 'nav.main-nav a[href="/visas"]');
    await gtOfficer.selectOption('form#visa-lookup select[name=nationality]', 'gt');
    await gtOfficer.selectOption('form#visa-lookup select[name=destination]', 'mx');
    await gtOfficer.fill('form#visa-lookup input[name=date]', '2026-06-01');
    await submit(gtOfficer, 'form#visa-lookup');
    assert.equal(pathOf(gtOfficer), '/visas');
    assert.equal(await text(gtOfficer, '#visa-regime'), 'No visa needed · maximum stay 90 days');
    assert.equal(await text(gtOfficer, '#visa-source'), SOURCE);
    assert.equal(await text(gtOfficer, '#visa-effective'), '2019-01-01');
    assert.equal(await gtOfficer.locator('#visa-unverified').count(), 0, 'Mexico set it: no warning');
    assert.equal(
      await gtOfficer.locator('#visa-source a').getAttribute('href'),
      'https://example.org/acuerdo-ficticio',
    );
    // Before the rule was in force there is no answer.
    await gtOfficer.fill('form#visa-lookup input[name=date]', '2018-06-01');
    await submit(gtOfficer, 'form#visa-lookup');
    assert.equal(await gtOfficer.locator('#visa-none').count(), 1, 'no rule before 2019');
    // The history is readable; no edit, confirm or withdraw form for another country.
    await gtOfficer.goto('/visas/mx/gt');
    assert.ok((await gtOfficer.locator('table#visa-history tbody tr').count()) >= 2);
    assert.equal(await gtOfficer.locator('form#visa-form').count(), 0, 'officer.gt gets no edit form');
    assert.equal(await gtOfficer.locator('form[action="/visas/mx/gt"]').count(), 0);
  });
});
