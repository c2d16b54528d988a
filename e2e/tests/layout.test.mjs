// The shell on a 390 px phone and for assistive technology: for an officer, an admin and the
// secretariat, every page reachable from home (its links and the menu) fits the screen with
// no sideways scroll; axe-core finds no serious or critical WCAG 2.1 AA violation; focus
// rings are visible and dark; every SVG picture carries a text alternative; the menu folds
// behind its button and opens. Screenshots of the key pages go to test-results/.
import assert from 'node:assert/strict';
import { readFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DEMO_PASSWORD, launchBrowser, pathOf } from '../lib/browser.mjs';
import { RESULTS_DIR, startServer } from '../lib/server.mjs';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const PHONE = { width: 390, height: 844 };

// Pages to photograph for each role (when reachable).
const KEY_PAGES = ['/', '/cases', '/checks', '/requests', '/directory', '/admin/users', '/audit', '/help/glossary', '/routes', '/workplans'];

let server;
let browser;

before(async () => {
  server = await startServer('layout');
  browser = await launchBrowser();
  mkdirSync(RESULTS_DIR, { recursive: true });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** A phone-sized page logged in as `username`; CSP bypassed only so axe can be injected. */
async function phone(username, locale) {
  const context = await browser.newContext({ baseURL: server.baseURL, locale, viewport: PHONE, bypassCSP: true, isMobile: true, hasTouch: true });
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  await page.goto('/login');
  await page.fill('form#login-form input[name=username]', username);
  await page.fill('form#login-form input[name=password]', DEMO_PASSWORD);
  await Promise.all([page.waitForURL((u) => new URL(u).pathname === '/'), page.click('form#login-form button[type=submit]')]);
  return page;
}

/** Same-site page links of the current page (the menu included), without downloads and actions. */
async function pageLinks(page) {
  const hrefs = await page.$$eval('a[href^="/"]', (as) => as.map((a) => a.getAttribute('href')));
  const skip = /^\/(lang|logout|api\/|static\/|portal\/files)|\.(csv|vcf|json|pdf|atom|ftm)(\?|$)|[?&]download/;
  return [...new Set(hrefs.map((h) => h.split('#')[0]).filter((h) => h && !skip.test(h)))];
}

async function axeViolations(page) {
  await page.addScriptTag({ content: AXE });
  return page.evaluate(async () => {
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] });
    return r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
}

/** SVG pictures without a text alternative (decorative ones say aria-hidden). */
async function unlabelledSvgs(page) {
  return page.$$eval('svg', (svgs) =>
    svgs
      .filter((s) => !s.closest('[aria-hidden="true"]') && !s.parentElement.closest('svg'))
      .filter((s) => !(s.getAttribute('aria-label') || s.getAttribute('aria-labelledby') || s.querySelector(':scope > title')))
      .map((s) => s.outerHTML.slice(0, 80)),
  );
}

async function crawl(username, locale) {
  const page = await phone(username, locale);
  const problems = [];
  const links = await pageLinks(page);
  // The menu is folded on a phone; its button opens it.
  const toggle = page.locator('#menu-toggle');
  assert.ok(await toggle.isVisible(), `${username}: the menu button shows on a phone`);
  assert.equal(await page.locator('#main-nav').isVisible(), false, `${username}: the menu starts folded`);
  await toggle.click();
  assert.ok(await page.locator('#main-nav').isVisible(), `${username}: the button opens the menu`);
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  const header = await page.locator('header.top').boundingBox();
  assert.ok(header, 'a header');
  // Focus ring: dark (3:1 or more on white and on the header's grey).
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  const ring = await page.evaluate(() => {
    const s = getComputedStyle(document.activeElement);
    return { style: s.outlineStyle, color: s.outlineColor, width: parseFloat(s.outlineWidth) };
  });
  assert.notEqual(ring.style, 'none', `${username}: the focused element shows an outline`);
  assert.ok(ring.width >= 2, `${username}: the outline is at least 2 px (${ring.width})`);
  assert.equal(ring.color, 'rgb(27, 31, 36)', `${username}: the outline is dark`);

  for (const href of ['/', ...links]) {
    const res = await page.goto(href);
    if (!res || res.status() >= 400) {
      problems.push(`${href}: HTTP ${res?.status()}`);
      continue;
    }
    const width = await page.evaluate(() => document.scrollingElement.scrollWidth);
    if (width > PHONE.width) problems.push(`${href} (${pathOf(page)}): ${width} px wide`);
    if (href === '/') {
      const bar = await page.locator('header.top').boundingBox();
      if (bar && bar.height > 120) problems.push(`${href}: header ${bar.height} px tall on a phone`);
    }
    for (const v of await axeViolations(page)) problems.push(`${href}: axe ${v.impact} ${v.id} (${v.help}) at ${v.targets.join(', ')}`);
    for (const svg of await unlabelledSvgs(page)) problems.push(`${href}: SVG without a text alternative: ${svg}`);
    if (KEY_PAGES.includes(href)) {
      const name = `layout-${username.replace('.', '-')}-${locale}${href.replace(/\//g, '_') || '_home'}.png`;
      await page.screenshot({ path: join(RESULTS_DIR, name), fullPage: true });
    }
  }
  await page.context().close();
  return { links, problems };
}

for (const [username, locale] of [['officer.mx', 'es-MX'], ['officer.us', 'en-US'], ['admin.gt', 'es-GT'], ['secretariat', 'es-CR'], ['approver.cr', 'es-CR']]) {
  test(`${username}: every page from home fits 390 px and passes axe`, async () => {
    const { links, problems } = await crawl(username, locale);
    assert.ok(links.length >= 5, `${username}: home links to the work (${links.join(' ')})`);
    assert.deepEqual(problems, [], `${username} at 390 px:\n  ${problems.join('\n  ')}`);
  });
}
