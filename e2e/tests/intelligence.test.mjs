// Intelligence work through the browser: a Guatemalan officer builds a case file kept to
// Guatemala (a person and the messaging account they own, linked both ways), finds the
// person by an accent-less search while a Mexican officer finds nothing and gets a 404;
// a Mexican prosecutor's hit/no-hit check finds the hidden person despite a misspelt name
// and a swapped date, learning only that Guatemala has a hit, never the content; a check
// without a purpose is refused by the server.
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
  createCase,
  addEntity,
} from '../lib/browser.mjs';
import { startServer } from '../lib/server.mjs';

const PERSON = {
  firstName: 'José Luis',
  lastName: 'Barrientos',
  secondName: 'Quiñónez',
  birthDate: '1981-04-09',
  nationality: 'gt',
};
const ACCOUNT = { phone: '+502 5555 1234', service: 'WhatsApp' };

let server;
let browser;
let gtPage;
let mxPage;
let prosecutorPage;

// Shared between the tests of this file (they run in order).
let casePath;
let personPath;
let personId;
let accountPath;

before(async () => {
  server = await startServer('intelligence');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const pages = () => ({ gt: gtPage, mx: mxPage, prosecutor: prosecutorPage });

/** The value of the `<th scope=row>` row of table#properties named `prop`. */
/** The values cell of a property row; rows carry the internal name in data-prop, the header
 * shows the property's name in the page's language. */
function propertyCell(page, prop) {
  return page.locator(`table#properties tbody tr[data-prop="${prop}"]`).locator('td');
}

/** Fills and submits the check form; fields absent from `fields` are left empty. */
async function runCheck(page, fields) {
  await page.goto('/checks');
  await page.locator('form#check-form').waitFor();
  for (const name of ['purpose', 'case_reference', 'name', 'birth_date', 'nationality', 'value']) {
    if (fields[name] !== undefined) await page.fill(`form#check-form input[name=${name}]`, fields[name]);
  }
  await page.selectOption('form#check-form select[name=kind]', fields.kind ?? 'person');
}

test('an officer records a person and their account, linked both ways', async () => {
  await withArtifacts('intelligence-case', pages, async () => {
    gtPage = await newPage(browser, server.baseURL, 'es-MX');
    await loginDemo(gtPage, 'officer.gt');

    const title = `E2E expediente solo Guatemala ${Date.now()}`;
    casePath = await createCase(gtPage, { title, level: 'country' });

    // --- the person
    personPath = await addEntity(gtPage, casePath, 'Person', PERSON);
    personId = personPath.split('/').pop();
    const caption = await text(gtPage, 'h1#entity-caption');
    for (const part of ['José Luis', 'Barrientos', 'Quiñónez']) {
      assert.ok(caption.includes(part), `the person's caption ${JSON.stringify(caption)} includes ${part}`);
    }
    assert.match(await propertyCell(gtPage, 'birthDate').innerText(), /1981-04-09/);
    assert.equal(await gtPage.locator('ul#links').count(), 0, 'a new person has no links yet');

    // The case lists the person.
    await gtPage.goto(casePath);
    assert.equal(
      await gtPage.locator(`a[href="${personPath}"]`).count(),
      1,
      'the case page links to the person',
    );

    // --- the account, owned by the person: the owner comes from the form's datalist
    await gtPage.selectOption('form#add-entity select[name=schema]', 'UserAccount');
    await submit(gtPage, 'form#add-entity');
    assert.equal(pathOf(gtPage), `${casePath}/entities/new`);
    const options = await gtPage
      .locator('datalist#entity-options option')
      .evaluateAll((els) => els.map((o) => ({ value: o.value, label: o.textContent })));
    const ownerOption = options.find((o) => o.label.includes('Barrientos'));
    assert.ok(ownerOption, `the datalist offers the person: ${JSON.stringify(options)}`);
    assert.equal(ownerOption.value, personId, "the datalist option's value is the person's id");
    await gtPage.fill('form#entity-form input[name="p.phone"]', ACCOUNT.phone);
    await gtPage.fill('form#entity-form [name="p.service"]', ACCOUNT.service);
    await gtPage.selectOption('form#entity-form select[name="p.owner"]', ownerOption.value);
    await submit(gtPage, 'form#entity-form');
    accountPath = pathOf(gtPage);
    assert.match(
      accountPath,
      /^\/entities\/[^/]+$/,
      `saving the account should redirect to /entities/<id>, not ${accountPath} (errors: ${await errorsOf(gtPage)})`,
    );
    assert.notEqual(accountPath, personPath);
    assert.match(await text(gtPage, 'h1#entity-caption'), /5555/, 'the account is captioned by its number');

    // The account page links to its owner.
    const ownerLink = propertyCell(gtPage, 'owner').locator(`a[href="${personPath}"]`);
    assert.equal(await ownerLink.count(), 1, "the account's owner property links to the person");
    assert.match(await ownerLink.innerText(), /Barrientos/, 'the link names the person, not their id');
    const spanish = (await htmlLang(gtPage)) !== 'en';
    assert.match(
      await text(gtPage, 'table#properties tr[data-prop="owner"] th'),
      spanish ? /^Propietario$/ : /^Owner$/,
      'the property is named in the page language',
    );
    assert.match(await propertyCell(gtPage, 'service').innerText(), /WhatsApp/);

    // --- the person page lists the account among the entities that refer to it
    await follow(gtPage, `table#properties a[href="${personPath}"]`);
    assert.equal(pathOf(gtPage), personPath);
    await gtPage.locator('ul#links').waitFor();
    const link = gtPage.locator(`ul#links a[href="${accountPath}"]`);
    assert.equal(await link.count(), 1, 'the person page links to the account under ul#links');
    assert.match(await link.innerText(), /5555/);
    assert.equal(
      await gtPage.locator(`ul#links li[data-prop="owner"] a[href="${accountPath}"]`).count(),
      1,
      'the link is through the owner property',
    );
    assert.match(
      await text(gtPage, 'ul#links'),
      (await htmlLang(gtPage)) === 'en' ? /Holder of the account/ : /Titular de la cuenta/,
      'the link says in words how the account refers to the person, in the page language',
    );
  });
});

test('search is accent-insensitive and shows only what the user may see', async () => {
  await withArtifacts('intelligence-search', pages, async () => {
    assert.ok(personPath, 'needs the person created by the previous test');

    // --- the owner country's officer finds the person without typing the accents
    const response = await gtPage.goto('/search?q=barrientos quinonez');
    assert.equal(response.status(), 200);
    await gtPage.locator('table#results, .empty').first().waitFor();
    assert.equal(await gtPage.locator('table#results').count(), 1, 'officer.gt gets results');
    const hit = gtPage.locator(`table#results a[href="${personPath}"]`);
    assert.equal(await hit.count(), 1, 'the person is among the results');
    assert.match(await hit.innerText(), /Barrientos/);
    // Prefixes of words match too.
    await gtPage.goto('/search?q=BARRIEN jos');
    assert.equal(await gtPage.locator(`table#results a[href="${personPath}"]`).count(), 1, 'word prefixes match');

    // --- another country's officer neither finds it nor can open it
    mxPage = await newPage(browser, server.baseURL, 'es-MX');
    await loginDemo(mxPage, 'officer.mx');
    await mxPage.goto('/search?q=barrientos quinonez');
    await mxPage.locator('table#results, .empty').first().waitFor();
    assert.equal(await mxPage.locator('table#results').count(), 0, 'officer.mx gets no results table');
    assert.ok((await mxPage.locator('.empty').count()) > 0, 'officer.mx sees the empty message');
    assert.ok(!(await mxPage.content()).includes('Barrientos'), 'the search page does not leak the name');

    for (const path of [personPath, accountPath]) {
      const r = await mxPage.goto(path);
      assert.equal(r.status(), 404, `${path} is a plain 404 for officer.mx`);
      assert.match(await text(mxPage, '#error-code'), /not_found/);
      const html = await mxPage.content();
      assert.ok(!html.includes('Barrientos') && !html.includes('5555'), 'the 404 page leaks nothing');
    }
  });
});

test("a check finds the hidden person fuzzily and shows only the owner country's hit", async () => {
  await withArtifacts('intelligence-check', pages, async () => {
    assert.ok(personPath, 'needs the person created by the first test');
    prosecutorPage = await newPage(browser, server.baseURL, 'es-MX');
    await loginDemo(prosecutorPage, 'prosecutor.mx');

    // Misspelt, accent-less, second surname dropped, day and month swapped.
    await runCheck(prosecutorPage, {
      purpose: 'Verificar antes de solicitud de asistencia jurídica',
      case_reference: 'MX-FGR-2026-118',
      kind: 'person',
      name: 'Jose Luis Barientos',
      birth_date: '1981-09-04',
    });
    await submit(prosecutorPage, 'form#check-form');
    assert.equal(pathOf(prosecutorPage), '/checks');
    assert.equal(
      await prosecutorPage.locator('.error').count(),
      0,
      `the check is accepted (errors: ${await errorsOf(prosecutorPage)})`,
    );
    await prosecutorPage.locator('table#check-results').waitFor();

    const rows = prosecutorPage.locator('table#check-results tbody tr[data-country]');
    assert.ok((await rows.count()) >= 2, 'one row per member country');
    const gt = prosecutorPage.locator('table#check-results tr[data-country=gt]');
    const pa = prosecutorPage.locator('table#check-results tr[data-country=pa]');
    assert.equal(await gt.count(), 1, 'there is a row for Guatemala');
    assert.equal(await pa.count(), 1, 'there is a row for Panama');
    assert.match((await gt.getAttribute('class')) ?? '', /\bhit\b/, 'Guatemala has a hit');
    assert.match((await pa.getAttribute('class')) ?? '', /\bnohit\b/, 'Panama has no hit');
    assert.match(await gt.innerText(), /HIT-/, 'the hit carries a reference to ask for');
    assert.equal(await gt.locator('a[href^="/entities/"]').count(), 0, 'the hidden record is not linked');
    assert.equal(await gt.locator('a.request-link').count(), 1, 'a hit offers an information request');

    // Hidden content is never shown: not the name the officer typed, nor the ids.
    const pageText = await prosecutorPage.locator('body').innerText();
    const html = await prosecutorPage.content();
    for (const secret of ['Quiñónez', 'Barrientos', personId, accountPath.split('/').pop()]) {
      assert.ok(!pageText.includes(secret), `the page text does not contain ${secret}`);
      assert.ok(!html.includes(secret), `the page HTML does not contain ${secret}`);
    }
  });
});

test('a check without a purpose is refused by the server', async () => {
  await withArtifacts('intelligence-check-purpose', pages, async () => {
    if (!prosecutorPage) {
      prosecutorPage = await newPage(browser, server.baseURL, 'es-MX');
      await loginDemo(prosecutorPage, 'prosecutor.mx');
    }
    await runCheck(prosecutorPage, {
      case_reference: 'MX-FGR-2026-119',
      kind: 'person',
      name: 'Jose Luis Barientos',
      birth_date: '1981-09-04',
    });
    // Bypass the browser's own check so the server's validation is what is tested.
    await prosecutorPage.evaluate(() => {
      document.querySelector('form#check-form input[name=purpose]').removeAttribute('required');
    });
    const responsePromise = prosecutorPage.waitForResponse(
      (r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/checks',
    );
    await submit(prosecutorPage, 'form#check-form');
    const response = await responsePromise;
    assert.equal(response.status(), 422, 'a check without purpose is answered 422');
    assert.ok((await prosecutorPage.locator('.error').count()) > 0, 'the page shows an error');
    assert.equal(
      await prosecutorPage.locator('table#check-results').count(),
      0,
      'no results without a purpose',
    );
    assert.equal(
      await prosecutorPage.locator('form#check-form input[name=case_reference]').inputValue(),
      'MX-FGR-2026-119',
      'the form keeps what was typed',
    );
  });
});
