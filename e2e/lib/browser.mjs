// Browser plumbing and page helpers shared by the tests, written against the page
// contract (ids and form names) that the server promises.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { RESULTS_DIR } from './server.mjs';

export const DEMO_PASSWORD = 'enlace-demo';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Debian's chromium, headless; flags keep it quiet (no sandbox as root in CI, no network chatter).
 * Launched again (up to three times) when the browser itself dies while starting: it once
 * crashed at launch (SIGSEGV, before any page) on the 2-core CI machine, failing a test that
 * had not begun. Only the launch is retried, never a test step.
 */
export async function launchBrowser() {
  let lastError;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      return await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      });
    } catch (e) {
      lastError = e;
    }
  }
  throw lastError;
}

/** A fresh context (own cookies); `locale` sets Accept-Language, e.g. 'es-MX' or 'en-US'. */
export async function newPage(browser, baseURL, locale) {
  const context = await browser.newContext({ baseURL, locale });
  context.setDefaultTimeout(20_000);
  context.setDefaultNavigationTimeout(30_000);
  const page = await context.newPage();
  return page;
}

export function pathOf(page) {
  return new URL(page.url()).pathname;
}

export async function htmlLang(page) {
  return page.locator('html').getAttribute('lang');
}

export async function text(page, selector) {
  return ((await page.locator(selector).first().textContent()) ?? '').trim();
}

/**
 * Submits a form with its submit button and waits for the resulting page (after any
 * redirects) to load. Works when the server re-renders the same URL, e.g. on errors.
 */
export async function submit(page, formSelector) {
  const navigated = page.waitForEvent('framenavigated', {
    predicate: (frame) => frame === page.mainFrame(),
  });
  await page
    .locator(
      `${formSelector} button:not([type=button]):not([type=reset]), ${formSelector} input[type=submit]`,
    )
    .first()
    .click();
  await navigated;
  await page.waitForLoadState('load');
}

/** Clicks a link and waits for the page it leads to. */
export async function follow(page, selector) {
  const navigated = page.waitForEvent('framenavigated', {
    predicate: (frame) => frame === page.mainFrame(),
  });
  await page.locator(selector).first().click();
  await navigated;
  await page.waitForLoadState('load');
}

/** Fills the login form with a username and password and submits it. */
export async function submitPassword(page, username, password) {
  await page.goto('/login');
  await page.fill('form#login-form input[name=username]', username);
  await page.fill('form#login-form input[name=password]', password);
  await submit(page, 'form#login-form');
}

/** Logs a demo account in (no second factor) and checks it lands home. */
export async function loginDemo(page, username) {
  await submitPassword(page, username, DEMO_PASSWORD);
  assert.equal(pathOf(page), '/', `${username} should land on / after login`);
  assert.match(await text(page, '#whoami'), new RegExp(escapeRegExp(username)));
}

export async function logout(page) {
  await submit(page, 'form#logout-form');
  assert.equal(pathOf(page), '/login', 'logout should end at /login');
}

