//! Signature verification with RustCrypto: RSA PKCS#1 v1.5, RSA-PSS (parameters honoured),
//! ECDSA on P-256, P-384 and P-521. Nothing here is hand-rolled cryptography: this module only
//! maps X.509 algorithm identifiers onto the crates' verifiers.

use rsa::{BigUint, Pkcs1v15Sign, Pss, RsaPublicKey};
use sha1::Sha1;
use sha2::{Digest, Sha224, Sha256, Sha384, Sha512};
use x509_parser::certificate::X509Certificate;
use x509_parser::der_parser::asn1_rs::{Any, Class, Tag};
use x509_parser::prelude::FromDer;
use x509_parser::public_key::RSAPublicKey as RsaKeyDer;
use x509_parser::signature_algorithm::RsaSsaPssParams;
use x509_parser::x509::{AlgorithmIdentifier, SubjectPublicKeyInfo};

/// The largest RSA modulus accepted, in bits (keeps adversarial keys cheap).
const MAX_RSA_BITS: usize = 16384;

/// A digest algorithm named by a signature algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Hash {
    Md2,
    Md4,
    Md5,
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    /// True for SHA-1 and anything weaker.
    pub fn is_weak(self) -> bool {
        matches!(self, Hash::Md2 | Hash::Md4 | Hash::Md5 | Hash::Sha1)
    }

    pub fn name(self) -> &'static str {
        match self {
            Hash::Md2 => "MD2",
            Hash::Md4 => "MD4",
            Hash::Md5 => "MD5",
            Hash::Sha1 => "SHA-1",
            Hash::Sha224 => "SHA-224",
            Hash::Sha256 => "SHA-256",
            Hash::Sha384 => "SHA-384",
            Hash::Sha512 => "SHA-512",
        }
    }

    fn from_digest_oid(oid: &str) -> Option<Hash> {
        Some(match oid {
            "1.3.14.3.2.26" => Hash::Sha1,
            "2.16.840.1.101.3.4.2.4" => Hash::Sha224,
            "2.16.840.1.101.3.4.2.1" => Hash::Sha256,
            "2.16.840.1.101.3.4.2.2" => Hash::Sha384,
            "2.16.840.1.101.3.4.2.3" => Hash::Sha512,
            "1.2.840.113549.2.5" => Hash::Md5,
            "1.2.840.113549.2.2" => Hash::Md2,
            _ => return None,
        })
    }

    fn digest(self, data: &[u8]) -> Option<Vec<u8>> {
        Some(match self {
            Hash::Sha1 => Sha1::digest(data).to_vec(),
            Hash::Sha224 => Sha224::digest(data).to_vec(),
            Hash::Sha256 => Sha256::digest(data).to_vec(),
            Hash::Sha384 => Sha384::digest(data).to_vec(),
            Hash::Sha512 => Sha512::digest(data).to_vec(),
            Hash::Md2 | Hash::Md4 | Hash::Md5 => return None,
        })
    }
}

/// A signature algorithm as far as this module understands it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    RsaPkcs1(Hash),
    RsaPss { hash: Hash, salt_len: usize },
    Ecdsa(Hash),
}

/// The outcome of checking one signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SigOutcome {
    /// The signature verifies.
    Good,
    /// The signature does not verify (or does not match the key type); the reason.
    Bad(String),
    /// The algorithm or key cannot be used; the reason.
    Unsupported(String),
}

/// The digest named by the certificate's signature algorithm, if it is one we recognise.
pub(crate) fn signature_hash(cert: &X509Certificate<'_>) -> Option<Hash> {
    match scheme(&cert.signature_algorithm) {
        Ok(Scheme::RsaPkcs1(h) | Scheme::Ecdsa(h)) => Some(h),
        Ok(Scheme::RsaPss { hash, .. }) => Some(hash),
        Err(_) => weak_rsa_hash(&cert.signature_algorithm.algorithm.to_id_string()),
    }
}

fn weak_rsa_hash(oid: &str) -> Option<Hash> {
    match oid {
        "1.2.840.113549.1.1.2" => Some(Hash::Md2),
        "1.2.840.113549.1.1.3" => Some(Hash::Md4),
        "1.2.840.113549.1.1.4" => Some(Hash::Md5),
        _ => None,
    }
}

