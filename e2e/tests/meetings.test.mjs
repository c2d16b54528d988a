// Meetings and numbered agreements: the secretariat records a meeting (agenda, attendance,
// minutes in both languages, a PDF for the members) and an agreement for Guatemala, which
// gets its number RFE-<year>-<meeting>/<n>; a Guatemalan officer, notified, finds it in the
// filtered list, posts a follow-up and marks it in progress; the secretariat reads the thread.
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
const TITLE = `Virtual meeting of the network ${Date.now()}`;
const AGREEMENT = 'Send the quarterly figures of smuggled migrants detected (fictional).';
const FOLLOWUP = 'Figures sent by diplomatic pouch (fictional).';

let server;
let browser;
let secretariat;
let gtOfficer;
let meetingPath;
let agreementPath;
let number;

before(async () => {
  server = await startServer('meetings');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const pages = () => ({ secretariat, gtOfficer });

/** No horizontal scrolling on a 390 px wide phone. */
async function fitsPhone(page, path) {
  await page.setViewportSize({ width: 390, height: 800 });
  await page.goto(path);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `${path} is ${width}px wide on a 390px phone`);
  await page.setViewportSize({ width: 1280, height: 800 });
}

test('the secretariat records a meeting and an agreement', async () => {
  await withArtifacts('meetings-record', pages, async () => {
    secretariat = await newPage(browser, server.baseURL, LOCALE);
    await loginDemo(secretariat, 'secretariat');
    await secretariat.goto('/');
    await follow(secretariat, 'nav.main-nav a[href="/meetings"]');
    assert.equal(pathOf(secretariat), '/meetings');
    assert.ok((await secretariat.locator('table#meetings tbody tr').count()) >= 2, 'the demo meetings are listed');

    const year = new Date().getUTCFullYear();
    const date = `${year}-12-01`;
    await secretariat.fill('form#meeting-form input[name=title]', TITLE);
    await secretariat.fill('form#meeting-form input[name=date]', date);
    await secretariat.selectOption('form#meeting-form select[name=kind]', 'virtual');
    await submit(secretariat, 'form#meeting-form');
    meetingPath = pathOf(secretariat);
    assert.match(meetingPath, /^\/meetings\/[0-9a-f]{32}$/, `recorded (errors: ${await errorsOf(secretariat)})`);
    assert.equal(await text(secretariat, 'h1#meeting-title'), TITLE);
    const meetingNumber = await text(secretariat, '#meeting-number');
    assert.match(meetingNumber, new RegExp(`^${year}-\\d{2}$`));

    // Agenda, attendance and minutes in both languages.
    const edit = 'form#meeting-edit';
    await secretariat.fill(`${edit} textarea[name=agenda]`, '1. Follow-up of agreements\n2. Recent alerts');
    for (const cc of ['gt', 'hn', 'sv']) await secretariat.check(`${edit} input[name=attendance][value=${cc}]`);
    await secretariat.fill(`${edit} textarea[name=minutes_es]`, 'Acta ficticia de la reunión.');
    await secretariat.fill(`${edit} textarea[name=minutes_en]`, 'Fictional minutes of the meeting.');
    await submit(secretariat, edit);
    assert.equal(pathOf(secretariat), meetingPath, `saved (errors: ${await errorsOf(secretariat)})`);
    assert.equal(await text(secretariat, '#meeting-attendance'), 'El Salvador, Guatemala, Honduras');
    assert.equal(await text(secretariat, '#minutes-es'), 'Acta ficticia de la reunión.');
    assert.equal(await text(secretariat, '#minutes-en'), 'Fictional minutes of the meeting.');

    // A PDF distributed to the members.
    await secretariat.fill('form#document-form input[name=title]', 'Regional protocol (fictional)');
    await secretariat.setInputFiles('form#document-form input[name=file]', {
      name: 'protocol.pdf',
      mimeType: 'application/pdf',
      buffer: Buffer.from('%PDF-1.4\n% fictional\n%%EOF\n'),
    });
    await submit(secretariat, 'form#document-form');
    assert.equal(pathOf(secretariat), meetingPath, `uploaded (errors: ${await errorsOf(secretariat)})`);
    assert.match(await text(secretariat, 'ul#document-list'), /Regional protocol \(fictional\)/);

    // The agreement, for Guatemala.
    const form = 'form#agreement-form';
    await secretariat.fill(`${form} textarea[name=text]`, AGREEMENT);
    await secretariat.check(`${form} input[name=responsible][value=gt]`);
    await secretariat.fill(`${form} input[name=due]`, `${year + 1}-01-31`);
    await submit(secretariat, form);
    agreementPath = pathOf(secretariat);
    assert.match(agreementPath, /^\/agreements\/[0-9a-f]{32}$/, `recorded (errors: ${await errorsOf(secretariat)})`);
    number = await text(secretariat, '#agreement-number');
    assert.equal(number, `RFE-${meetingNumber}/1`, 'the first agreement of the meeting');
    assert.equal(await text(secretariat, '#agreement-responsible'), 'Guatemala');
    assert.equal(await text(secretariat, '#agreement-status'), 'Open');

    await secretariat.goto(meetingPath);
    assert.match(await text(secretariat, 'table#meeting-agreements'), new RegExp(number.replace('/', '\\/')));
    await fitsPhone(secretariat, meetingPath);
  });
});

test("Guatemala's officer follows the agreement up", async () => {
  await withArtifacts('meetings-followup', pages, async () => {
    assert.ok(agreementPath, 'needs the agreement of the previous test');
    gtOfficer = await newPage(browser, server.baseURL, LOCALE);
    await loginDemo(gtOfficer, 'officer.gt');
    await gtOfficer.goto('/agreements');
    await gtOfficer.selectOption('form#agreement-filters select[name=country]', 'gt');
    await gtOfficer.selectOption('form#agreement-filters select[name=status]', 'open');
    await submit(gtOfficer, 'form#agreement-filters');
    const row = gtOfficer.locator(`table#agreements tr[data-agreement="${number}"]`);
    assert.equal(await row.count(), 1, `${number} is in the filtered list`);
    await follow(gtOfficer, `table#agreements tr[data-agreement="${number}"] a`);
    assert.equal(pathOf(gtOfficer), agreementPath);
    assert.equal(await text(gtOfficer, '#agreement-text'), AGREEMENT);
    assert.equal(await gtOfficer.locator('a#withdraw-link').count(), 0, 'only the secretariat withdraws');

    await gtOfficer.fill('form#followup-form textarea[name=text]', FOLLOWUP);
    await submit(gtOfficer, 'form#followup-form');
    assert.equal(pathOf(gtOfficer), agreementPath, `posted (errors: ${await errorsOf(gtOfficer)})`);
    assert.match(await text(gtOfficer, 'ol#thread'), new RegExp(FOLLOWUP.replace(/[().]/g, '\\$&')));

    await gtOfficer.selectOption('form#status-form select[name=status]', 'in_progress');
    await submit(gtOfficer, 'form#status-form');
    assert.equal(await text(gtOfficer, '#agreement-status'), 'In progress');
    assert.equal(await text(gtOfficer, '#agreement-number'), number, 'the number stays');

    // The member downloads the meeting's document.
    await gtOfficer.goto(meetingPath);
    const href = await gtOfficer.locator('ul#document-list a').first().getAttribute('href');
    const pdf = await gtOfficer.request.get(href);
    assert.equal(pdf.status(), 200);
    assert.equal(pdf.headers()['content-type'], 'application/pdf');
    await fitsPhone(gtOfficer, '/agreements');
  });
});

test('the secretariat reads the follow-up', async () => {
  await withArtifacts('meetings-thread', pages, async () => {
    assert.ok(secretariat && agreementPath, 'needs the earlier tests');
    await secretariat.goto(agreementPath);
    assert.equal(await text(secretariat, '#agreement-status'), 'In progress');
    assert.match(await text(secretariat, 'ol#thread'), /officer\.gt/);
    const unread = Number.parseInt(await text(secretariat, '#unread-count'), 10);
    assert.ok(unread > 0, 'the secretariat was notified');
  });
});
