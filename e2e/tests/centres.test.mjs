// A centre's crisis: a Guatemalan officer creates a migration centre, reports an occupancy
// above its capacity (shown as overcrowding, in words), and raises its crisis level to 4
// after confirming. A Mexican officer (a neighbour), whose regional view is already open,
// sees the alert arrive live without reloading; a Panamanian officer (not a neighbour) sees
// nothing. The regional view then shows the emergency in words.
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

const LIVE_MS = 3_000;
const QUIET_MS = 1_000;
const NAME = `Albergue de prueba ${Date.now()} (ficticio)`;

let server;
let browser;
let gtPage;
let mxPage;
let paPage;
const pages = () => ({ gtPage, mxPage, paPage });

before(async () => {
  server = await startServer('centres');
  browser = await launchBrowser();
  gtPage = await newPage(browser, server.baseURL, 'en-US');
  mxPage = await newPage(browser, server.baseURL, 'en-US');
  paPage = await newPage(browser, server.baseURL, 'en-US');
  await loginDemo(gtPage, 'officer.gt');
  await loginDemo(mxPage, 'officer.mx');
  await loginDemo(paPage, 'officer.pa');
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function markDocument(page) {
  await page.evaluate(() => {
    window.__centresMark = true;
  });
}

async function assertSameDocument(page, who) {
  assert.equal(await page.evaluate(() => window.__centresMark === true), true, `${who}'s page was not reloaded`);
}

const badge = async (page) => Number.parseInt(await text(page, '#unread-count'), 10);

test("a centre's crisis reaches a neighbour live, and no one else", async () => {
  await withArtifacts('centres-crisis', pages, async () => {
    // The watchers open the regional view first.
    for (const page of [mxPage, paPage]) {
      await page.goto('/centres');
      await page.locator('h1').waitFor();
      await markDocument(page);
    }
    const mxBefore = await badge(mxPage);
    const paBefore = await badge(paPage);

    // --- officer.gt creates the centre
    await gtPage.goto('/centres');
    await follow(gtPage, 'a#new-centre');
    assert.equal(pathOf(gtPage), '/centres/new');
    await gtPage.fill('form#centre-form input[name=name]', NAME);
    await gtPage.selectOption('form#centre-form select[name=kind]', 'shelter');
    await gtPage.fill('form#centre-form input[name=capacity]', '25');
    await gtPage.fill('form#centre-form input[name=children_capacity]', '5');
    await gtPage.fill('form#centre-form input[name=place]', 'Occidente (ficticio)');
    await submit(gtPage, 'form#centre-form');
    const centrePath = pathOf(gtPage);
    assert.match(centrePath, /^\/centres\/[0-9a-f]{32}$/, `creating leads to the centre (errors: ${await errorsOf(gtPage)})`);
    assert.equal(await text(gtPage, 'h1#centre-name'), NAME);

    // --- reports an occupancy above capacity, through the grid (words, not codes)
    await follow(gtPage, 'a#report-occupancy');
    const grid = 'form#occupancy-form';
    await gtPage.fill(`${grid} input[name=total]`, '30');
    await gtPage.fill(`${grid} input[name=nationality_0]`, 'Honduras');
    await gtPage.selectOption(`${grid} select[name=sex_0]`, { label: 'Female' });
    await gtPage.selectOption(`${grid} select[name=age_0]`, { label: '18 to 59 years' });
    await gtPage.fill(`${grid} input[name=value_0]`, '21');
    await gtPage.fill(`${grid} input[name=nationality_1]`, 'Venezuela');
    await gtPage.selectOption(`${grid} select[name=sex_1]`, { label: 'Male' });
    await gtPage.selectOption(`${grid} select[name=age_1]`, { label: '12 to 17 years' });
    await gtPage.check(`${grid} input[name=unaccompanied_1]`);
    await gtPage.fill(`${grid} input[name=value_1]`, '8');
    // First with a gap: the page names it and keeps what was typed.
    await submit(gtPage, grid);
    assert.match(await errorsOf(gtPage), /the cells add up to 29, the total is 30/);
    assert.equal(await gtPage.locator(`${grid} input[name=nationality_1]`).inputValue(), 'Venezuela');
    await gtPage.fill(`${grid} input[name=value_1]`, '9');
    await submit(gtPage, grid);
    assert.equal(pathOf(gtPage), centrePath, `the report is saved (errors: ${await errorsOf(gtPage)})`);
    assert.equal(await text(gtPage, '#centre-overcrowded'), 'Overcrowded');
    assert.match(await text(gtPage, '#centre-occupancy'), /^30 \/ 25/);

    // --- raises the crisis level, confirming
    await follow(gtPage, 'a#set-crisis');
    assert.match(await text(gtPage, '.notice'), /Mexico/, 'the form says who will be alerted');
    await gtPage.selectOption('form#crisis-form select[name=level]', '4');
    await gtPage.fill('form#crisis-form textarea[name=reason]', 'Llegada masiva: 30 personas para 25 plazas (prueba ficticia).');
    await gtPage.check('form#crisis-form input[name=confirm]');
    gtPage.once('dialog', (d) => d.accept());
    const sentAt = Date.now();
    await submit(gtPage, 'form#crisis-form');
    assert.equal(pathOf(gtPage), centrePath, `the level is set (errors: ${await errorsOf(gtPage)})`);
    assert.match(await text(gtPage, '#centre-level'), /4 · Emergency/);

    // --- officer.mx (a neighbour) sees it live, without a reload
    const live = mxPage.locator(`#live a[href="${centrePath}"]`);
    await live.waitFor({ timeout: Math.max(LIVE_MS - (Date.now() - sentAt), 1) }).catch((err) => {
      throw new Error(`the crisis did not reach officer.mx live within ${LIVE_MS} ms: ${err.message}`);
    });
    assert.match(await live.innerText(), /Centre in crisis, level 4/);
    assert.match(await live.innerText(), new RegExp(NAME.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    await mxPage.waitForFunction((n) => Number.parseInt(document.getElementById('unread-count')?.textContent ?? '', 10) === n, mxBefore + 1);
    await assertSameDocument(mxPage, 'officer.mx');

    // --- officer.pa (not a neighbour) sees nothing
    await paPage.waitForTimeout(QUIET_MS);
    await assertSameDocument(paPage, 'officer.pa');
    assert.equal(await paPage.locator(`#live a[href="${centrePath}"]`).count(), 0, 'nothing reaches Panama');
    assert.equal(await badge(paPage), paBefore, "officer.pa's unread count did not change");

    // --- the neighbour opens the centre from the alert; the regional view says it in words
    await follow(mxPage, `#live a[href="${centrePath}"]`);
    assert.equal(pathOf(mxPage), centrePath);
    assert.match(await text(mxPage, '#centre-level'), /4 · Emergency/);
    assert.equal(await mxPage.locator('a#set-crisis').count(), 0, 'a neighbour cannot change the level');
    assert.ok((await mxPage.locator('#latest-cells').innerText()).includes('suppressed'), "Guatemala's small cells are suppressed for Mexico");
    await mxPage.goto('/centres?country=gt');
    const row = mxPage.locator('tr', { hasText: NAME });
    assert.match(await row.innerText(), /Emergency/);
    assert.match(await row.innerText(), /Overcrowded/);

    // The regional view fits a 390 px phone: nothing wider than the screen but scroll boxes.
    await mxPage.setViewportSize({ width: 390, height: 844 });
    await mxPage.goto('/centres');
    const overflow = await mxPage.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page does not scroll sideways at 390 px (overflows by ${overflow})`);
  });
});