/// The RSA modulus length in bits, when the key is an RSA key.
pub(crate) fn rsa_key_bits(spki: &SubjectPublicKeyInfo<'_>) -> Option<usize> {
    let oid = spki.algorithm.algorithm.to_id_string();
    if oid != "1.2.840.113549.1.1.1" && oid != "1.2.840.113549.1.1.10" {
        return None;
    }
    let (_, key) = RsaKeyDer::from_der(&spki.subject_public_key.data).ok()?;
    Some(BigUint::from_bytes_be(key.modulus).bits())
}

/// Maps a signature AlgorithmIdentifier onto a scheme, or says why it cannot be used.
fn scheme(alg: &AlgorithmIdentifier<'_>) -> Result<Scheme, String> {
    let oid = alg.algorithm.to_id_string();
    Ok(match oid.as_str() {
        "1.2.840.113549.1.1.5" | "1.3.14.3.2.29" => Scheme::RsaPkcs1(Hash::Sha1),
        "1.2.840.113549.1.1.14" => Scheme::RsaPkcs1(Hash::Sha224),
        "1.2.840.113549.1.1.11" => Scheme::RsaPkcs1(Hash::Sha256),
        "1.2.840.113549.1.1.12" => Scheme::RsaPkcs1(Hash::Sha384),
        "1.2.840.113549.1.1.13" => Scheme::RsaPkcs1(Hash::Sha512),
        "1.2.840.10045.4.1" => Scheme::Ecdsa(Hash::Sha1),
        "1.2.840.10045.4.3.1" => Scheme::Ecdsa(Hash::Sha224),
        "1.2.840.10045.4.3.2" => Scheme::Ecdsa(Hash::Sha256),
        "1.2.840.10045.4.3.3" => Scheme::Ecdsa(Hash::Sha384),
        "1.2.840.10045.4.3.4" => Scheme::Ecdsa(Hash::Sha512),
        "1.2.840.113549.1.1.10" => pss_scheme(alg)?,
        other => {
            return Err(match weak_rsa_hash(other) {
                Some(h) => format!("{} with RSA is insecure", h.name()),
                None => format!("signature algorithm {other} is not supported"),
            })
        }
    })
}

/// Reads RSASSA-PSS parameters; only MGF1 with the message digest and trailer 1 are usable.
fn pss_scheme(alg: &AlgorithmIdentifier<'_>) -> Result<Scheme, String> {
    let params = alg
        .parameters
        .as_ref()
        .ok_or("RSA-PSS without parameters")?;
    let params = RsaSsaPssParams::try_from(params)
        .map_err(|_| "RSA-PSS parameters cannot be parsed".to_string())?;
    let hash_oid = params.hash_algorithm_oid().to_id_string();
    let hash = Hash::from_digest_oid(&hash_oid)
        .ok_or_else(|| format!("RSA-PSS with digest {hash_oid} is not supported"))?;
    if hash.digest(b"").is_none() {
        return Err(format!("RSA-PSS with {} is insecure", hash.name()));
    }
    let mgf = params
        .mask_gen_algorithm()
        .map_err(|_| "RSA-PSS mask generation parameters cannot be parsed".to_string())?;
    if mgf.mgf.to_id_string() != "1.2.840.113549.1.1.8" {
        return Err(format!(
            "RSA-PSS mask generation function {} is not supported",
            mgf.mgf
        ));
    }
    if Hash::from_digest_oid(&mgf.hash.to_id_string()) != Some(hash) {
        return Err(
            "RSA-PSS with an MGF1 digest different from the message digest is not supported".into(),
        );
    }
    if params.trailer_field() != 1 {
        return Err("RSA-PSS trailer field other than 1".into());
    }
    Ok(Scheme::RsaPss {
        hash,
        salt_len: params.salt_length() as usize,
    })
}

