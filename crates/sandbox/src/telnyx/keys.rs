//! The Ed25519 key pair the sandbox signs its Telnyx webhooks with.
//!
//! The key is derived from the sandbox's account SID and auth token, so a sandbox needs no
//! extra state for it and two sandboxes with the same credentials sign alike. It protects
//! nothing: it only lets a receiver exercise the same verification it runs against Telnyx.

use base64::prelude::{Engine, BASE64_STANDARD};
use ed25519_dalek::{Signer, SigningKey};
use sha2::{Digest, Sha512};

use crate::Sandbox;

impl Sandbox {
    /// The base64 public key that verifies this sandbox's Telnyx webhook signatures, as
    /// Telnyx's portal shows an account's key.
    pub fn telnyx_public_key(&self) -> String {
        BASE64_STANDARD.encode(self.telnyx_signing_key().verifying_key().to_bytes())
    }

    /// The base64 `telnyx-signature-ed25519` of `raw_body` sent at Unix time `timestamp`: the
    /// signature of `{timestamp}|{raw_body}`.
    pub fn telnyx_signature(&self, timestamp: i64, raw_body: &[u8]) -> String {
        let mut signed = timestamp.to_string().into_bytes();
        signed.push(b'|');
        signed.extend_from_slice(raw_body);
        BASE64_STANDARD.encode(self.telnyx_signing_key().sign(&signed).to_bytes())
    }

    fn telnyx_signing_key(&self) -> SigningKey {
        let digest = Sha512::new()
            .chain_update(b"textback sandbox telnyx webhook key\0")
            .chain_update(self.account_sid().as_bytes())
            .chain_update(b"\0")
            .chain_update(self.auth_token().as_bytes())
            .finalize();
        let mut seed = [0_u8; 32];
        seed.copy_from_slice(&digest[..32]);
        SigningKey::from_bytes(&seed)
    }
}
