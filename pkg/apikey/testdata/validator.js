#!/usr/bin/env node
// An independent Aura APIKey generator and validator, written from
// docs/apikey.md alone (not from the Go code), with Node's built-in crypto.
// The Go tests use it to prove that the document is enough to interoperate.
//
// Input (stdin): a JSON array of requests; output (stdout): a JSON array of
// results, one per request, in order.
//   {"op":"verify","keys":"k1,k2","algorithm":"aes-256-cbc","ivPosition":35,"apiKey":"..."}
//     -> {"ok":true,"index":1,"fingerprint":"ba2fe6d5","payload":{...}}
//     -> {"ok":false,"malformed":true|false,"error":"..."}
//   {"op":"make","keys":"k1,k2","algorithm":"...","ivPosition":35,"payload":{...},"iv":"<32 hex, optional>"}
//     -> {"ok":true,"apiKey":"..."} | {"ok":false,"error":"..."}
'use strict';

const crypto = require('crypto');

const KEY_SIZES = { 'aes-128-cbc': 16, 'aes-192-cbc': 24, 'aes-256-cbc': 32 };
const MODES = ['r', 'w', 'rw'];

// Section 1: split on commas, trim whitespace, drop empty items.
function splitKeys(list) {
  return list.split(',').map((k) => k.trim()).filter((k) => k !== '');
}

// Section 1: algorithm name normalised; each key's character count must equal
// the key size; keys are used as their ASCII bytes, never hex-decoded.
function params(req) {
  let alg = String(req.algorithm || '').trim().toLowerCase();
  if (alg === '') alg = 'aes-256-cbc';
  const size = KEY_SIZES[alg];
  if (!size) throw new Error(`unsupported algorithm ${alg}`);
  const keys = splitKeys(req.keys);
  if (keys.length === 0) throw new Error('no encryption key');
  const keyBytes = keys.map((k, i) => {
    const b = Buffer.from(k, 'latin1');
    if (k.length !== size || /[^\x20-\x7e]/.test(k)) throw new Error(`key ${i + 1} is not printable ASCII of the length ${alg} needs`);
    return b;
  });
  const p = req.ivPosition;
  if (!Number.isInteger(p) || p < 0) throw new Error('bad IV position');
  return { alg, keys, keyBytes, p };
}

// Section 2, validator rules.
function parsePayload(plain) {
  let text;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(plain);
  } catch (e) {
    return null;
  }
  if (text.charCodeAt(0) === 0xfeff) return null; // no byte-order mark
  let v;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return null;
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return null;
  const { audience, scope, mode, iat } = v;
  if (typeof audience !== 'string' || audience === '') return null;
  if (typeof scope !== 'string' || scope === '') return null;
  if (typeof mode !== 'string' || !MODES.includes(mode)) return null;
  if (typeof iat !== 'number' || !Number.isInteger(iat) || iat < 0 || iat > Number.MAX_SAFE_INTEGER) return null;
  return { audience, scope, mode, iat: iat === 0 ? 0 : iat };
}

// Section 3, PKCS#7 check done by hand (decipher.setAutoPadding(false)).
function unpad(b) {
  if (b.length === 0 || b.length % 16 !== 0) return null;
  const n = b[b.length - 1];
  if (n < 1 || n > 16) return null;
  for (let i = b.length - n; i < b.length; i++) if (b[i] !== n) return null;
  return b.subarray(0, b.length - n);
}

function fingerprint(key) {
  return crypto.createHash('sha256').update(Buffer.from(key, 'latin1')).digest('hex').slice(0, 8);
}

// Section 5.
function verify(req) {
  const { alg, keys, keyBytes, p } = params(req);
  const K = req.apiKey;
  if (typeof K !== 'string' || !/^[0-9a-f]*$/.test(K)) return { ok: false, malformed: true, error: 'not lowercase hex' };
  if (K.length % 2 !== 0) return { ok: false, malformed: true, error: 'odd length' };
  if (K.length < p + 32) return { ok: false, malformed: true, error: 'too short for the IV position' };
  if (K.length - 32 <= 0 || (K.length - 32) % 32 !== 0) return { ok: false, malformed: true, error: 'bad length' };
  const iv = Buffer.from(K.slice(p, p + 32), 'hex');
  const C = Buffer.from(K.slice(0, p) + K.slice(p + 32), 'hex');
  for (let i = 0; i < keys.length; i++) {
    const d = crypto.createDecipheriv(alg, keyBytes[i], iv);
    d.setAutoPadding(false);
    const plain = unpad(Buffer.concat([d.update(C), d.final()]));
    if (plain === null) continue;
    const payload = parsePayload(plain);
    if (payload === null) continue;
    return { ok: true, index: i, fingerprint: fingerprint(keys[i]), payload };
  }
  return { ok: false, malformed: false, error: 'no key opens it' };
}

// Sections 2-4, generator side: compact JSON in member order, active key = last.
function make(req) {
  const { alg, keyBytes, p } = params(req);
  const pl = req.payload;
  const json = JSON.stringify({ audience: pl.audience, scope: pl.scope, mode: pl.mode, iat: pl.iat });
  const iv = req.iv ? Buffer.from(req.iv, 'hex') : crypto.randomBytes(16);
  if (iv.length !== 16) throw new Error('IV must be 16 bytes');
  const c = crypto.createCipheriv(alg, keyBytes[keyBytes.length - 1], iv); // PKCS#7 is Node's default padding
  const C = Buffer.concat([c.update(Buffer.from(json, 'utf8')), c.final()]).toString('hex');
  if (p > C.length) throw new Error('IV position beyond the ciphertext');
  return { ok: true, apiKey: C.slice(0, p) + iv.toString('hex') + C.slice(p) };
}

function handle(req) {
  try {
    if (req.op === 'verify') return verify(req);
    if (req.op === 'make') return make(req);
    return { ok: false, error: `unknown op ${req.op}` };
  } catch (e) {
    return { ok: false, error: String(e.message || e) };
  }
}

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => { input += d; });
process.stdin.on('end', () => {
  const reqs = JSON.parse(input);
  process.stdout.write(JSON.stringify(reqs.map(handle)) + '\n');
});
