// RFC 6238 TOTP (HMAC-SHA-1, 6 digits, 30 s steps), computed the way an authenticator app
// does, for the journeys that sign in with a second step (j1.mjs: a developer; j4.mjs: the
// reviewers, for whom two-step sign-in is required).

import assert from 'node:assert/strict';
import crypto from 'node:crypto';

/** RFC 4648 base32 (the key the enrolment page shows) to bytes. */
export function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const c of text.replace(/[\s=]/g, '').toUpperCase()) {
    const i = alphabet.indexOf(c);
    assert.ok(i >= 0, `base32 character ${JSON.stringify(c)}`);
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** RFC 4226 HOTP with six digits. */
export function hotp(key, counter) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = crypto.createHmac('sha1', key).update(msg).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const bin = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(bin).padStart(6, '0');
}
// RFC 6238 appendix B (SHA-1, 8 digits there; the same truncation gives these 6).
assert.equal(hotp(Buffer.from('12345678901234567890'), Math.floor(59 / 30)), '287082');
assert.equal(hotp(Buffer.from('12345678901234567890'), Math.floor(1111111109 / 30)), '081804');

/**
 * One account's authenticator: `code()` gives a code the server accepts now — the current
 * step, or the next one when this step was already used (the server accepts a step only
 * once per account, and only a later one each time), waiting for it when needed.
 */
export class Authenticator {
  constructor(key) {
    this.key = key;
    this.lastStep = -1;
  }

  async code() {
    for (;;) {
      const now = Math.floor(Date.now() / 1000 / 30);
      const use = Math.max(now, this.lastStep + 1);
      if (use <= now + 1) {
        this.lastStep = use;
        return hotp(this.key, use);
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  /** A six-digit code of none of the steps the server accepts now. */
  wrongCode() {
    const now = Math.floor(Date.now() / 1000 / 30);
    const near = new Set([-2, -1, 0, 1, 2].map((d) => hotp(this.key, now + d)));
    for (let n = 0; ; n++) {
      const code = String(n).padStart(6, '0');
      if (!near.has(code)) return code;
    }
  }
}
