// The comparative legislation matrix: a Honduran officer answers a question for Honduras,
// first without the citation of the law (the form says which field is missing), then with
// it; the answer shows in the side-by-side comparison, with the compliance shares, and a
// Guatemalan officer (another browser context) sees it too but gets no form to change it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  follow,
  htmlLang,
  launchBrowser,
  loginDemo,
  newPage,
  pathOf,
  submit,
  text,
  withArtifacts,
  errorsOf,
} from '../lib/browser.mjs';
import { startServer } from '../lib/server.mjs';

const LOCALE = 'en-US';
const QUESTION = 'art6_1_c';
const LAW = `Ley de Migración y Extranjería (ficticia) ${Date.now()}`;

let server;
let browser;
let hnOfficer;
let gtOfficer;

before(async () => {
  server = await startServer('legislation');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const pages = () => ({ hnOfficer, gtOfficer });

async function open(username) {
  const page = await newPage(browser, server.baseURL, LOCALE);
  await loginDemo(page, username);
  assert.equal(await htmlLang(page), 'en', `${username}'s pages are in English`);
  return page;
}

/** The text of the comparison cell of `country` for `question`. */
async function cell(page, country, question) {
  const headers = await page.locator('table#legislation-matrix thead th').evaluateAll((ths) =>
    ths.map((th) => th.getAttribute('data-country')),
  );
  const col = headers.indexOf(country);
  assert.ok(col >= 0, `the comparison has a column for ${country} (${headers})`);
  const td = page.locator(`table#legislation-matrix tr[data-question="${question}"] td`).nth(col);
  return ((await td.textContent()) ?? '').trim();
}

test('an officer answers a question with a citation and sees it in the comparison', async () => {
  await withArtifacts('legislation-answer', pages, async () => {
    hnOfficer = await open('officer.hn');
    await hnOfficer.goto('/');
    await follow(hnOfficer, 'nav.main-nav a[href="/legislation"]');
    assert.equal(pathOf(hnOfficer), '/legislation');
    assert.equal(await hnOfficer.locator('form#legislation-countries input[value=hn]:checked').count(), 1, 'the own country is compared by default');
    assert.equal(await cell(hnOfficer, 'hn', QUESTION), 'Not answered');

    await follow(hnOfficer, 'a#own-answers');
    assert.equal(pathOf(hnOfficer), '/legislation/hn');
    const form = `form[data-question="${QUESTION}"]`;
    // "Yes" without the law it rests on: refused, the field named.
    await hnOfficer.selectOption(`${form} select[name=answer]`, 'yes');
    await submit(hnOfficer, form);
    const errors = await errorsOf(hnOfficer);
    assert.match(errors, /Citation of the law/, `the form names the missing citation (${errors})`);

    await hnOfficer.selectOption(`${form} select[name=answer]`, 'yes');
    await hnOfficer.fill(`${form} input[name=instrument]`, LAW);
    await hnOfficer.fill(`${form} input[name=article]`, '342');
    await hnOfficer.fill(`${form} input[name=in_force]`, '2004-03-01');
    await hnOfficer.fill(`${form} textarea[name=excerpt]`, 'Texto ficticio del artículo.');
    await submit(hnOfficer, form);
    assert.equal(pathOf(hnOfficer), '/legislation/hn', `saved (errors: ${await errorsOf(hnOfficer)})`);
    assert.equal(await text(hnOfficer, `section#q-${QUESTION} #saved-notice`), 'Answer saved.');
    const current = await text(hnOfficer, `section#q-${QUESTION} .leg-current`);
    assert.match(current, /Yes/);
    assert.ok(current.includes(LAW), 'the saved answer shows its citation');

    await hnOfficer.goto('/legislation');
    const answer = await cell(hnOfficer, 'hn', QUESTION);
    assert.ok(answer.startsWith('Yes') && answer.includes(`${LAW}, art. 342`), `the comparison shows it: ${answer}`);
    assert.match(await text(hnOfficer, 'td[data-compliance="hn"]'), /^\d+ %$/, 'Honduras has a compliance share');
    assert.match(await text(hnOfficer, `tr[data-question="${QUESTION}"] td.leg-share`), /^\d+ %$/);
  });
});

test('another country reads the answer side by side but cannot change it', async () => {
  await withArtifacts('legislation-other', pages, async () => {
    gtOfficer = await open('officer.gt');
    await gtOfficer.goto('/legislation');
    await gtOfficer.check('form#legislation-countries input[value=hn]');
    await submit(gtOfficer, 'form#legislation-countries');
    assert.equal(pathOf(gtOfficer), '/legislation');
    assert.ok((await cell(gtOfficer, 'hn', QUESTION)).includes(LAW), 'officer.gt sees the Honduran answer');
    assert.ok((await cell(gtOfficer, 'gt', 'art6_1_a')).startsWith('Yes'), 'next to Guatemala’s own (demo) answer');
    await gtOfficer.goto('/legislation/hn');
    assert.equal(await gtOfficer.locator('form.leg-form').count(), 0, 'no answer form for another country');
    await follow(gtOfficer, `section#q-${QUESTION} a[href$="/versions"]`);
    assert.match(await text(gtOfficer, 'ol#versions'), /Answer: \(empty\) → Yes/);
  });
});
