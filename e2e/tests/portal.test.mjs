// The public portal: a Guatemalan officer proposes a prevention campaign; the secretariat
// attaches its PDF and publishes it; a visitor without an account finds it in English
// (marked as only in Spanish) and in Spanish, with no cookie set; the secretariat withdraws
// it after confirming, and it is gone from the portal.
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

const TITLE = `Campaña ficticia en la frontera sur ${Date.now()}`;
const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');

let server;
let browser;
let gtOfficer;
let secretariat;
let visitor;
let itemPath;

before(async () => {
  server = await startServer('portal');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const pages = () => ({ gtOfficer, secretariat, visitor });

test('a Guatemalan officer proposes a campaign for the portal', async () => {
  await withArtifacts('portal-propose', pages, async () => {
    gtOfficer = await newPage(browser, server.baseURL, 'es-GT');
    await loginDemo(gtOfficer, 'officer.gt');
    await gtOfficer.goto('/portal-admin');
    await gtOfficer.selectOption('#portal-form select[name=kind]', 'campaign');
    await gtOfficer.fill('#portal-form input[name=title_es]', TITLE);
    await gtOfficer.fill('#portal-form textarea[name=body_es]', 'Los traficantes mienten sobre los riesgos.');
    await submit(gtOfficer, '#portal-form');
    itemPath = pathOf(gtOfficer);
    assert.match(itemPath, /^\/portal-admin\/[0-9a-f]{32}$/, `saved (errors: ${await errorsOf(gtOfficer)})`);
    assert.equal(await text(gtOfficer, '#portal-status'), 'Propuesto');
  });
});

test('the secretariat attaches the PDF and publishes it', async () => {
  await withArtifacts('portal-publish', pages, async () => {
    secretariat = await newPage(browser, server.baseURL, 'en-US');
    await loginDemo(secretariat, 'secretariat');
    await secretariat.goto('/portal-admin');
    await follow(secretariat, `a[href="${itemPath}"]`);
    await secretariat.setInputFiles('#portal-file', { name: 'campana.pdf', mimeType: 'application/pdf', buffer: PDF });
    const reloaded = secretariat.waitForURL(/saved=1/);
    await secretariat.click('#portal-file-form button[type=submit]');
    await reloaded;
    assert.match(await secretariat.content(), /campana\.pdf/, 'the file is attached');
    await submit(secretariat, 'form:has(button[value=publish])');
    assert.equal(await text(secretariat, '#portal-status'), 'Published');
  });
});

test('a visitor finds it in both languages, without a cookie', async () => {
  await withArtifacts('portal-visit', pages, async () => {
    visitor = await newPage(browser, server.baseURL, 'en-US');
    await visitor.goto('/portal');
    assert.equal(pathOf(visitor), '/portal/en/');
    assert.equal(await htmlLang(visitor), 'en');
    await follow(visitor, 'nav.main-nav a[href="/portal/en/campaigns"]');
    const card = visitor.locator('article.card', { hasText: TITLE });
    assert.equal(await card.count(), 1, 'the campaign is listed');
    assert.match(await card.textContent(), /only in Spanish/);
    await follow(visitor, `article.card:has-text("${TITLE}") a`);
    assert.match(await visitor.content(), /campana\.pdf/, 'its PDF is offered');
    await follow(visitor, 'nav.lang a[hreflang=es]');
    assert.equal(await htmlLang(visitor), 'es');
    assert.match(pathOf(visitor), /^\/portal\/es\/items\//);
    assert.doesNotMatch(await visitor.content(), /solo en/, 'in Spanish nothing is missing');
    assert.deepEqual(await visitor.context().cookies(), [], 'the portal set no cookie');
  });
});

test('the secretariat withdraws it after confirming', async () => {
  await withArtifacts('portal-withdraw', pages, async () => {
    await secretariat.goto(itemPath);
    secretariat.once('dialog', (d) => d.accept());
    await submit(secretariat, 'form:has(button[value=unpublish])');
    assert.equal(await text(secretariat, '#portal-status'), 'Not published');
    await visitor.goto('/portal/en/campaigns');
    assert.equal(await visitor.locator('article.card', { hasText: TITLE }).count(), 0, 'gone from the portal');
  });
});
