// Pages speak the reader's words: an officer walks the demo in Spanish and in English,
// following every same-origin link from the home page (GET only, bounded), and no page may
// show a FollowTheMoney property or schema name, or a 32-hex record id, in its visible text.
// The names come from the schema definitions themselves (crates/enlace-domain/src/ftm.rs),
// so a property added there is checked here without editing this file. Pages other features
// add later are crawled as soon as a link reaches them.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { launchBrowser, loginDemo, newPage, saveScreenshot } from '../lib/browser.mjs';
import { startServer } from '../lib/server.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const FTM = readFileSync(resolve(HERE, '../../crates/enlace-domain/src/ftm.rs'), 'utf8');

/** Property names: every `("name", Type)` pair of the schema tables. */
const PROPERTIES = new Set([...FTM.matchAll(/\("([A-Za-z0-9]+)",\s*[A-Z][A-Za-z]+\)/g)].map((m) => m[1]));
/** Schema names: the first element of each `("Schema", &[…])` row of SCHEMAS. */
const SCHEMAS = new Set([...FTM.matchAll(/\(\s*"([A-Z][A-Za-z]+)",\s*&\[/g)].map((m) => m[1]));

/**
 * The internal names a page in `lang` must not show as words. In Spanish every schema and
 * property name is foreign and so a leak; in English plain words (`name`, `country`, `Person`)
 * are also the reader's words, so only the names no English text would use — those written
 * in camelCase (`birthDate`, `enlaceEventType`, `BankAccount`) — count.
 */
function forbidden(lang) {
  const all = [...PROPERTIES, ...SCHEMAS];
  // `alias` is the Spanish word too; `full` never shows alone in Spanish text either way.
  const spanishWords = new Set(['alias']);
  if (lang === 'es') return new Set(all.filter((n) => !spanishWords.has(n)));
  return new Set(all.filter((n) => /[a-z][A-Z]/.test(n)));
}

const HEX_ID = /\b[0-9a-f]{32}\b/i;
const MAX_PAGES = Number(process.env.WORDS_MAX_PAGES ?? 260);
/** Visits per page shape (path with ids replaced), so one list of 50 records does not eat the budget. */
const PER_SHAPE = 8;
const SKIP = [
  /^\/logout/,
  /^\/lang/,
  /^\/api\//,
  /^\/events/,
  /\/export/,
  /\.(csv|vcf|pdf|json|ftm|jsonl|png|jpg|svg|xml|atom)$/,
  /checkpoints/,
  /\/download/,
  /\/file/,
];

/** Words that name what a page does rather than which record it shows. */
const VERBS = new Set(['new', 'edit', 'graph', 'timeline', 'versions', 'history', 'import', 'entities', 'questions', 'print', 'matches']);
/** A page's shape: its feature, then `:` for every segment that names a record or a code. */
const shape = (path) =>
  path
    .split('/')
    .map((seg, i) => (i <= 1 || VERBS.has(seg) ? seg : ':'))
    .join('/');

let server;
let browser;

before(async () => {
  server = await startServer('words');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function crawl(locale, lang, user) {
  const page = await newPage(browser, server.baseURL, locale);
  await loginDemo(page, user);
  // Each page is read in its own language (a link may lead to the public portal in the other).
  const names = { es: forbidden('es'), en: forbidden('en') };
  const origin = new URL(server.baseURL).origin;
  const queue = ['/'];
  const seen = new Set(queue);
  const shapes = new Map();
  const problems = [];
  let visited = 0;
  while (queue.length && visited < MAX_PAGES) {
    const path = queue.shift();
    const res = await page.goto(path);
    visited += 1;
    const type = res?.headers()['content-type'] ?? '';
    if (!type.includes('text/html')) continue;
    const { shown, prose, pageLang } = await page.evaluate(() => {
      // What a reader sees plus what assistive technology reads out.
      const attrs = [...document.querySelectorAll('[title],[aria-label],[alt],[placeholder]')]
        .map((el) => ['title', 'aria-label', 'alt', 'placeholder'].map((a) => el.getAttribute(a) ?? '').join(' '))
        .join(' ');
      const shown = `${document.title} ${document.body.innerText} ${attrs}`;
      // For names, leave out what is deliberately literal or in the other language: <code>
      // (a file's column headers to type) and passages marked with another lang (a question
      // shown in both languages).
      const lang = document.documentElement.lang;
      const copy = document.body.cloneNode(true);
      copy.querySelectorAll('code, script, style').forEach((el) => el.remove());
      copy.querySelectorAll('[lang]').forEach((el) => {
        if (el.getAttribute('lang') !== lang) el.remove();
      });
      // innerText needs layout: measure the copy in place, hidden from view.
      copy.style.position = 'absolute';
      copy.style.left = '-99999px';
      document.documentElement.appendChild(copy);
      const prose = `${document.title} ${copy.innerText} ${attrs}`;
      copy.remove();
      return { shown, prose, pageLang: lang };
    });
    const words = new Set(prose.split(/[^\p{L}\p{N}_]+/u).filter(Boolean));
    const leaked = [...words].filter((w) => (names[pageLang] ?? names[lang]).has(w));
    const hex = shown.match(HEX_ID);
    if (leaked.length || hex) {
      problems.push(`${lang} ${path}: ${[...leaked, ...(hex ? [`id ${hex[0]}`] : [])].join(', ')}`);
    }
    const hrefs = await page.locator('a[href]').evaluateAll((els) => els.map((a) => a.href));
    // GET forms too, as sent with what they hold by default (the case's «add a record»
    // form opens the entity form; a search form its empty search).
    hrefs.push(
      ...(await page.locator('form').evaluateAll((forms) =>
        forms
          .filter((f) => (f.getAttribute('method') ?? 'get').toLowerCase() === 'get')
          .map((f) => {
            // getAttribute: an input named «action» shadows the form's property.
            const url = new URL(f.getAttribute('action') ?? '', document.baseURI);
            url.search = new URLSearchParams(new FormData(f)).toString();
            return url.href;
          }),
      )),
    );
    for (const href of hrefs) {
      let url;
      try {
        url = new URL(href);
      } catch {
        continue;
      }
      if (url.origin !== origin) continue;
      const next = url.pathname + url.search;
      if (seen.has(next) || SKIP.some((re) => re.test(url.pathname))) continue;
      const s = shape(url.pathname);
      if ((shapes.get(s) ?? 0) >= PER_SHAPE) continue;
      shapes.set(s, (shapes.get(s) ?? 0) + 1);
      seen.add(next);
      queue.push(next);
    }
  }
  if (process.env.WORDS_LIST) console.log([...seen].join('\n'));
  await saveScreenshot(page, `words-${lang}-last`);
  await page.context().close();
  return { visited, problems };
}

for (const [locale, lang] of [
  ['es-MX', 'es'],
  ['en-US', 'en'],
]) {
  test(`an officer's pages in ${lang} show no internal names or ids`, async () => {
    const { visited, problems } = await crawl(locale, lang, 'officer.gt');
    assert.ok(visited >= 20, `the crawl reached only ${visited} pages`);
    assert.deepEqual(problems, [], `${problems.length} of ${visited} pages show internal names or ids`);
  });
}
