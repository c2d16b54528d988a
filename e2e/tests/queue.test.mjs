// The home page as a work queue: Guatemala holds a record, Mexico's prosecutor checks it,
// hits, and sends an urgent request (8-hour deadline). Guatemala's officer, whose home page
// is open, reloads it and finds the request first, urgent, due within 8 hours, in words and
// colour, with the new hit on Guatemala's records listed below. Mexico's home shows the
// same request waiting on Guatemala. Times carry the user's zone. Screenshots in test-results/.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { launchBrowser, loginDemo, newPage, withArtifacts } from '../lib/browser.mjs';
import { RESULTS_DIR, startServer } from '../lib/server.mjs';

const STAMP = Date.now();
const NAME = `Aurelio Ficticio Tzul ${STAMP % 1000}`;
const PURPOSE = `Confirmar identidad antes de AJM ${STAMP}`;

let server;
let browser;
let gtPage;
let mxPage;

before(async () => {
  server = await startServer('queue');
  browser = await launchBrowser();
  gtPage = await newPage(browser, server.baseURL, 'es-GT');
  mxPage = await newPage(browser, server.baseURL, 'es-MX');
  await loginDemo(gtPage, 'officer.gt');
  await loginDemo(mxPage, 'prosecutor.mx');
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Calls the API with the page's session (and its CSRF token for writes). */
async function api(page, method, path, data) {
  const csrf = await page.locator('input[name=csrf]').first().getAttribute('value');
  const res = await page.request.fetch(path, { method, data, headers: { 'X-CSRF-Token': csrf ?? '' } });
  const body = await res.json().catch(() => ({}));
  assert.ok(res.ok(), `${method} ${path} → ${res.status()}: ${JSON.stringify(body)}`);
  return body;
}

test('an urgent request comes first in the receiver\'s work queue', async () => {
  await withArtifacts('queue', () => ({ gt: gtPage, mx: mxPage }), async () => {
    const c = await api(gtPage, 'POST', '/api/v1/cases', { title: `Red ficticia de la cola ${STAMP}`, distribution: { level: 'country' } });
    await api(gtPage, 'POST', '/api/v1/entities', { case_id: c.id, schema: 'Person', properties: { name: [NAME], birthDate: ['1971-03-09'] } });
    const check = await api(mxPage, 'POST', '/api/v1/checks', { purpose: 'AJM previa', case_reference: 'FGR-Q1', subject: { schema: 'Person', properties: { name: [NAME], birthDate: ['1971-03-09'] } } });
    const hit = check.results.find((r) => r.country === 'gt');
    assert.equal(hit?.hit, true, `Guatemala answers hit: ${JSON.stringify(check.results)}`);
    const req = await api(mxPage, 'POST', '/api/v1/requests', { to: 'gt', references: [hit.reference], purpose: PURPOSE, legal_basis: 'Convención de Palermo, art. 18', urgency: 'urgent' });

    await gtPage.goto('/');
    const first = gtPage.locator('#queue-requests-list > li').first();
    assert.equal(await first.getAttribute('data-request-id'), req.id, 'the urgent request is first');
    assert.equal(await first.getAttribute('data-urgency'), 'urgent');
    const words = (await first.textContent()).replace(/\s+/g, ' ');
    assert.match(words, /Vence en 8 h/, `due within 8 hours, in words: ${words}`);
    assert.match(words, /Urgente/);
    assert.match(words, /le toca responder/);
    assert.match(words, new RegExp(PURPOSE));
    assert.match(words, /CST/, `the deadline in Guatemala's time: ${words}`);
    assert.ok((await first.getAttribute('class')).includes('due-soon'), 'coloured as due soon');
    const colour = await first.evaluate((li) => getComputedStyle(li).borderLeftColor);
    assert.notEqual(colour, 'rgb(213, 219, 225)', 'the urgency has its colour');
    assert.ok(await gtPage.locator('#queue-hits-list li').count() >= 1, 'the new hit on Guatemala\'s records is listed');
    await gtPage.screenshot({ path: join(RESULTS_DIR, 'queue-officer-gt-home.png'), fullPage: true });
    await first.locator('a').click();
    await gtPage.waitForURL(`**/requests/${req.id}`);

    await mxPage.goto('/');
    const mine = mxPage.locator(`#queue-requests-list > li[data-request-id="${req.id}"]`);
    assert.match(await mine.textContent(), /espera su respuesta/);
    await mxPage.screenshot({ path: join(RESULTS_DIR, 'queue-prosecutor-mx-home.png'), fullPage: true });
  });
});
