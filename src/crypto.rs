//! Key pairs for actors. OpenSSL does the RSA work: it is constant-time and several
//! times faster than the pure-Rust `rsa` crate at signing (see docs/architecture.md).

use anyhow::Context;
use openssl::{pkey::PKey, rsa::Rsa};

pub struct KeyPair {
    pub public_key_pem: String,
    pub private_key_pem: String,
}

/// A fresh RSA-2048 key pair in PEM: SPKI for the public key, as Mastodon publishes
/// it in `publicKeyPem`, and PKCS#8 for the private key.
pub fn generate_rsa_keypair() -> anyhow::Result<KeyPair> {
    let rsa = Rsa::generate(2048).context("RSA key generation failed")?;
    let key = PKey::from_rsa(rsa)?;
    Ok(KeyPair {
        public_key_pem: String::from_utf8(key.public_key_to_pem()?)?,
        private_key_pem: String::from_utf8(key.private_key_to_pem_pkcs8()?)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_are_rsa_2048_pem_that_sign_and_verify() {
        let pair = generate_rsa_keypair().unwrap();
        assert!(pair
            .public_key_pem
            .starts_with("-----BEGIN PUBLIC KEY-----"));
        assert!(pair
            .private_key_pem
            .starts_with("-----BEGIN PRIVATE KEY-----"));
        let private = PKey::private_key_from_pem(pair.private_key_pem.as_bytes()).unwrap();
        let public = PKey::public_key_from_pem(pair.public_key_pem.as_bytes()).unwrap();
        assert_eq!(public.bits(), 2048);
        let mut signer =
            openssl::sign::Signer::new(openssl::hash::MessageDigest::sha256(), &private).unwrap();
        signer.update(b"hello").unwrap();
        let signature = signer.sign_to_vec().unwrap();
        let mut verifier =
            openssl::sign::Verifier::new(openssl::hash::MessageDigest::sha256(), &public).unwrap();
        verifier.update(b"hello").unwrap();
        assert!(verifier.verify(&signature).unwrap());
    }
}
