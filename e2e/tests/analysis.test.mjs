// Analysis through the browser: a Guatemalan officer builds a small network (a person, an
// organisation and the membership that links them) and walks it as a graph, clicking from
// node to node; dated events of a case appear on its timeline oldest first; a file of
// FollowTheMoney lines is uploaded with the JavaScript importer (no page navigation), its
// good lines accepted (linked to each other by the file's own ids) and its bad line
// reported; and a Mexican officer sees a Guatemalan record shared with all members as a
// likely match of their own person and records the decision that it is the same person.
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
  addEntity,
  openEntityForm,
  saveEntity,
  escapeRegExp,
  idOf,
} from '../lib/browser.mjs';
import { startServer } from '../lib/server.mjs';

let server;
let browser;
let gtPage;
let mxPage;

// Shared between the tests of this file (they run in order).
let casePath;

before(async () => {
  server = await startServer('analysis');
  browser = await launchBrowser();
  gtPage = await newPage(browser, server.baseURL, 'es-MX');
  await loginDemo(gtPage, 'officer.gt');
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const pages = () => ({ gt: gtPage, mx: mxPage });

/** The options of the entity form's datalist#entity-options as { value, label }. */
async function entityOptions(page) {
  return page
    .locator('datalist#entity-options option')
    .evaluateAll((els) => els.map((o) => ({ value: o.value, label: (o.textContent ?? '').trim() })));
}

test('a person, an organisation and their membership form a graph one can walk', async () => {
  await withArtifacts('analysis-graph', pages, async () => {
    const stamp = Date.now();
    casePath = await createCase(gtPage, { title: `E2E red de análisis ${stamp}`, level: 'country' });

    const personId = idOf(await addEntity(gtPage, casePath, 'Person', {
      firstName: 'Herminio',
      lastName: 'Castañeda Olivares',
      birthDate: '1979-11-23',
    }));
    const orgId = idOf(await addEntity(gtPage, casePath, 'Organization', {
      name: `Red Los Pescadores ${stamp}`,
    }));
    assert.notEqual(personId, orgId);

    // The membership's two ends come from the form's datalist of the case's entities.
    await openEntityForm(gtPage, casePath, 'Membership');
    const options = await entityOptions(gtPage);
    const personOption = options.find((o) => o.label.includes('Castañeda'));
    const orgOption = options.find((o) => o.label.includes('Los Pescadores'));
    assert.ok(personOption, `the datalist offers the person: ${JSON.stringify(options)}`);
    assert.ok(orgOption, `the datalist offers the organisation: ${JSON.stringify(options)}`);
    assert.equal(personOption.value, personId, "the person's option value is its id");
    assert.equal(orgOption.value, orgId, "the organisation's option value is its id");
    const membershipId = idOf(await saveEntity(gtPage, 'Membership', {
      member: personOption.value,
      organization: orgOption.value,
      role: 'transportista',
    }));

    // --- the person's network, from the person page
    await gtPage.goto(`/entities/${personId}`);
    await follow(gtPage, 'a#graph-link');
    assert.equal(pathOf(gtPage), `/entities/${personId}/graph`);
    assert.equal(new URL(gtPage.url()).searchParams.get('depth'), '2');
    assert.equal(await gtPage.locator('#graph svg').count(), 1, 'the graph is drawn as an SVG in #graph');

    for (const d of ['1', '2', '3']) {
      const link = gtPage.locator(`nav.tabs a[href="/entities/${personId}/graph?depth=${d}"]`);
      assert.equal(await link.count(), 1, `there is a link to depth ${d}`);
    }
    assert.equal(
      await gtPage.locator(`nav.tabs a[href$="depth=2"]`).getAttribute('aria-current'),
      'page',
      'the current depth is marked',
    );

    const root = gtPage.locator(`#graph svg a.node[data-id="${personId}"]`);
    const org = gtPage.locator(`#graph svg a.node[data-id="${orgId}"]`);
    assert.equal(await root.count(), 1, 'the person is a node');
    assert.equal(await org.count(), 1, 'the organisation is a node');
    assert.equal(
      await gtPage.locator(`#graph svg a.node[data-id="${membershipId}"]`).count(),
      0,
      'the membership is drawn as an edge, not as a node',
    );
    const edges = await gtPage
      .locator('#graph svg g.edge')
      .evaluateAll((els) => els.map((g) => [g.dataset.from, g.dataset.to].sort().join(' ')));
    assert.ok(
      edges.includes([personId, orgId].sort().join(' ')),
      `an edge joins the person and the organisation: ${JSON.stringify(edges)}`,
    );

    // Clicking the organisation's node moves to its own network.
    const navigated = gtPage.waitForURL((url) => url.pathname === `/entities/${orgId}/graph`);
    await org.locator('circle').click();
    await navigated;
    await gtPage.waitForLoadState('load');
    assert.ok(gtPage.url().includes(orgId) && gtPage.url().includes('/graph'), `now at ${gtPage.url()}`);
    assert.match(await text(gtPage, 'h1'), /Los Pescadores/);
    assert.equal(
      await gtPage.locator(`#graph svg a.node[data-id="${personId}"]`).count(),
      1,
      "the person is in the organisation's network",
    );
  });
});

test('the timeline lists dated events oldest first', async () => {
  await withArtifacts('analysis-timeline', pages, async () => {
    assert.ok(casePath, 'needs the case created by the previous test');
    // The later event is added first, so order of entry cannot pass for order of date.
    await addEntity(gtPage, casePath, 'Event', { name: 'Reunión en Quetzaltenango', date: '2025-01-15' });
    await addEntity(gtPage, casePath, 'Event', { name: 'Entrega en Tecún Umán', date: '2024-06-01' });

    await gtPage.goto(casePath);
    await follow(gtPage, 'a#timeline-link');
    assert.equal(pathOf(gtPage), `${casePath}/timeline`);
    const items = await gtPage
      .locator('ol#timeline li')
      .evaluateAll((els) =>
        els.map((li) => ({ date: li.querySelector('time')?.getAttribute('datetime'), text: li.textContent })),
      );
    const later = items.findIndex((i) => i.text.includes('Quetzaltenango'));
    const earlier = items.findIndex((i) => i.text.includes('Tecún Umán'));
    assert.ok(later >= 0 && earlier >= 0, `both events are on the timeline: ${JSON.stringify(items)}`);
    assert.ok(earlier < later, `2024-06-01 comes before 2025-01-15: ${JSON.stringify(items)}`);
    assert.equal(items[earlier].date, '2024-06-01');
    assert.equal(items[later].date, '2025-01-15');
    const dates = items.map((i) => i.date);
    assert.deepEqual(dates, [...dates].sort(), 'the whole timeline is in date order');
  });
});

test('a file import shows its report without leaving the page', async () => {
  await withArtifacts('analysis-import', pages, async () => {
    const stamp = Date.now();
    const importCase = await createCase(gtPage, { title: `E2E importación ${stamp}`, level: 'country' });
    const personName = `Rigoberto Importado ${stamp}`;
    const orgName = `Cártel Importado ${stamp}`;
    const lines = [
      { id: 'p1', schema: 'Person', properties: { name: [personName], birthDate: ['1985-02-14'] } },
      { id: 'o1', schema: 'Organization', properties: { name: [orgName] } },
      { id: 'm1', schema: 'Membership', properties: { member: ['p1'], organization: ['o1'], role: ['jefe'] } },
    ].map((l) => JSON.stringify(l));
    lines.push('{not json');
    const file = Buffer.from(`${lines.join('\n')}\n`, 'utf8');

    await follow(gtPage, 'a#import-link');
    assert.equal(pathOf(gtPage), `${importCase}/import`);
    await gtPage.locator('form#import-form').waitFor();
    await gtPage.setInputFiles('#import-file', {
      name: 'red.ftm',
      mimeType: 'application/x-ndjson',
      buffer: file,
    });

    // A marker on the window survives only if the page is not reloaded or left.
    await gtPage.evaluate(() => {
      window.__noNavigation = true;
    });
    let navigations = 0;
    const onNav = (frame) => {
      if (frame === gtPage.mainFrame()) navigations += 1;
    };
    gtPage.on('framenavigated', onNav);
    const upload = gtPage.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/import');
    await gtPage.locator('form#import-form button[type=submit]').click();
    const response = await upload;
    assert.equal(response.status(), 200, `the upload is accepted (${await response.text()})`);
    await gtPage.locator('#import-report #accepted-count').waitFor({ state: 'attached' });
    gtPage.off('framenavigated', onNav);

    assert.equal(navigations, 0, 'the import did not navigate');
    assert.equal(await gtPage.evaluate(() => window.__noNavigation), true, 'the page was not reloaded');
    assert.equal(pathOf(gtPage), `${importCase}/import`);
    assert.equal((await gtPage.locator('#import-report #accepted-count').textContent()).trim(), '3');
    const report = await text(gtPage, '#import-report');
    assert.match(report, /3\D+1/, `the report says 3 accepted and 1 rejected: ${report}`);
    const rejected = await gtPage.locator('#import-report #rejected li').allTextContents();
    assert.equal(rejected.length, 1, `one rejected line: ${JSON.stringify(rejected)}`);
    assert.match(rejected[0], /\b4\b/, 'the rejected line is line 4');
    assert.match(rejected[0], /no es JSON válido|is not valid JSON/, 'rejected as bad JSON, said in words');
    assert.equal(
      await gtPage.locator('#import-report #rejected li').first().getAttribute('data-code'),
      'bad_json',
      'the stable code stays on the line for programs',
    );
    assert.equal(await gtPage.locator('#import-status.error').count(), 0, 'no error status');

    // The case lists what was imported; the file's ids linked the membership to both ends.
    await gtPage.goto(importCase);
    // Exactly the name: the membership is listed by its two ends («person — organisation»).
    const personLink = gtPage.locator('ul.entities a', { hasText: new RegExp(`^${escapeRegExp(personName)}$`) });
    const orgLink = gtPage.locator('ul.entities a', { hasText: new RegExp(`^${escapeRegExp(orgName)}$`) });
    assert.equal(await personLink.count(), 1, 'the case lists the imported person');
    assert.equal(await orgLink.count(), 1, 'the case lists the imported organisation');
    assert.equal(await gtPage.locator('ul.entities a').count(), 3, 'the case lists the three imported entities');

    await follow(gtPage, `ul.entities a:text-is("${personName}")`);
    await gtPage.locator('ul#links').waitFor();
    assert.equal(
      await gtPage.locator('ul#links li[data-prop="member"]').count(),
      1,
      'the imported membership refers to the person as its member',
    );
    assert.match(
      await text(gtPage, 'ul#links'),
      (await htmlLang(gtPage)) === 'en' ? /Member/ : /Miembro/,
      'the link says which property refers, in the page language',
    );
    const personPath = pathOf(gtPage);
    await follow(gtPage, 'ul#links a.link-record');
    const refs = await gtPage
      .locator('table#properties a[href^="/entities/"]')
      .evaluateAll((els) => els.map((a) => a.getAttribute('href')));
    assert.equal(refs.length, 2, `the membership links to two entities: ${JSON.stringify(refs)}`);
    assert.ok(refs.includes(personPath), `the membership's member is the imported person: ${JSON.stringify(refs)}`);
    for (const href of refs) {
      assert.doesNotMatch(href, /\/(p1|o1)$/, "the file's ids were replaced by the stored ids");
    }
  });
});

test('an officer sees a shared look-alike record and records that it is the same person', async () => {
  await withArtifacts('analysis-xref', pages, async () => {
    const stamp = Date.now();
    const sharedCase = await createCase(gtPage, { title: `E2E compartido con miembros ${stamp}`, level: 'members' });
    const gtPersonId = idOf(await addEntity(gtPage, sharedCase, 'Person', {
      name: 'Aurelio Barahona Cifuentes',
      birthDate: '1971-03-03',
    }));

    mxPage = await newPage(browser, server.baseURL, 'es-MX');
    await loginDemo(mxPage, 'officer.mx');
    const mxCase = await createCase(mxPage, { title: `E2E expediente México ${stamp}`, level: 'country' });
    const mxPersonId = idOf(await addEntity(mxPage, mxCase, 'Person', {
      name: 'Aurelio Baraona Sifuentes',
      birthDate: '1971-03-03',
    }));
    assert.equal(pathOf(mxPage), `/entities/${mxPersonId}`);

    await mxPage.locator('table#xrefs').waitFor();
    const row = mxPage.locator(`table#xrefs tbody tr[data-candidate="${gtPersonId}"]`);
    assert.equal(
      await row.count(),
      1,
      `the Guatemalan record is listed as a likely match: ${await text(mxPage, 'table#xrefs')}`,
    );
    assert.match(await row.innerText(), /Barahona Cifuentes/);
    assert.equal(await row.locator('a').first().getAttribute('href'), `/entities/${gtPersonId}`);
    assert.equal(await row.locator('.tag').count(), 0, 'no decision yet');

    await row.locator('.xref-form select[name=decision]').selectOption('same');
    await submit(mxPage, `table#xrefs tr[data-candidate="${gtPersonId}"] .xref-form`);
    assert.equal(pathOf(mxPage), `/entities/${mxPersonId}`, 'back on the person page');
    assert.equal(new URL(mxPage.url()).hash, '#matches');

    const after = mxPage.locator(`table#xrefs tbody tr[data-candidate="${gtPersonId}"]`);
    assert.equal(await after.count(), 1, 'the candidate is still listed');
    assert.equal(await after.locator('select[name=decision]').inputValue(), 'same', 'the decision is preselected');
    const tag = after.locator('.records-decision');
    assert.equal(await tag.count(), 1, 'the row shows the decision tag');
    // «Same» is a finding, not an alarm: it does not wear the error colour.
    assert.equal(await after.locator('.tag').count(), 0, 'no red badge for a decision');
    const expected = (await htmlLang(mxPage)) === 'en' ? /Same/ : /Misma/;
    assert.match((await tag.textContent()).trim(), expected);
  });
});
