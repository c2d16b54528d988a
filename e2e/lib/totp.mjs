// RFC 6238 TOTP (HMAC-SHA1, 30 s step, 6 digits) with RFC 4648 base32 secrets,
// so the tests can enrol and log in with a second factor like an authenticator app.
import { createHmac } from 'node:crypto';

export const STEP_SECONDS = 30;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Decodes base32, ignoring case, spaces, dashes and '=' padding (secrets are shown grouped). */
export function base32Decode(text) {
  const clean = text.toUpperCase().replace(/[\s=-]/g, '');
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of clean) {
    const index = ALPHABET.indexOf(ch);
    if (index < 0) throw new Error(`not a base32 character: ${JSON.stringify(ch)}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >>> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

/** RFC 4226 HOTP for a counter (the TOTP step). */
export function hotp(key, counter, digits = 6) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', key).update(msg).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/** The TOTP step that contains a time given in milliseconds. */
export function stepAt(timeMs = Date.now()) {
  return Math.floor(timeMs / 1000 / STEP_SECONDS);
}

/** The code for a step, from a base32 secret. */
export function totpForStep(secretBase32, step) {
  return hotp(base32Decode(secretBase32), step);
}

/** The code at a time in milliseconds (default: now). */
export function totp(secretBase32, timeMs = Date.now()) {
  return totpForStep(secretBase32, stepAt(timeMs));
}

/**
 * A step whose code the server will take: newer than the last used one and within
 * its window (previous, current, next step). Prefers the current step or later, whose
 * code stays valid for at least 30 s; waits for the clock when the next usable step is
 * still two or more steps ahead. Returns { step, code }.
 */
export async function freshCode(secretBase32, lastUsedStep) {
  for (;;) {
    const current = stepAt();
    const step = Math.max(lastUsedStep + 1, current);
    if (step <= current + 1) return { step, code: totpForStep(secretBase32, step) };
    // Wake shortly after the step before the wanted one begins.
    const wakeMs = (step - 1) * STEP_SECONDS * 1000 + 500 - Date.now();
    await new Promise((resolve) => setTimeout(resolve, Math.max(wakeMs, 100)));
  }
}
