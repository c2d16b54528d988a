// From a hit to the record: a Mexican prosecutor checks a misspelt, accent-less name with a
// swapped date of birth; Guatemala shows a hit; the prosecutor sends an information request
// from it; a Guatemalan officer (another browser context) acknowledges and answers by sharing
// the person; the prosecutor now sees the record. A Panamanian officer sees neither the
// request nor the person.
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
  createCase,
  addEntity,
} from '../lib/browser.mjs';
import { startServer } from '../lib/server.mjs';

const PERSON = {
  firstName: 'María Fernanda',
  lastName: 'Xicará',
  secondName: 'Tzoc',
  birthDate: '1987-03-11',
  nationality: 'gt',
};
const PURPOSE = 'Identificar a la persona buscada en la investigación MX-FGR-2026-204';
const LEGAL_BASIS = 'Convenio regional de cooperación, art. 7';
const REQUEST_MESSAGE = 'Solicitamos los datos de la persona detrás de la coincidencia.';
const ANSWER_MESSAGE = 'Compartimos el registro de la persona; uso solo para inteligencia.';

let server;
let browser;
let gtPage;
let prosecutorPage;
let paPage;

// Shared between the tests of this file (they run in order).
let personPath;
let personId;
let requestPath;
let requestNumber;

before(async () => {
  server = await startServer('requests');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const pages = () => ({ gt: gtPage, prosecutor: prosecutorPage, pa: paPage });

/** Opens `path` and checks it is the plain not_found page, leaking none of `secrets`. */
async function assertNotFound(page, path, who, secrets = []) {
  const response = await page.goto(path);
  assert.equal(response.status(), 404, `${path} is a 404 for ${who}`);
  assert.match(await text(page, '#error-code'), /not_found/, `${path} shows the not_found code to ${who}`);
  const html = await page.content();
  for (const secret of secrets) {
    assert.ok(!html.includes(secret), `the 404 page for ${who} does not contain ${secret}`);
  }
}

test('a Guatemalan officer records a person kept to Guatemala', async () => {
  await withArtifacts('requests-person', pages, async () => {
    gtPage = await newPage(browser, server.baseURL, 'es-GT');
    await loginDemo(gtPage, 'officer.gt');
    const casePath = await createCase(gtPage, { title: `E2E expediente solo Guatemala ${Date.now()}`, level: 'country' });
    personPath = await addEntity(gtPage, casePath, 'Person', PERSON);
    personId = personPath.split('/').pop();
    const caption = await text(gtPage, 'h1#entity-caption');
    for (const part of ['María Fernanda', 'Xicará']) {
      assert.ok(caption.includes(part), `the person's caption ${JSON.stringify(caption)} includes ${part}`);
    }
  });
});

test('a Mexican prosecutor gets a hit from Guatemala and sends a request from it', async () => {
  await withArtifacts('requests-send', pages, async () => {
    assert.ok(personPath, 'needs the person created by the previous test');
    prosecutorPage = await newPage(browser, server.baseURL, 'es-MX');
    await loginDemo(prosecutorPage, 'prosecutor.mx');

    // The record is hidden from Mexico.
    await assertNotFound(prosecutorPage, personPath, 'prosecutor.mx', ['Xicará', 'Tzoc']);

    // --- the check: accent-less, misspelt first name, day and month swapped
    await prosecutorPage.goto('/checks');
    await prosecutorPage.fill('form#check-form input[name=purpose]', PURPOSE);
    await prosecutorPage.fill('form#check-form input[name=case_reference]', 'MX-FGR-2026-204');
    await prosecutorPage.selectOption('form#check-form select[name=kind]', 'person');
    await prosecutorPage.fill('form#check-form input[name=name]', 'Maria Fernada Xicara');
    await prosecutorPage.fill('form#check-form input[name=birth_date]', '1987-11-03');
    await submit(prosecutorPage, 'form#check-form');
    assert.equal(pathOf(prosecutorPage), '/checks');
    assert.equal(
      await prosecutorPage.locator('.error').count(),
      0,
      `the check is accepted (errors: ${await errorsOf(prosecutorPage)})`,
    );
    await prosecutorPage.locator('table#check-results').waitFor();
    const gt = prosecutorPage.locator('table#check-results tr[data-country=gt]');
    assert.equal(await gt.count(), 1, 'there is a row for Guatemala');
    assert.match((await gt.getAttribute('class')) ?? '', /\bhit\b/, 'Guatemala has a hit');
    const reference = ((await gt.locator('code').first().textContent()) ?? '').trim();
    assert.match(reference, /^HIT-/, `the hit carries a reference, not ${JSON.stringify(reference)}`);
    // A hidden record's hit says only how strong it is, in the page's language: what
    // matched would reveal the hidden values.
    const explained = (await gt.locator('.records-why').textContent()) ?? '';
    assert.match(explained, /Coincidencia (fuerte|posible)/, `the band is in Spanish: ${explained}`);
    assert.ok(!/Fecha de nacimiento|birth_date/.test(explained), `no features of a hidden record: ${explained}`);
    const checkHtml = await prosecutorPage.content();
    for (const secret of ['Xicará', 'Tzoc', personId]) {
      assert.ok(!checkHtml.includes(secret), `the check page does not contain ${secret}`);
    }

    // --- the hit's request link leads to a prefilled request form
    assert.equal(await gt.locator('a.request-link').count(), 1, 'the hit offers a request');
    await follow(prosecutorPage, 'table#check-results tr[data-country=gt] a.request-link');
    const formURL = new URL(prosecutorPage.url());
    assert.equal(formURL.pathname, '/requests/new');
    assert.equal(formURL.searchParams.get('to'), 'gt');
    assert.equal(formURL.searchParams.get('reference'), reference);
    assert.equal(
      await prosecutorPage.locator('#error-code').count(),
      0,
      `${formURL.pathname} should be the request form, not an error page (${await text(prosecutorPage, 'h1')})`,
    );
    await prosecutorPage.locator('form#request-form').waitFor();
    assert.equal(
      await prosecutorPage.locator('form#request-form input[name=reference]').inputValue(),
      reference,
      'the reference is prefilled',
    );
    assert.equal(
      await prosecutorPage.locator('form#request-form select[name=to]').inputValue(),
      'gt',
      'Guatemala is preselected',
    );

    await prosecutorPage.fill('form#request-form input[name=purpose]', PURPOSE);
    await prosecutorPage.fill('form#request-form input[name=legal_basis]', LEGAL_BASIS);
    await prosecutorPage.selectOption('form#request-form select[name=urgency]', 'urgent');
    await prosecutorPage.fill('form#request-form textarea[name=message]', REQUEST_MESSAGE);
    await submit(prosecutorPage, 'form#request-form');
    requestPath = pathOf(prosecutorPage);
    assert.match(
      requestPath,
      /^\/requests\/[^/]+$/,
      `sending should redirect to /requests/<id>, not ${requestPath} (errors: ${await errorsOf(prosecutorPage)})`,
    );
    assert.notEqual(requestPath, '/requests/new');
    await prosecutorPage.locator('#request-status').waitFor();
    assert.match((await prosecutorPage.locator('#request-status').getAttribute('class')) ?? '', /\btag-sent\b/);
    assert.match(await text(prosecutorPage, '#request-status'), /Enviada/);
    requestNumber = await text(prosecutorPage, 'h1');
    assert.ok(requestNumber.length > 0, 'the request shows its number');
    const body = await prosecutorPage.locator('body').innerText();
    assert.ok(body.includes(reference), 'the request lists the hit reference');
    assert.ok(body.includes(LEGAL_BASIS), 'the request shows its legal basis');
    assert.ok(body.includes(REQUEST_MESSAGE), 'the request shows its message');
    assert.match(body, /Urgente/, 'the request is urgent');
    assert.equal(await prosecutorPage.locator('ul#shared').count(), 0, 'nothing is shared yet');

    // Sending a request does not open the record.
    await assertNotFound(prosecutorPage, personPath, 'prosecutor.mx before the answer', ['Xicará']);
  });
});

test('the Guatemalan officer acknowledges and answers by sharing the person', async () => {
  await withArtifacts('requests-answer', pages, async () => {
    assert.ok(requestPath, 'needs the request sent by the previous test');
    await gtPage.goto('/requests');
    await gtPage.locator('table#requests').waitFor();
    const link = gtPage.locator(`table#requests a[href="${requestPath}"]`);
    assert.equal(await link.count(), 1, "the request is in Guatemala's inbox");
    assert.equal((await link.innerText()).trim(), requestNumber, 'the inbox shows the request number');
    await follow(gtPage, `table#requests a[href="${requestPath}"]`);
    assert.equal(pathOf(gtPage), requestPath);
    assert.equal(await text(gtPage, 'h1'), requestNumber);
    assert.ok((await gtPage.locator('body').innerText()).includes(REQUEST_MESSAGE));

    // --- acknowledge
    assert.equal(await gtPage.locator('form#ack-form').count(), 1, 'a sent request can be acknowledged');
    await submit(gtPage, 'form#ack-form');
    assert.equal(pathOf(gtPage), requestPath, `acknowledging returns to the request (errors: ${await errorsOf(gtPage)})`);
    assert.match((await gtPage.locator('#request-status').getAttribute('class')) ?? '', /\btag-acknowledged\b/);
    assert.match(await text(gtPage, '#request-status'), /Recibida/);
    assert.equal(await gtPage.locator('form#ack-form').count(), 0, 'no second acknowledgement');

    // --- answer, sharing the person behind the hit
    const share = gtPage.locator('form#answer-form input[type=checkbox][name=share]');
    assert.equal(await share.count(), 1, 'the answer form offers the one record behind the hit');
    assert.equal(await share.getAttribute('value'), personId, 'the offered record is the person');
    assert.ok(await share.isChecked(), 'the person is checked for sharing');
    assert.match(await gtPage.locator('form#answer-form fieldset').innerText(), /Xicará/);
    await gtPage.fill('form#answer-form textarea[name=message]', ANSWER_MESSAGE);
    await submit(gtPage, 'form#answer-form');
    assert.equal(pathOf(gtPage), requestPath, `answering returns to the request (errors: ${await errorsOf(gtPage)})`);
    assert.match((await gtPage.locator('#request-status').getAttribute('class')) ?? '', /\btag-answered\b/);
    assert.match(await text(gtPage, '#request-status'), /Respondida/);
    const thread = await gtPage.locator('ol#thread').innerText();
    assert.ok(thread.includes(ANSWER_MESSAGE), `the thread shows the answer: ${JSON.stringify(thread)}`);
    assert.match(thread, /officer\.gt/, 'the thread names the author');
    assert.equal(await gtPage.locator('form#answer-form').count(), 0, 'an answered request takes no second answer');
  });
});

test('the prosecutor now sees the shared record', async () => {
  await withArtifacts('requests-shared', pages, async () => {
    assert.ok(requestPath, 'needs the answered request');
    const response = await prosecutorPage.goto(requestPath);
    assert.equal(response.status(), 200);
    assert.match((await prosecutorPage.locator('#request-status').getAttribute('class')) ?? '', /\btag-answered\b/);
    assert.ok((await prosecutorPage.locator('ol#thread').innerText()).includes(ANSWER_MESSAGE));
    const shared = prosecutorPage.locator(`ul#shared a[href="${personPath}"]`);
    assert.equal(await shared.count(), 1, 'the request links to the shared person');
    assert.match(await shared.innerText(), /Xicará/);

    await follow(prosecutorPage, `ul#shared a[href="${personPath}"]`);
    assert.equal(pathOf(prosecutorPage), personPath);
    const caption = await text(prosecutorPage, 'h1#entity-caption');
    for (const part of ['María Fernanda', 'Xicará']) {
      assert.ok(caption.includes(part), `the shared person's caption ${JSON.stringify(caption)} includes ${part}`);
    }
    const direct = await prosecutorPage.goto(personPath);
    assert.equal(direct.status(), 200, 'the person URL now answers 200 for prosecutor.mx');
  });
});

test('a third country sees neither the request nor the person', async () => {
  await withArtifacts('requests-third', pages, async () => {
    assert.ok(requestPath && personPath, 'needs the request and the person');
    paPage = await newPage(browser, server.baseURL, 'es-PA');
    await loginDemo(paPage, 'officer.pa');
    await assertNotFound(paPage, requestPath, 'officer.pa', [requestNumber, PURPOSE, 'Xicará']);
    await assertNotFound(paPage, personPath, 'officer.pa', ['Xicará', 'Tzoc']);
    await paPage.goto('/requests');
    assert.ok(!(await paPage.content()).includes(requestPath), "the request is not in Panama's inbox");
    await paPage.goto('/requests?box=out');
    assert.ok(!(await paPage.content()).includes(requestPath), "the request is not in Panama's outbox");
  });
});
