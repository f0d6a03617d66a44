// Package apikey makes and verifies Aura APIKeys: a small JSON payload
// (audience, scope, mode, issue time) encrypted with AES-CBC under the
// environment's aura_encryption_key, hex encoded, with the IV hidden at
// aura_encryption_iv_position.
//
// aura_encryption_key may be a comma-separated list so that keys can be
// rotated: New always encrypts with the last key of the list (the active
// one), Verify accepts a key made with any of them.
//
// The wire format is specified in docs/apikey.md, independently of this
// code, so that services in other languages can validate keys; the tests
// check this package against a Node.js validator written from that document.
//
// The format carries no MAC: it authenticates a key only in the sense that a
// tampered or foreign key almost never decrypts to a well-formed payload. It
// is kept because the Aura services already validate keys in this form.
package apikey