/// Verifies `cert`'s signature (`der` is its encoding) with the issuer's public key.
pub(crate) fn verify(
    der: &[u8],
    cert: &X509Certificate<'_>,
    issuer: &SubjectPublicKeyInfo<'_>,
) -> SigOutcome {
    if !algorithm_fields_identical(der) {
        return SigOutcome::Bad(
            "the signature algorithm outside the signed part differs from the one inside".into(),
        );
    }
    let scheme = match scheme(&cert.signature_algorithm) {
        Ok(s) => s,
        Err(why) => return SigOutcome::Unsupported(why),
    };
    let tbs: &[u8] = cert.tbs_certificate.as_ref();
    let sig: &[u8] = &cert.signature_value.data;
    match scheme {
        Scheme::RsaPkcs1(hash) => verify_rsa(issuer, tbs, sig, hash, None),
        Scheme::RsaPss { hash, salt_len } => verify_rsa(issuer, tbs, sig, hash, Some(salt_len)),
        Scheme::Ecdsa(hash) => verify_ecdsa(issuer, tbs, sig, hash),
    }
}

/// The encoded signature AlgorithmIdentifier outside the signed part and the one inside it,
/// byte for byte, with an OID where the algorithm belongs (the parser alone is lenient there).
fn algorithm_fields_identical(der: &[u8]) -> bool {
    fn element(input: &[u8]) -> Option<(&[u8], Any<'_>, &[u8])> {
        let (rest, any) = Any::from_der(input).ok()?;
        Some((&input[..input.len() - rest.len()], any, rest))
    }
    let inner = || -> Option<bool> {
        let (_, cert, _) = element(der)?;
        let (_, tbs, after_tbs) = element(cert.data)?;
        let (outer_alg, outer_any, _) = element(after_tbs)?;
        let (_, first, mut rest) = element(tbs.data)?;
        if first.header.class() == Class::ContextSpecific && first.tag() == Tag(0) {
            // Skip the serial number that follows the version.
            rest = element(rest)?.2;
        }
        let (inner_alg, _, _) = element(rest)?;
        let (_, oid, _) = element(outer_any.data)?;
        Some(
            outer_alg == inner_alg
                && oid.tag() == Tag::Oid
                && oid.header.class() == Class::Universal,
        )
    };
    inner().unwrap_or(false)
}

fn verify_rsa(
    issuer: &SubjectPublicKeyInfo<'_>,
    tbs: &[u8],
    sig: &[u8],
    hash: Hash,
    pss_salt: Option<usize>,
) -> SigOutcome {
    let key_oid = issuer.algorithm.algorithm.to_id_string();
    if key_oid != "1.2.840.113549.1.1.1" && key_oid != "1.2.840.113549.1.1.10" {
        return SigOutcome::Bad(format!(
            "an RSA signature cannot be checked with the issuer's {key_oid} key"
        ));
    }
    let Ok((_, der_key)) = RsaKeyDer::from_der(&issuer.subject_public_key.data) else {
        return SigOutcome::Unsupported("the issuer's RSA key cannot be parsed".into());
    };
    let key = match RsaPublicKey::new_with_max_size(
        BigUint::from_bytes_be(der_key.modulus),
        BigUint::from_bytes_be(der_key.exponent),
        MAX_RSA_BITS,
    ) {
        Ok(k) => k,
        Err(e) => return SigOutcome::Unsupported(format!("the issuer's RSA key is unusable: {e}")),
    };
    let Some(digest) = hash.digest(tbs) else {
        return SigOutcome::Unsupported(format!("{} is insecure", hash.name()));
    };
    let result = match (pss_salt, hash) {
        (None, Hash::Sha1) => key.verify(Pkcs1v15Sign::new::<Sha1>(), &digest, sig),
        (None, Hash::Sha224) => key.verify(Pkcs1v15Sign::new::<Sha224>(), &digest, sig),
        (None, Hash::Sha256) => key.verify(Pkcs1v15Sign::new::<Sha256>(), &digest, sig),
        (None, Hash::Sha384) => key.verify(Pkcs1v15Sign::new::<Sha384>(), &digest, sig),
        (None, Hash::Sha512) => key.verify(Pkcs1v15Sign::new::<Sha512>(), &digest, sig),
        (Some(s), Hash::Sha1) => key.verify(Pss::new_with_salt::<Sha1>(s), &digest, sig),
        (Some(s), Hash::Sha224) => key.verify(Pss::new_with_salt::<Sha224>(s), &digest, sig),
        (Some(s), Hash::Sha256) => key.verify(Pss::new_with_salt::<Sha256>(s), &digest, sig),
        (Some(s), Hash::Sha384) => key.verify(Pss::new_with_salt::<Sha384>(s), &digest, sig),
        (Some(s), Hash::Sha512) => key.verify(Pss::new_with_salt::<Sha512>(s), &digest, sig),
        (_, Hash::Md2 | Hash::Md4 | Hash::Md5) => {
            return SigOutcome::Unsupported(format!("{} is insecure", hash.name()))
        }
    };
    match result {
        Ok(()) => SigOutcome::Good,
        Err(_) => SigOutcome::Bad("the RSA signature does not verify with the issuer's key".into()),
    }
}

