// The directory of focal points: a Costa Rican officer proposes an entry; a Guatemalan
// officer (another browser context) cannot see it while it awaits approval; the Costa Rican
// approver is notified and approves it; Guatemala now finds it in the list, through the
// filters and in the CSV export. A later change to the entry goes back through approval,
// and meanwhile Guatemala keeps seeing the approved version.
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

const ENTRY = {
  name: `Laura Ficticia Mora ${Date.now()}`,
  position: 'Fiscal adjunta de trata y tráfico de personas',
  phone: '+506 2222 0000',
  email: 'laura.ficticia@example.invalid',
};
const NEW_POSITION = 'Fiscal jefa de la unidad contra el tráfico de migrantes';

// The English labels (crates/enlace-web/i18n/en.ftl); pages are opened with an en-US browser.
const LOCALE = 'en-US';
const STATUS = {
  pending: 'Awaiting approval',
  changePending: 'Change awaiting approval',
  approved: 'Approved',
};

let server;
let browser;
let crOfficer;
let gtOfficer;
let crApprover;

// Shared between the tests of this file (they run in order).
let entryPath;
let entryId;

before(async () => {
  server = await startServer('directory');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const pages = () => ({ crOfficer, gtOfficer, crApprover });

async function open(locale, username) {
  const page = await newPage(browser, server.baseURL, locale);
  await loginDemo(page, username);
  assert.equal(await htmlLang(page), 'en', `${username}'s pages are in English`);
  return page;
}

/** The text of the entry page's fact (dl.facts) labelled `label`. */
async function fact(page, label) {
  const dd = page.locator(`dl.facts dt:text-is("${label}") + dd`);
  assert.equal(await dd.count(), 1, `the entry page has one "${label}" fact`);
  return ((await dd.textContent()) ?? '').trim();
}

/** Names in table#directory (empty when the page shows no table). */
async function directoryNames(page) {
  const table = page.locator('table#directory');
  if ((await table.count()) === 0) return [];
  return (await table.locator('tbody tr td:first-child').allTextContents()).map((s) => s.trim());
}

/** Opens /directory, applies the filters through form#directory-filters and submits it. */
async function filterDirectory(page, filters) {
  await page.goto('/directory');
  for (const [name, value] of Object.entries(filters)) {
    await page.selectOption(`form#directory-filters select[name=${name}]`, value);
  }
  await submit(page, 'form#directory-filters');
  assert.equal(pathOf(page), '/directory', 'filtering stays on /directory');
  const params = new URL(page.url()).searchParams;
  for (const [name, value] of Object.entries(filters)) {
    assert.equal(params.get(name), value, `the filter ${name}=${value} is in the URL`);
  }
}

async function assertNotFound(page, path, who, secrets = []) {
  const response = await page.goto(path);
  assert.equal(response.status(), 404, `${path} is a 404 for ${who}`);
  assert.match(await text(page, '#error-code'), /not_found/, `${path} shows the not_found code to ${who}`);
  const html = await page.content();
  for (const secret of secrets) {
    assert.ok(!html.includes(secret), `the 404 page for ${who} does not contain ${secret}`);
  }
}

/** The approver finds the entry among the notifications, opens it and approves it. */
async function approveFromNotifications(page) {
  await page.goto('/');
  const unread = Number.parseInt(await text(page, '#unread-count'), 10);
  assert.ok(unread > 0, `approver.cr has unread notifications (badge shows ${unread})`);
  await follow(page, 'a#notifications-link');
  assert.equal(pathOf(page), '/notifications');
  const link = page.locator(`ul#notifications a[href="${entryPath}"]`);
  assert.ok((await link.count()) > 0, `the notifications list a link to ${entryPath}`);
  await follow(page, `ul#notifications a[href="${entryPath}"]`);
  assert.equal(pathOf(page), entryPath, 'the notification leads to the entry');
  assert.equal(await page.locator('form#approve-form').count(), 1, 'the approver sees form#approve-form');
  await submit(page, 'form#approve-form');
  assert.equal(pathOf(page), entryPath, `approving returns to the entry (errors: ${await errorsOf(page)})`);
  assert.equal(await text(page, '#entry-status'), STATUS.approved, 'the entry is approved');
  assert.equal(await page.locator('form#approve-form').count(), 0, 'nothing is left to approve');
}

test('a Costa Rican officer proposes a directory entry', async () => {
  await withArtifacts('directory-propose', pages, async () => {
    crOfficer = await open(LOCALE, 'officer.cr');
    await crOfficer.goto('/directory');
    await follow(crOfficer, 'a#new-entry');
    assert.equal(pathOf(crOfficer), '/directory/new');

    const form = 'form#entry-form';
    await crOfficer.fill(`${form} input[name=name]`, ENTRY.name);
    await crOfficer.fill(`${form} input[name=position]`, ENTRY.position);
    await crOfficer.selectOption(`${form} select[name=institution]`, 'prosecution');
    await crOfficer.check(`${form} input[name=axes][value="2"]`);
    await crOfficer.fill(`${form} input[name=phone]`, ENTRY.phone);
    await crOfficer.fill(`${form} input[name=email]`, ENTRY.email);
    await crOfficer.check(`${form} input[name=languages][value=en]`);
    await submit(crOfficer, form);

    entryPath = pathOf(crOfficer);
    assert.match(
      entryPath,
      /^\/directory\/[^/]+$/,
      `proposing should redirect to /directory/<id>, not ${entryPath} (errors: ${await errorsOf(crOfficer)})`,
    );
    assert.notEqual(entryPath, '/directory/new');
    entryId = entryPath.split('/').pop();
    assert.equal(await text(crOfficer, 'h1#entry-name'), ENTRY.name);
    assert.equal(await text(crOfficer, '#entry-status'), STATUS.pending, 'the new entry awaits approval');
    assert.equal(await fact(crOfficer, 'Position'), ENTRY.position);
    assert.equal(await fact(crOfficer, 'Institution'), 'Prosecution');
    assert.equal(await fact(crOfficer, 'Languages'), 'en');

    // The own country lists it, marked as pending.
    await crOfficer.goto('/directory');
    const row = crOfficer.locator(`table#directory tr[data-entry-id="${entryId}"]`);
    assert.equal(await row.count(), 1, 'officer.cr sees the pending entry in the directory');
    assert.match((await row.textContent()) ?? '', new RegExp(STATUS.pending));
  });
});

test('another country does not see the entry while it awaits approval', async () => {
  await withArtifacts('directory-hidden', pages, async () => {
    assert.ok(entryPath, 'needs the entry proposed by the previous test');
    gtOfficer = await open(LOCALE, 'officer.gt');
    await gtOfficer.goto('/directory');
    assert.ok(!(await directoryNames(gtOfficer)).includes(ENTRY.name), 'officer.gt does not list the entry');
    assert.ok(!(await gtOfficer.content()).includes(ENTRY.name), 'the directory page does not contain the name');
    await assertNotFound(gtOfficer, entryPath, 'officer.gt', [ENTRY.name, ENTRY.email]);
  });
});

test('the approver is notified and approves the entry', async () => {
  await withArtifacts('directory-approve', pages, async () => {
    assert.ok(entryPath, 'needs the entry proposed by the first test');
    crApprover = await open(LOCALE, 'approver.cr');
    await approveFromNotifications(crApprover);
    assert.equal(await text(crApprover, 'h1#entry-name'), ENTRY.name);
  });
});

test('another country sees the approved entry, filters it and exports it', async () => {
  await withArtifacts('directory-visible', pages, async () => {
    assert.ok(gtOfficer, 'needs officer.gt from an earlier test');
    await gtOfficer.goto('/directory');
    assert.ok((await directoryNames(gtOfficer)).includes(ENTRY.name), 'officer.gt now lists the entry');

    await gtOfficer.goto(entryPath);
    assert.equal(await text(gtOfficer, 'h1#entry-name'), ENTRY.name, 'officer.gt can open the entry');
    assert.equal(await text(gtOfficer, '#entry-status'), STATUS.approved);
    assert.equal(await gtOfficer.locator('form#entry-form').count(), 0, 'officer.gt cannot edit it');
    assert.equal(await gtOfficer.locator('form#approve-form').count(), 0, 'officer.gt cannot approve it');

    await filterDirectory(gtOfficer, { institution: 'prosecution', country: 'cr' });
    assert.ok(
      (await directoryNames(gtOfficer)).includes(ENTRY.name),
      'filtering by prosecution in Costa Rica still shows the entry',
    );

    // The filtered page's CSV link, fetched at the end with the page's cookies.
    const href = await gtOfficer.locator('a#export-csv').getAttribute('href');
    assert.ok(href, 'a#export-csv has an href');
    const csvUrl = new URL(href, gtOfficer.url()).toString();

    await filterDirectory(gtOfficer, { institution: 'police', country: 'cr' });
    assert.ok(
      !(await directoryNames(gtOfficer)).includes(ENTRY.name),
      'filtering by police does not show the prosecution entry',
    );

    // The CSV export of the prosecution / Costa Rica list.
    const csv = await gtOfficer.request.get(csvUrl);
    assert.equal(csv.status(), 200, `GET ${csvUrl} answers 200, not ${csv.status()}: ${await csv.text()}`);
    assert.match(csv.headers()['content-type'] ?? '', /^text\/csv/, 'the export is CSV');
    const body = await csv.text();
    // A spreadsheet in the reader's language: byte-order mark, Spanish headers, `;`.
    assert.ok(body.replace(/^\uFEFF/, '').startsWith('País;Nombre;'), `the CSV starts with its header: ${body.slice(0, 80)}`);
    assert.ok(body.includes(ENTRY.name), `the CSV export contains the name:\n${body}`);
  });
});

test('a change goes back through approval; meanwhile others see the approved version', async () => {
  await withArtifacts('directory-change', pages, async () => {
    assert.ok(crOfficer && gtOfficer && crApprover, 'needs the pages of the earlier tests');
    await crOfficer.goto(entryPath);
    const form = 'form#entry-form';
    assert.equal(
      await crOfficer.inputValue(`${form} input[name=position]`),
      ENTRY.position,
      'the edit form starts from the approved position',
    );
    await crOfficer.fill(`${form} input[name=position]`, NEW_POSITION);
    await submit(crOfficer, form);
    assert.equal(pathOf(crOfficer), entryPath, `editing returns to the entry (errors: ${await errorsOf(crOfficer)})`);
    assert.equal(await text(crOfficer, '#entry-status'), STATUS.changePending, 'the change awaits approval');
    assert.equal(await fact(crOfficer, 'Position'), NEW_POSITION, 'officer.cr sees the proposed position');

    // Guatemala keeps seeing the approved version.
    await gtOfficer.goto(entryPath);
    assert.equal(await text(gtOfficer, '#entry-status'), STATUS.approved, 'Guatemala sees no pending change');
    assert.equal(await fact(gtOfficer, 'Position'), ENTRY.position, 'Guatemala still sees the old position');
    assert.ok(!(await gtOfficer.content()).includes(NEW_POSITION), 'the pending position does not reach Guatemala');

    await approveFromNotifications(crApprover);
    assert.equal(await fact(crApprover, 'Position'), NEW_POSITION);

    await gtOfficer.goto(entryPath);
    assert.equal(await text(gtOfficer, '#entry-status'), STATUS.approved);
    assert.equal(await fact(gtOfficer, 'Position'), NEW_POSITION, 'Guatemala now sees the new position');
    await gtOfficer.goto('/directory');
    const row = gtOfficer.locator(`table#directory tr[data-entry-id="${entryId}"]`);
    assert.match((await row.textContent()) ?? '', new RegExp(NEW_POSITION), 'the list shows the new position');
  });
});
