// "A record you may not see does not exist for you": a Mexican case kept to Mexico is
// a plain 404 for a Guatemalan officer and absent from their list; a case Mexico shares
// with Guatemala is visible to them.
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
  createCase,
} from '../lib/browser.mjs';
import { startServer } from '../lib/server.mjs';

let server;
let browser;
let mxPage;
let gtPage;

before(async () => {
  server = await startServer('hidden-case');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('a case kept to its country is a 404 elsewhere; a shared one is visible', async () => {
  await withArtifacts('hidden-case', () => ({ mx: mxPage, gt: gtPage }), async () => {
    const stamp = Date.now();
    const hiddenTitle = `E2E expediente solo México ${stamp}`;
    const sharedTitle = `E2E expediente compartido con Guatemala ${stamp}`;

    mxPage = await newPage(browser, server.baseURL, 'es-MX');
    await loginDemo(mxPage, 'officer.mx');
    const hiddenPath = await createCase(mxPage, { title: hiddenTitle, level: 'country' });

    // --- Guatemala cannot tell the case exists
    gtPage = await newPage(browser, server.baseURL, 'en-US');
    await loginDemo(gtPage, 'officer.gt');
    assert.equal(await htmlLang(gtPage), 'en');
    const response = await gtPage.goto(hiddenPath);
    assert.equal(response.status(), 404, 'a hidden case answers 404');
    assert.equal(await text(gtPage, 'h1'), 'Not found');
    assert.match(await text(gtPage, '#error-code'), /not_found/);
    assert.ok(!(await gtPage.content()).includes(hiddenTitle), 'the 404 page does not leak the title');

    await gtPage.goto('/cases');
    await gtPage.locator('table#cases, .empty').first().waitFor();
    assert.ok(!(await gtPage.content()).includes(hiddenTitle), "the hidden case is not in Guatemala's list");

    // --- a case shared with Guatemala by name is visible there
    const sharedPath = await createCase(mxPage, { title: sharedTitle, level: 'countries', countries: ['gt'] });

    await gtPage.goto('/cases');
    await gtPage.locator('table#cases').waitFor();
    const gtList = await text(gtPage, 'table#cases');
    assert.ok(gtList.includes(sharedTitle), "the shared case is in Guatemala's list");
    assert.ok(!gtList.includes(hiddenTitle), "the hidden case is still not in Guatemala's list");
    const sharedResponse = await gtPage.goto(sharedPath);
    assert.equal(sharedResponse.status(), 200);
    assert.ok((await text(gtPage, 'h1')).includes(sharedTitle));

    // --- the owner sees both
    await mxPage.goto('/cases');
    const mxList = await text(mxPage, 'table#cases');
    assert.ok(mxList.includes(hiddenTitle) && mxList.includes(sharedTitle), 'the owner lists both cases');
  });
});