export function escapeRegExp(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Runs a test body; when it fails, saves a screenshot and the HTML of each named page in
 * test-results/ and adds their URLs to the error, so a failure can be read without a rerun.
 */
export async function withArtifacts(testName, pages, body) {
  try {
    await body();
  } catch (err) {
    mkdirSync(RESULTS_DIR, { recursive: true });
    const notes = [];
    for (const [label, page] of Object.entries(pages())) {
      if (!page || page.isClosed()) continue;
      const base = join(RESULTS_DIR, `${testName}-${label}`);
      try {
        await page.screenshot({ path: `${base}.png`, fullPage: true, timeout: 5_000 });
        writeFileSync(`${base}.html`, await page.content());
        notes.push(`${label}: ${page.url()} (saved ${base}.png/.html)`);
      } catch (saveErr) {
        notes.push(`${label}: ${page.url()} (could not save: ${saveErr.message})`);
      }
    }
    if (notes.length && err instanceof Error) {
      const note = `pages at failure:\n    ${notes.join('\n    ')}`;
      err.message += `\n  ${note}`;
      // The stack was formatted when the error was made; the runner prints the stack.
      if (typeof err.stack === 'string') err.stack += `\n  ${note}`;
    }
    throw err;
  }
}

/** The text of the page's `.error` elements, or 'none' (for assertion messages). */
export async function errorsOf(page) {
  const errors = page.locator('.error');
  return (await errors.count()) ? (await errors.allTextContents()).join(' | ') : 'none';
}

/**
 * Creates a case file through /cases and the new-case form, shared as `level` says (and with
 * `countries` when the level is 'countries'); returns its URL path (/cases/<id>).
 */
export async function createCase(page, { title, level, countries = [] }) {
  await page.goto('/cases');
  await follow(page, 'a#new-case');
  assert.equal(pathOf(page), '/cases/new');
  await page.fill('form#case-form input[name=title]', title);
  await page.fill('form#case-form textarea[name=summary]', `Resumen de prueba para «${title}».`);
  await page.selectOption('form#case-form select[name=distribution_level]', level);
  for (const cc of countries) {
    await page.check(`form#case-form input[name=distribution_countries][value="${cc}"]`);
  }
  // Any handling code will do; the evaluation is a fixed grade.
  await page.selectOption('form#case-form select[name=handling]', { index: 0 });
  await page.selectOption('form#case-form select[name=evaluation]', 'B2');
  await submit(page, 'form#case-form');
  const path = pathOf(page);
  assert.match(path, /^\/cases\/[^/]+$/, `after creating a case we should be on /cases/<id>, not ${path}`);
  assert.ok((await text(page, 'h1')).includes(title), 'the case page shows its title in h1');
  assert.ok((await text(page, '#case-reference')).length > 0, 'the case shows a reference');
  return path;
}

/** From a case page, opens the entity form for a schema through form#add-entity. */
export async function openEntityForm(page, casePath, schema) {
  await page.goto(casePath);
  await page.selectOption('form#add-entity select[name=schema]', schema);
  await submit(page, 'form#add-entity');
  assert.equal(pathOf(page), `${casePath}/entities/new`, `the ${schema} form is at ${casePath}/entities/new`);
  assert.equal(await page.locator('form#entity-form input[name=schema]').inputValue(), schema);
}

/**
 * Sets a form field: a select (a vocabulary, a country, a linked record) is chosen by value,
 * any other field typed into. With several fields of one name, the first one is set.
 */
export async function setField(page, selector, value) {
  const field = page.locator(selector).first();
  const tag = await field.evaluate((el) => el.tagName);
  if (tag === 'SELECT') await field.selectOption(value);
  else await field.fill(value);
}

/** Fills `p.<property>` fields of the open entity form, saves, returns /entities/<id>. */
export async function saveEntity(page, schema, props) {
  for (const [prop, value] of Object.entries(props)) {
    await setField(page, `form#entity-form [name="p.${prop}"]`, value);
  }
  await submit(page, 'form#entity-form');
  const entityPath = pathOf(page);
  assert.match(
    entityPath,
    /^\/entities\/[^/]+$/,
    `saving a ${schema} should redirect to /entities/<id>, not ${entityPath} (errors: ${await errorsOf(page)})`,
  );
  return entityPath;
}

/** Adds an entity of `schema` to a case through its page; returns /entities/<id>. */
export async function addEntity(page, casePath, schema, props) {
  await openEntityForm(page, casePath, schema);
  return saveEntity(page, schema, props);
}

/** The id at the end of an entity's path. */
export const idOf = (path) => path.split('/').pop();

/**
 * Saves a full-page screenshot of `page` as test-results/screenshots/<name>.png (the folder
 * is git-ignored): the key pages of a journey, for a reader to look at without a rerun.
 */
export async function saveScreenshot(page, name) {
  const dir = join(RESULTS_DIR, 'screenshots');
  mkdirSync(dir, { recursive: true });
  try {
    await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true, timeout: 10_000 });
  } catch {
    // A screenshot is a convenience; it never fails a test.
  }
}
