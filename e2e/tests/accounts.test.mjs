// Account life cycle through the browser: a country admin creates a user; the user
// enrols a TOTP second factor, gets recovery codes, logs in with password + code,
// cannot replay a code, and keeps a chosen language across sessions.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  DEMO_PASSWORD,
  follow,
  htmlLang,
  launchBrowser,
  logout,
  newPage,
  pathOf,
  submit,
  submitPassword,
  text,
  withArtifacts,
} from '../lib/browser.mjs';
import { startServer } from '../lib/server.mjs';
import { freshCode, stepAt, totpForStep } from '../lib/totp.mjs';

const USERNAME = 'e2e.officer';

let server;
let browser;
let adminPage;
let userPage;

before(async () => {
  server = await startServer('accounts');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Password, then the TOTP page, then the code; returns with the page after the code. */
async function loginWithCode(page, password, code) {
  await submitPassword(page, USERNAME, password);
  assert.equal(pathOf(page), '/login/totp', 'a user with a second factor is asked for a code');
  await page.fill('form#totp-form input[name=code]', code);
  await submit(page, 'form#totp-form');
}

test('admin creates a user who enrols TOTP and logs in with it', async () => {
  await withArtifacts('accounts', () => ({ admin: adminPage, user: userPage }), async () => {
    // --- the Mexican country admin creates an officer (browser in Spanish)
    adminPage = await newPage(browser, server.baseURL, 'es-MX');
    await adminPage.goto('/login');
    assert.equal(await htmlLang(adminPage), 'es', 'Accept-Language es-MX gives Spanish pages');

    // Wrong credentials re-render the form with an error.
    await submitPassword(adminPage, 'admin.mx', 'not-the-password');
    assert.equal(await adminPage.locator('.error').count() > 0, true, 'wrong password shows .error');
    assert.equal(await adminPage.locator('#whoami').count(), 0, 'wrong password does not log in');

    await submitPassword(adminPage, 'admin.mx', DEMO_PASSWORD);
    assert.equal(pathOf(adminPage), '/', 'demo accounts skip the second factor');
    assert.match(await text(adminPage, '#whoami'), /admin\.mx/);
    assert.equal(await htmlLang(adminPage), 'es');

    await adminPage.goto('/admin/users');
    await adminPage.locator('table#users').waitFor();
    await follow(adminPage, 'a#new-user');
    assert.equal(pathOf(adminPage), '/admin/users/new');
    await adminPage.fill('form#user-form input[name=username]', USERNAME);
    await adminPage.fill('form#user-form input[name=display_name]', 'Oficial de Pruebas E2E');
    await adminPage.selectOption('form#user-form select[name=role]', 'officer');
    await submit(adminPage, 'form#user-form');
    assert.equal(await text(adminPage, '#new-username'), USERNAME);
    const tempPassword = await text(adminPage, '#temp-password');
    assert.ok(tempPassword.length >= 8, `temporary password looks too short: ${JSON.stringify(tempPassword)}`);

    // --- the new user logs in and must enrol a second factor
    userPage = await newPage(browser, server.baseURL, 'es-MX');
    await submitPassword(userPage, USERNAME, tempPassword);
    assert.equal(pathOf(userPage), '/enrol', 'a user without a second factor must enrol');
    const secret = (await text(userPage, '#totp-secret')).replace(/\s+/g, '');
    assert.match(secret, /^[A-Z2-7]+=*$/i, 'the secret is shown in base32');
    assert.ok((await userPage.locator('#totp-qr svg').count()) > 0, 'a QR code is shown as inline SVG');

    const enrolStep = stepAt();
    await userPage.fill('form#enrol-form input[name=code]', totpForStep(secret, enrolStep));
    await submit(userPage, 'form#enrol-form');
    assert.equal(pathOf(userPage), '/recovery-codes');
    const recoveryCodes = (await userPage.locator('ul#recovery-codes li').allTextContents()).map((c) => c.trim());
    assert.equal(recoveryCodes.length, 10, 'ten recovery codes');
    assert.equal(new Set(recoveryCodes).size, 10, 'recovery codes are distinct');
    await follow(userPage, 'a#continue');
    assert.equal(pathOf(userPage), '/');
    await logout(userPage);

    // --- password + the code for the next step (the enrolment used this step's code)
    const second = await freshCode(secret, enrolStep);
    await loginWithCode(userPage, tempPassword, second.code);
    assert.equal(pathOf(userPage), '/', 'password + TOTP code logs in');
    assert.match(await text(userPage, '#whoami'), /e2e\.officer/);
    assert.equal(await htmlLang(userPage), 'es');

    // --- switch to English; the choice belongs to the user, not the browser
    await follow(userPage, 'a[data-lang="en"]');
    assert.equal(pathOf(userPage), '/', 'the language link returns to the page it came from');
    assert.equal(await htmlLang(userPage), 'en');
    await logout(userPage);

    // --- a used code is refused (replay), even though it is still inside its window
    await loginWithCode(userPage, tempPassword, second.code);
    assert.notEqual(pathOf(userPage), '/', 'a replayed TOTP code must not log in');
    assert.equal(await userPage.locator('#whoami').count(), 0, 'a replayed TOTP code must not log in');

    // --- a fresh code (may wait for the next 30 s step) logs in; English is remembered
    const third = await freshCode(secret, second.step);
    if ((await userPage.locator('form#totp-form').count()) > 0) {
      // Still on the code page after the refusal: try again there.
      await userPage.fill('form#totp-form input[name=code]', third.code);
      await submit(userPage, 'form#totp-form');
    } else {
      await loginWithCode(userPage, tempPassword, third.code);
    }
    assert.equal(pathOf(userPage), '/', 'password + fresh TOTP code logs in');
    assert.match(await text(userPage, '#whoami'), /e2e\.officer/);
    assert.equal(await htmlLang(userPage), 'en', 'the chosen language is remembered per user');
    await logout(userPage);

    await adminPage.goto('/admin/users');
    assert.match(await text(adminPage, 'table#users'), /e2e\.officer/, 'the new user is listed');
    await logout(adminPage);
  });
});