/// The DER content bytes of the named-curve OIDs.
const P256_OID: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07];
const P384_OID: &[u8] = &[0x2B, 0x81, 0x04, 0x00, 0x22];
const P521_OID: &[u8] = &[0x2B, 0x81, 0x04, 0x00, 0x23];

fn verify_ecdsa(
    issuer: &SubjectPublicKeyInfo<'_>,
    tbs: &[u8],
    sig: &[u8],
    hash: Hash,
) -> SigOutcome {
    use p256::ecdsa::signature::hazmat::PrehashVerifier;

    if issuer.algorithm.algorithm.to_id_string() != "1.2.840.10045.2.1" {
        return SigOutcome::Bad(format!(
            "an ECDSA signature cannot be checked with the issuer's {} key",
            issuer.algorithm.algorithm
        ));
    }
    let curve = match issuer.algorithm.parameters.as_ref() {
        Some(p) if p.tag() == Tag::Oid => p.data,
        _ => return SigOutcome::Unsupported("the issuer's EC key does not name its curve".into()),
    };
    let Some(digest) = hash.digest(tbs) else {
        return SigOutcome::Unsupported(format!("{} is insecure", hash.name()));
    };
    let point: &[u8] = &issuer.subject_public_key.data;
    let bad =
        || SigOutcome::Bad("the ECDSA signature does not verify with the issuer's key".into());
    let bad_key = || SigOutcome::Unsupported("the issuer's EC public key is invalid".into());
    // A digest shorter than the field is left-padded with zeros: the same integer, and the
    // verifiers reject digests shorter than half the field.
    let ok = if curve == P256_OID {
        let Ok(key) = p256::ecdsa::VerifyingKey::from_sec1_bytes(point) else {
            return bad_key();
        };
        let Ok(sig) = p256::ecdsa::Signature::from_der(sig) else {
            return bad();
        };
        key.verify_prehash(&pad(&digest, 32), &sig).is_ok()
    } else if curve == P384_OID {
        let Ok(key) = p384::ecdsa::VerifyingKey::from_sec1_bytes(point) else {
            return bad_key();
        };
        let Ok(sig) = p384::ecdsa::Signature::from_der(sig) else {
            return bad();
        };
        key.verify_prehash(&pad(&digest, 48), &sig).is_ok()
    } else if curve == P521_OID {
        let Ok(key) = p521::ecdsa::VerifyingKey::from_sec1_bytes(point) else {
            return bad_key();
        };
        let Ok(sig) = p521::ecdsa::Signature::from_der(sig) else {
            return bad();
        };
        key.verify_prehash(&pad(&digest, 66), &sig).is_ok()
    } else {
        return SigOutcome::Unsupported("the issuer's EC curve is not supported".into());
    };
    if ok {
        SigOutcome::Good
    } else {
        bad()
    }
}

/// Left-pads a digest with zeros to `len` bytes (longer digests are left as they are).
fn pad(digest: &[u8], len: usize) -> Vec<u8> {
    if digest.len() >= len {
        return digest.to_vec();
    }
    let mut out = vec![0u8; len - digest.len()];
    out.extend_from_slice(digest);
    out
}
