// Records in the user's words. A Guatemalan officer records a network through forms that
// speak Spanish (groups, choices, dates typed as people write them) and reads its links as
// sentences; a bad date comes back with its field named. A Mexican officer keeps a phone
// to Mexico; the Guatemalan officer checks it as typed locally, gets the hit first, asks
// for it with the check's purpose carried along, and Mexico answers, sharing the record.
// Screenshots of the key pages go to test-results/screenshots/.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  createCase,
  errorsOf,
  follow,
  launchBrowser,
  loginDemo,
  newPage,
  openEntityForm,
  pathOf,
  saveEntity,
  saveScreenshot,
  submit,
  text,
  withArtifacts,
} from '../lib/browser.mjs';
import { startServer } from '../lib/server.mjs';

const STAMP = Date.now();
const PURPOSE = `Ubicar a quien coordina los cruces (${STAMP})`;
const PHONE_STORED = '+52 55 0141 6704';
const PHONE_TYPED = '(55) 0141-6704';

let server;
let browser;
let gtPage;
let mxPage;
let casePath;
let accountPath;
let requestPath;

before(async () => {
  server = await startServer('records');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const pages = () => ({ gt: gtPage, mx: mxPage });

test('an officer records a network with its links through forms in words', async () => {
  await withArtifacts('records-network', pages, async () => {
    gtPage = await newPage(browser, server.baseURL, 'es-GT');
    await loginDemo(gtPage, 'officer.gt');
    casePath = await createCase(gtPage, { title: `Red ficticia de registros ${STAMP}`, level: 'country' });

    // The person form: grouped, labelled, the rest behind «Más datos».
    await openEntityForm(gtPage, casePath, 'Person');
    const legends = await gtPage.locator('form#entity-form fieldset.records-group > legend').allInnerTexts();
    for (const g of ['Identificación', 'Contacto', 'Documentos y números']) {
      assert.ok(legends.includes(g), `the form has a group «${g}»: ${JSON.stringify(legends)}`);
    }
    assert.equal(await gtPage.locator('form#entity-form details.records-more').count(), 1, 'the rest is folded');
    assert.equal(
      await gtPage.locator('form#entity-form details.records-more [name="p.incorporationDate"]').count(),
      1,
      'company fields sit behind «more»',
    );
    assert.equal(await gtPage.locator('form#entity-form select[name="p.nationality"]').count(), 1, 'nationality is a choice');
    await saveScreenshot(gtPage, 'records-person-form');
    const personPath = await saveEntity(gtPage, 'Person', {
      firstName: 'Rigoberto',
      lastName: `Ficticio ${STAMP}`,
      birthDate: '14/12/1978',
      nationality: 'gt',
      gender: 'male',
    });
    const birth = await gtPage.locator('table#properties tr[data-prop="birthDate"] td').innerText();
    assert.equal(birth.trim(), '1978-12-14', 'a date typed day first is kept as ISO');
    assert.match(await gtPage.locator('table#properties tr[data-prop="nationality"] td').innerText(), /Guatemala/);

    // The organisation with a modus operandi from the vocabulary (checkboxes).
    await openEntityForm(gtPage, casePath, 'Organization');
    await gtPage.fill('form#entity-form [name="p.name"]', `Red del Volcán ${STAMP}`);
    const mo = gtPage.locator('form#entity-form input[type=checkbox][name="p.enlaceModusOperandi"]');
    assert.ok((await mo.count()) > 0, 'modus operandi are choices');
    await mo.first().check();
    await submit(gtPage, 'form#entity-form');
    const orgPath = pathOf(gtPage);
    assert.match(orgPath, /^\/entities\//, `the organisation is saved (errors: ${await errorsOf(gtPage)})`);

    // The membership: both ends chosen by caption from selects.
    await openEntityForm(gtPage, casePath, 'Membership');
    const member = gtPage.locator('form#entity-form select[name="p.member"]');
    const labels = await member.locator('option').allInnerTexts();
    assert.ok(labels.some((l) => l.includes('Rigoberto')), `the person is offered by name: ${JSON.stringify(labels)}`);
    assert.ok(labels.every((l) => !/[0-9a-f]{32}/.test(l)), 'no ids in the choices');
    await saveEntity(gtPage, 'Membership', {
      member: personPath.split('/').pop(),
      organization: orgPath.split('/').pop(),
      role: 'coordinador',
    });

    // The event: its type and the migrants by nationality are choices too.
    await openEntityForm(gtPage, casePath, 'Event');
    await gtPage.fill('form#entity-form [name="p.name"]', 'Rescate ficticio en el río');
    await gtPage.selectOption('form#entity-form select[name="p.enlaceEventType"]', 'rescue');
    await gtPage.fill('form#entity-form [name="p.date"]', '02/03/2025');
    await gtPage.locator('form#entity-form select[name="m.country"]').first().selectOption('hn');
    await gtPage.locator('form#entity-form input[name="m.count"]').first().fill('12');
    await gtPage.locator('form#entity-form select[name="p.involved"]').first().selectOption(personPath.split('/').pop());
    await submit(gtPage, 'form#entity-form');
    assert.match(pathOf(gtPage), /^\/entities\//, `the event is saved (errors: ${await errorsOf(gtPage)})`);
    const eventText = await gtPage.locator('table#properties').innerText();
    assert.match(eventText, /Rescate/);
    assert.match(eventText, /Honduras: 12/);
    assert.match(eventText, /2025-03-02/);

    // The person's page reads its links as sentences, by name.
    await gtPage.goto(personPath);
    const links = await gtPage.locator('ul#links').innerText();
    assert.match(links, new RegExp(`Miembro de Red del Volcán ${STAMP}`), links);
    assert.match(links, /coordinador/);
    assert.match(links, /Participa en el evento/);
    assert.ok(!/[0-9a-f]{32}/.test(await gtPage.locator('main, body').first().innerText()), 'no ids on the page');
    await saveScreenshot(gtPage, 'records-person-page');
  });
});

test('a bad date is rejected with its field named, and what was typed stays', async () => {
  await withArtifacts('records-bad-date', pages, async () => {
    assert.ok(casePath, 'needs the case of the first test');
    await openEntityForm(gtPage, casePath, 'Person');
    await gtPage.fill('form#entity-form [name="p.name"]', 'Persona con fecha imposible');
    await gtPage.fill('form#entity-form [name="p.birthDate"]', '1980-13-45');
    await submit(gtPage, 'form#entity-form');
    assert.match(pathOf(gtPage), /\/entities$/, 'the form comes back');
    const message = await text(gtPage, '#e-birthDate');
    assert.match(message, /Fecha de nacimiento: escriba la fecha como 14\/12\/1978 o 1978-12-14/);
    assert.equal(await gtPage.locator('#p-birthDate').getAttribute('aria-invalid'), 'true');
    assert.equal(await gtPage.locator('#p-name').inputValue(), 'Persona con fecha imposible');
    await saveScreenshot(gtPage, 'records-bad-date');
  });
});

test('a phone typed the local way hits, and the hit leads to a request and its answer', async () => {
  await withArtifacts('records-phone', pages, async () => {
    // Mexico keeps an account to itself.
    mxPage = await newPage(browser, server.baseURL, 'es-MX');
    await loginDemo(mxPage, 'officer.mx');
    const mxCase = await createCase(mxPage, { title: `Cuentas ficticias ${STAMP}`, level: 'country' });
    await openEntityForm(mxPage, mxCase, 'UserAccount');
    accountPath = await saveEntity(mxPage, 'UserAccount', { phone: PHONE_STORED, service: `Telegram ${STAMP}` });

    // Guatemala checks the number as it would dial it.
    await gtPage.goto('/checks');
    await gtPage.fill('form#check-form input[name=purpose]', PURPOSE);
    await gtPage.fill('form#check-form input[name=case_reference]', 'GT-MP-2026-77');
    await gtPage.selectOption('form#check-form select[name=kind]', 'phone');
    await gtPage.fill('form#check-form input[name=value]', PHONE_TYPED);
    await submit(gtPage, 'form#check-form');
    assert.equal(await gtPage.locator('.error').count(), 0, `the check is accepted (errors: ${await errorsOf(gtPage)})`);
    const first = gtPage.locator('table#check-results tbody tr').first();
    assert.equal(await first.getAttribute('data-country'), 'mx', 'the hit comes first');
    assert.match((await first.getAttribute('class')) ?? '', /records-hit/, 'and is highlighted');
    assert.match(await text(gtPage, '#check-summary'), /Coincidencias en/);
    await saveScreenshot(gtPage, 'records-check-results');

    // The request form carries the check's purpose and names its subject.
    await follow(gtPage, 'table#check-results tr[data-country=mx] a.request-link');
    assert.equal(pathOf(gtPage), '/requests/new');
    assert.equal(await gtPage.locator('form#request-form input[name=purpose]').inputValue(), PURPOSE);
    assert.match(await text(gtPage, '#request-subject'), /Teléfono: \(55\) 0141-6704/);
    await gtPage.fill('form#request-form input[name=legal_basis]', 'Convenio bilateral ficticio, art. 3');
    await submit(gtPage, 'form#request-form');
    requestPath = pathOf(gtPage);
    assert.match(requestPath, /^\/requests\/[^/]+$/, `the request is sent (errors: ${await errorsOf(gtPage)})`);
    assert.match(await text(gtPage, '#request-sent'), /Solicitud enviada a México/);
    assert.match(await text(gtPage, '#request-subject'), /0141-6704/);
    await saveScreenshot(gtPage, 'records-request-sent');

    // Mexico sees it, acknowledges, then answers sharing the account.
    await mxPage.goto(requestPath);
    assert.match(await text(mxPage, '#request-subject'), /0141-6704/);
    for (const id of ['#ack-section', '#answer-section', '#decline-section']) {
      assert.equal(await mxPage.locator(id).count(), 1, `the receiver's ${id} stands apart`);
    }
    await saveScreenshot(mxPage, 'records-request-received');
    await submit(mxPage, 'form#ack-form');
    await mxPage.fill('form#answer-form textarea[name=message]', 'Compartimos la cuenta; solo para inteligencia.');
    await submit(mxPage, 'form#answer-form');
    assert.match((await mxPage.locator('#request-status').getAttribute('class')) ?? '', /tag-answered/);

    // Guatemala opens the shared account; its case is Mexico's own, so the breadcrumb does
    // not lead there.
    await gtPage.goto(requestPath);
    await follow(gtPage, `ul#shared a[href="${accountPath}"]`);
    assert.equal(pathOf(gtPage), accountPath);
    const crumb = gtPage.locator('main p.muted a, p.muted a').first();
    const href = await crumb.getAttribute('href');
    assert.ok(!href.startsWith('/cases/'), `the breadcrumb does not lead to a hidden case: ${href}`);
    const res = await gtPage.goto(href);
    assert.equal(res.status(), 200, 'the breadcrumb leads somewhere that exists');
  });
});
