// Live alerts: a Panamanian officer sends an alert to Costa Rica and Nicaragua; a Costa Rican
// officer, whose /alerts page is already open, sees it arrive over server-sent events without
// reloading (and the unread badge goes up); a Mexican officer, not a recipient, sees nothing and
// gets a 404 for the alert. Costa Rica acknowledges and the sender's open alert page shows the
// acknowledgement live. An alert without a title is refused and reaches nobody.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  follow,
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

const LIVE_MS = 2_000; // how long a live update may take
const QUIET_MS = 1_500; // how long we watch a page that must not change

const STAMP = Date.now();
const TITLE = `E2E buque sospechoso rumbo norte ${STAMP}`;
const BODY = 'Lancha rápida sin bandera vista a 20 millas de Punta Burica, rumbo norte.';

let server;
let browser;
let paPage; // sender
let crPage; // recipient
let mxPage; // not a recipient

// Shared between the tests of this file (they run in order).
let alertPath;

before(async () => {
  server = await startServer('alerts');
  browser = await launchBrowser();
  paPage = await newPage(browser, server.baseURL, 'es-PA');
  crPage = await newPage(browser, server.baseURL, 'es-CR');
  mxPage = await newPage(browser, server.baseURL, 'es-MX');
  await loginDemo(paPage, 'officer.pa');
  await loginDemo(crPage, 'officer.cr');
  await loginDemo(mxPage, 'officer.mx');
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const pages = () => ({ pa: paPage, cr: crPage, mx: mxPage });

async function badge(page) {
  return Number.parseInt(await text(page, '#unread-count'), 10);
}

/**
 * Opens /alerts, checks the list is there, and marks the document so a later check can tell
 * it was never reloaded. (The page's EventSource asks for events since the one current when the
 * page was rendered, so an event sent before it has connected still reaches it.)
 */
async function openAlertsList(page) {
  await page.goto('/alerts');
  await page.locator('ul#alerts-list').waitFor({ state: 'attached' });
  await markDocument(page);
}

/** Tags the current document; `assertSameDocument` fails if the page navigated since. */
async function markDocument(page) {
  await page.evaluate(() => {
    window.__e2eMark = 'still-here';
  });
}

async function assertSameDocument(page, who) {
  assert.equal(
    await page.evaluate(() => window.__e2eMark ?? null),
    'still-here',
    `${who}'s page was not reloaded or navigated`,
  );
}

/** Fills form#alert-form on /alerts/new and submits it. */
async function fillAndSendAlert(page, { title, body, kind = 'vessel_at_sea', urgency = 'urgent', countries }) {
  await page.goto('/alerts/new');
  await page.locator('form#alert-form').waitFor();
  await page.selectOption('form#alert-form select[name=kind]', kind);
  await page.fill('form#alert-form input[name=title]', title);
  await page.fill('form#alert-form textarea[name=body]', body);
  await page.selectOption('form#alert-form select[name=urgency]', urgency);
  await page.check('form#alert-form input[type=radio][name=scope][value=countries]');
  for (const c of countries) {
    await page.check(`form#alert-form input[type=checkbox][name=countries][value=${c}]`);
  }
  await submit(page, 'form#alert-form');
}

test('an alert without a title is refused and reaches nobody', async () => {
  await withArtifacts('alerts-invalid', pages, async () => {
    await openAlertsList(crPage);
    const before = await crPage.locator('ul#alerts-list > li').count();
    const badgeBefore = await badge(crPage);

    await paPage.goto('/alerts/new');
    await paPage.locator('form#alert-form').waitFor();
    // Get past the browser's own check, so the server's is the one tested.
    await paPage.evaluate(() => {
      document.querySelector('form#alert-form input[name=title]').removeAttribute('required');
    });
    await paPage.selectOption('form#alert-form select[name=kind]', 'vessel_at_sea');
    await paPage.fill('form#alert-form input[name=title]', '');
    await paPage.fill('form#alert-form textarea[name=body]', 'Sin título: no debe enviarse.');
    await paPage.check('form#alert-form input[type=radio][name=scope][value=countries]');
    await paPage.check('form#alert-form input[type=checkbox][name=countries][value=cr]');
    await paPage.check('form#alert-form input[type=checkbox][name=countries][value=ni]');
    await submit(paPage, 'form#alert-form');

    assert.ok(
      !/^\/alerts\/(?!new$)[^/]+$/.test(pathOf(paPage)),
      `an untitled alert must not be created (landed on ${pathOf(paPage)})`,
    );
    assert.ok((await paPage.locator('.error').count()) > 0, 'the form shows an error');
    assert.equal(await paPage.locator('form#alert-form').count(), 1, 'the form is shown again');
    assert.equal(
      await paPage.locator('form#alert-form textarea[name=body]').inputValue(),
      'Sin título: no debe enviarse.',
      'the form keeps what was typed',
    );

    await crPage.waitForTimeout(QUIET_MS);
    await assertSameDocument(crPage, 'officer.cr');
    assert.equal(
      await crPage.locator('ul#alerts-list > li').count(),
      before,
      "officer.cr's list did not gain an item",
    );
    assert.equal(await badge(crPage), badgeBefore, "officer.cr's unread count did not change");

    // Nor does it show up after a reload, on either side.
    await crPage.reload();
    assert.equal(await crPage.locator('ul#alerts-list > li').count(), before, 'nothing was stored for officer.cr');
    await paPage.goto('/alerts');
    assert.ok(!(await paPage.content()).includes('Sin título'), 'nothing was stored for the sender');
  });
});

test('recipients see a new alert live; a non-recipient sees nothing', async () => {
  await withArtifacts('alerts-send', pages, async () => {
    // Both watchers open their list before the alert is sent.
    await openAlertsList(crPage);
    await openAlertsList(mxPage);
    assert.equal(await crPage.locator('ul#alerts-list > li').count(), 0, 'officer.cr starts with no alerts');
    assert.equal(await mxPage.locator('ul#alerts-list > li').count(), 0, 'officer.mx starts with no alerts');
    assert.ok(await mxPage.locator('#alerts-empty').isVisible(), 'officer.mx sees the empty-list note');
    const crBadgeBefore = await badge(crPage);
    const mxBadgeBefore = await badge(mxPage);
    assert.ok(Number.isInteger(crBadgeBefore), 'officer.cr has an unread count in the header');

    // --- officer.pa sends the alert
    await fillAndSendAlert(paPage, { title: TITLE, body: BODY, countries: ['cr', 'ni'] });
    alertPath = pathOf(paPage);
    assert.match(
      alertPath,
      /^\/alerts\/[^/]+$/,
      `sending should redirect to /alerts/<id>, not ${alertPath} (errors: ${await errorsOf(paPage)})`,
    );
    assert.notEqual(alertPath, '/alerts/new');
    const sentAt = Date.now();
    assert.equal(await text(paPage, 'h1#alert-title'), TITLE);
    const alertId = alertPath.split('/').pop();
    assert.equal(await paPage.locator('h1#alert-title').getAttribute('data-alert-id'), alertId);
    assert.ok((await paPage.locator('body').innerText()).includes(BODY), 'the alert shows its body');
    assert.ok(await paPage.locator('#acks-empty').isVisible(), 'no acknowledgements yet');
    assert.equal(await paPage.locator('ul#acks > li').count(), 0);
    await markDocument(paPage);

    // --- officer.cr: the alert appears in the open list, without a reload
    const crItem = crPage.locator(`ul#alerts-list > li[data-alert-id="${alertId}"]`);
    await crItem.waitFor({ timeout: Math.max(LIVE_MS - (Date.now() - sentAt), 1) }).catch((err) => {
      throw new Error(`the alert did not appear live in officer.cr's list within ${LIVE_MS} ms: ${err.message}`);
    });
    assert.ok((await crItem.innerText()).includes(TITLE), "officer.cr's list shows the alert title");
    // Then the row reads as after a reload: kind, sending country and time in words, and the
    // list's count is no longer «0 resultados».
    await crPage.waitForFunction(
      (id) => (document.querySelector(`ul#alerts-list > li[data-alert-id="${id}"]`)?.textContent ?? '').includes('Panamá'),
      alertId,
      { timeout: LIVE_MS },
    );
    assert.doesNotMatch(await crPage.locator('nav.pager').innerText(), /· 0 resultados/, 'the count follows the live insert');
    assert.equal(await crItem.locator('a').getAttribute('href'), alertPath, 'the new item links to the alert');
    assert.ok(!(await crPage.locator('#alerts-empty').isVisible()), 'the empty-list note is hidden');
    await crPage
      .waitForFunction(
        (n) => Number.parseInt(document.getElementById('unread-count')?.textContent ?? '', 10) === n,
        crBadgeBefore + 1,
        { timeout: Math.max(LIVE_MS - (Date.now() - sentAt), 1) },
      )
      .catch(async () => {
        throw new Error(
          `officer.cr's unread count should go from ${crBadgeBefore} to ${crBadgeBefore + 1} live, is ${await badge(crPage)}`,
        );
      });
    await assertSameDocument(crPage, 'officer.cr');

    // --- officer.mx: nothing happens
    await mxPage.waitForTimeout(QUIET_MS);
    await assertSameDocument(mxPage, 'officer.mx');
    assert.ok(!(await mxPage.content()).includes(TITLE), "the title is not on officer.mx's page");
    assert.equal(await mxPage.locator('ul#alerts-list > li').count(), 0, "officer.mx's list is still empty");
    assert.ok(await mxPage.locator('#alerts-empty').isVisible(), 'officer.mx still sees the empty-list note');
    assert.equal(await badge(mxPage), mxBadgeBefore, "officer.mx's unread count did not change");

    // A reload on officer.mx's side does not show it either.
    await mxPage.reload();
    assert.equal(await mxPage.locator('ul#alerts-list > li').count(), 0, 'officer.mx has no alerts after reload');
  });
});

test('a recipient acknowledges and the sender sees it live', async () => {
  await withArtifacts('alerts-ack', pages, async () => {
    assert.ok(alertPath, 'needs the alert sent by the previous test');
    // The sender's alert page is still open from the previous test.
    assert.equal(pathOf(paPage), alertPath);
    await assertSameDocument(paPage, 'officer.pa');

    await follow(crPage, `ul#alerts-list a[href="${alertPath}"]`);
    assert.equal(pathOf(crPage), alertPath);
    assert.equal(await text(crPage, 'h1#alert-title'), TITLE);
    assert.ok((await crPage.locator('body').innerText()).includes(BODY), 'the recipient sees the body');
    assert.equal(await crPage.locator('form#ack-form').count(), 1, 'a recipient can acknowledge');
    await submit(crPage, 'form#ack-form');
    const ackedAt = Date.now();
    assert.equal(pathOf(crPage), alertPath, `acknowledging returns to the alert (errors: ${await errorsOf(crPage)})`);
    assert.equal(await crPage.locator('.error').count(), 0, `no errors (${await errorsOf(crPage)})`);
    assert.equal(await crPage.locator('ul#acks > li[data-country=cr]').count(), 1, 'the recipient sees its acknowledgement');
    assert.equal(await crPage.locator('form#ack-form').count(), 0, 'no second acknowledgement');

    // --- the sender's open page shows it, without a reload
    const paAck = paPage.locator('ul#acks > li[data-country=cr]');
    await paAck.waitFor({ timeout: Math.max(LIVE_MS - (Date.now() - ackedAt), 1) }).catch((err) => {
      throw new Error(`officer.cr's acknowledgement did not appear live on the sender's page within ${LIVE_MS} ms: ${err.message}`);
    });
    assert.match(await paAck.innerText(), /officer\.cr/, 'the acknowledgement names who acknowledged');
    assert.ok(!(await paPage.locator('#acks-empty').isVisible()), "the sender's no-acknowledgements note is hidden");
    assert.equal(await paPage.locator('ul#acks > li').count(), 1, 'exactly one acknowledgement');
    await assertSameDocument(paPage, 'officer.pa');

    // After a reload the server renders the same acknowledgement.
    await paPage.reload();
    assert.equal(await paPage.locator('ul#acks > li[data-country=cr]').count(), 1);
    assert.equal(await paPage.locator('form#ack-form').count(), 0, 'the sender cannot acknowledge its own alert');
  });
});

test('a non-recipient gets a 404 for the alert', async () => {
  await withArtifacts('alerts-404', pages, async () => {
    assert.ok(alertPath, 'needs the alert sent earlier');
    const response = await mxPage.goto(alertPath);
    assert.equal(response.status(), 404, `${alertPath} is a 404 for officer.mx`);
    assert.match(await text(mxPage, '#error-code'), /not_found/, 'officer.mx sees the not_found code');
    const html = await mxPage.content();
    for (const secret of [TITLE, BODY]) {
      assert.ok(!html.includes(secret), `the 404 page does not contain ${JSON.stringify(secret)}`);
    }
    assert.equal(await mxPage.locator('h1#alert-title').count(), 0);
  });
});
