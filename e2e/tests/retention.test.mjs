// Review dates and retention: each demo country has a fictional case file unchanged for
// four years. Mexico's officer finds it under Reviews and keeps it with a reason; the queue
// is then empty. Guatemala's officer deletes theirs through the confirmation page; the case
// file is gone (404) and the queue is empty.
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
  withArtifacts,
} from '../lib/browser.mjs';
import { startServer } from '../lib/server.mjs';

let server;
let browser;
let mx;
let gt;

before(async () => {
  server = await startServer('retention');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const pages = () => ({ mx, gt });

test('an officer keeps a due case file with a reason', async () => {
  await withArtifacts('retention-keep', pages, async () => {
    mx = await newPage(browser, server.baseURL, 'en-US');
    await loginDemo(mx, 'officer.mx');
    await follow(mx, 'nav a[href="/reviews"]');
    assert.equal(pathOf(mx), '/reviews');
    const items = mx.locator('ul#reviews li.review');
    assert.equal(await items.count(), 1, 'one case file is due');
    assert.match(await items.first().textContent(), /Expediente ficticio antiguo/);
    await items.first().locator('textarea[name=reason]').fill('The investigation is still open');
    await submit(mx, 'ul#reviews li.review form.review-keep');
    assert.equal(pathOf(mx), '/reviews', `keeping returns to the queue (errors: ${await errorsOf(mx)})`);
    assert.equal(await mx.locator('#reviews-empty').count(), 1, 'nothing else is due');
  });
});

test('an officer deletes a due case file after confirming', async () => {
  await withArtifacts('retention-delete', pages, async () => {
    gt = await newPage(browser, server.baseURL, 'en-US');
    await loginDemo(gt, 'officer.gt');
    await gt.goto('/reviews');
    const link = gt.locator('ul#reviews a.review-delete').first();
    const casePath = (await gt.locator('ul#reviews li.review h2 a').first().getAttribute('href')) ?? '';
    assert.match(casePath, /^\/cases\/[0-9a-f]{32}$/);
    assert.ok((await link.count()) > 0);
    await follow(gt, 'ul#reviews a.review-delete');
    assert.match(pathOf(gt), /^\/reviews\/[0-9a-f]{32}\/delete$/);
    await gt.fill('#delete-reason', 'Retention period over, nothing pending');
    await gt.check('#delete-confirm');
    await submit(gt, 'form#delete-form');
    assert.equal(pathOf(gt), '/reviews', `deleting returns to the queue (errors: ${await errorsOf(gt)})`);
    assert.equal(await gt.locator('#reviews-empty').count(), 1, 'the queue is empty');
    const res = await gt.goto(casePath);
    assert.equal(res.status(), 404, 'the case file is gone');
  });
});
