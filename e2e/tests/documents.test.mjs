// Travel-document specimens: a Mexican officer records a specimen and uploads a security
// feature's image through the page; a Guatemalan officer (another browser context) sees the
// image rendered, cannot change the specimen, and reports a forgery pattern that Mexico then
// sees; the image refuses a file that is not an image.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { deflateSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import { errorsOf, launchBrowser, loginDemo, newPage, pathOf, submit, text, withArtifacts } from '../lib/browser.mjs';
import { startServer } from '../lib/server.mjs';

const SERIES = `Serie ficticia ${Date.now()}`;

let server;
let browser;
let mx;
let gt;
let specimenPath;

/** A real 32×24 PNG (a grey gradient) that a browser decodes. */
function png(width, height) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  const rows = [];
  for (let y = 0; y < height; y++) {
    rows.push(Buffer.from([0, ...Array.from({ length: width }, (_, x) => (x * 8) & 0xff)]));
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

before(async () => {
  server = await startServer('documents');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const pages = () => ({ mx, gt });

test('a Mexican officer records a specimen with an image', async () => {
  await withArtifacts('documents-record', pages, async () => {
    mx = await newPage(browser, server.baseURL, 'es-MX');
    await loginDemo(mx, 'officer.mx');
    await mx.goto('/documents');
    await mx.click('a#new-document');
    await mx.selectOption('form#document-form select[name=issuing_country]', 'mx');
    await mx.selectOption('form#document-form select[name=kind]', 'passport');
    await mx.fill('form#document-form input[name=series]', SERIES);
    await mx.fill('form#document-form input[name=first_issued]', '2021-10-01');
    await mx.fill('form#document-form input[name=validity_years]', '10');
    await submit(mx, 'form#document-form');
    specimenPath = pathOf(mx);
    assert.match(specimenPath, /^\/documents\/[0-9a-f]{32}$/, `recorded (errors: ${await errorsOf(mx)})`);
    assert.match(await text(mx, 'h1#document-title'), new RegExp(SERIES));

    // Not an image: refused, naming the field.
    const bad = join(tmpdir(), `not-an-image-${Date.now()}.png`);
    writeFileSync(bad, '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>');
    await mx.fill('form#feature-form input[name=page]', 'Página de datos');
    await mx.fill('form#feature-form input[name=name]', 'Tinta ópticamente variable');
    await mx.setInputFiles('form#feature-form input[name=image]', bad);
    await submit(mx, 'form#feature-form');
    rmSync(bad, { force: true });
    assert.match(await errorsOf(mx), /Imagen/, 'the image is refused');

    const good = join(tmpdir(), `feature-${Date.now()}.png`);
    writeFileSync(good, png(32, 24));
    await mx.fill('form#feature-form input[name=page]', 'Página de datos');
    await mx.fill('form#feature-form input[name=name]', 'Tinta ópticamente variable');
    await mx.setInputFiles('form#feature-form input[name=image]', good);
    await submit(mx, 'form#feature-form');
    rmSync(good, { force: true });
    assert.equal(pathOf(mx), specimenPath, `the feature is added (errors: ${await errorsOf(mx)})`);
    assert.equal(await mx.locator('ul#features img').count(), 1);
  });
});

test('a Guatemalan officer sees the image and reports a forgery', async () => {
  await withArtifacts('documents-read', pages, async () => {
    assert.ok(specimenPath, 'needs the specimen of the previous test');
    gt = await newPage(browser, server.baseURL, 'es-GT');
    await loginDemo(gt, 'officer.gt');
    await gt.goto(specimenPath);
    const img = gt.locator('ul#features img');
    assert.equal(await img.getAttribute('alt'), 'Tinta ópticamente variable');
    const width = await img.evaluate((el) => el.complete && el.naturalWidth);
    assert.equal(width, 32, 'the browser decoded the served image');
    assert.equal(await gt.locator('form#document-form').count(), 0, 'no edit form for another country');
    assert.equal(await gt.locator('form#feature-form').count(), 0);
    await gt.fill('form#forgery-form input[name=title]', 'Fotografía sustituida');
    await gt.fill('form#forgery-form textarea[name=description]', 'Laminado despegado y vuelto a pegar (ficticio).');
    await gt.fill('form#forgery-form input[name=first_seen]', '2026-02-01');
    await submit(gt, 'form#forgery-form');
    assert.equal(pathOf(gt), specimenPath, `reported (errors: ${await errorsOf(gt)})`);
    await mx.goto(specimenPath);
    assert.match(await text(mx, 'ul#forgeries li'), /Fotografía sustituida — Guatemala/);
  });
});
