//! The local certificate authority and the server certificates it issues.
//!
//! On first start a CA is created in the certs directory (`ca.pem`, and `ca-key.pem` readable by
//! its owner only) and reused afterwards, so a client that trusted `ca.pem` once keeps trusting
//! the emulator. The CA is name-constrained to the emulated zones: trusting it lets it vouch for
//! `*.execute-api.<region>.vpce.amazonaws.com` and `*.execute-api.<region>.amazonaws.com` and
//! nothing else: no IP address, e-mail address or URI (see [`super::constraints`]). A CA made by an
//! older version, whose constraints said less, is replaced. A server certificate is issued in
//! memory at every start.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, CustomExtension, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose, PKCS_ECDSA_P256_SHA256,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use time::{Duration, OffsetDateTime};

const CA_CERT_FILE: &str = "ca.pem";
const CA_KEY_FILE: &str = "ca-key.pem";
const CA_META_FILE: &str = "ca.json";
const LOCK_FILE: &str = ".lock";
const CA_COMMON_NAME: &str = "apigw-emulator local CA";
/// The CA format `ca.json` records. 1 (or no field): name constraints on DNS names only, so the
/// CA's key could vouch for any IP address, e-mail address or URI. 2: every name form constrained.
const CA_VERSION: u32 = 2;

/// Why the CA or a certificate could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PkiError {
    /// A file or directory could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// An existing CA file could not be used.
    #[error("{path}: {reason}; delete the certs directory's ca* files to make a new CA (and trust the new ca.pem)")]
    Unusable {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// Key generation or signing failed.
    #[error("cannot create a certificate: {0}")]
    Generate(#[from] rcgen::Error),
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> PkiError + '_ {
    move |source| PkiError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The local CA, loaded or created.
pub struct LocalCa {
    cert_path: PathBuf,
    cert_pem: String,
    issuer: Issuer<'static, KeyPair>,
    created: bool,
}

impl std::fmt::Debug for LocalCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the key.
        f.debug_struct("LocalCa")
            .field("cert_path", &self.cert_path)
            .field("created", &self.created)
            .finish()
    }
}

/// A server certificate and its key, ready for rustls.
pub struct ServerCertificate {
    /// The leaf, DER.
    pub chain: Vec<CertificateDer<'static>>,
    /// Its key.
    pub key: PrivateKeyDer<'static>,
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct CaMeta {
    name_constraints: Vec<String>,
    /// Each CA gets its own name: clients that trust several emulators' CAs (or a stale one)
    /// must be able to tell them apart. CAs made before this field existed have the bare name.
    #[serde(default = "legacy_common_name")]
    common_name: String,
    /// [`CA_VERSION`] of the emulator that made the CA; absent before there were versions.
    #[serde(default = "legacy_version")]
    version: u32,
}

fn legacy_common_name() -> String {
    CA_COMMON_NAME.to_string()
}

fn legacy_version() -> u32 {
    1
}

fn ca_params(zones: &[String], common_name: &str) -> Result<CertificateParams, rcgen::Error> {
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, "apigw-emulator");
    dn.push(DnType::CommonName, common_name);
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    // rcgen's own name constraints cannot exclude URIs: the extension is written here, critical
    // as RFC 5280 asks.
    let mut constraints = CustomExtension::from_oid_content(
        super::constraints::NAME_CONSTRAINTS_OID,
        super::constraints::name_constraints_der(zones),
    );
    constraints.set_criticality(true);
    params.custom_extensions = vec![constraints];
    let now = OffsetDateTime::now_utc();
    params.not_before = now - Duration::days(1);
    params.not_after = now + Duration::days(3650);
    Ok(params)
}

/// Writes a file through a temporary name and a rename, so a reader never sees half of it.
fn write_atomically(path: &Path, contents: &[u8], mode: u32) -> Result<(), PkiError> {
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(&tmp).map_err(io_err(&tmp))?;
    file.write_all(contents)
        .and_then(|_| file.sync_all())
        .map_err(io_err(&tmp))?;
    fs::rename(&tmp, path).map_err(io_err(path))
}

/// What a certs directory holds, for `apigw-emulator certs`.
#[derive(Debug, Clone)]
pub struct CaDescription {
    /// `ca.pem`, absolute.
    pub cert_path: PathBuf,
    /// `ca-key.pem`, absolute.
    pub key_path: PathBuf,
    /// The key file's permission bits (Unix), e.g. `0o600`.
    pub key_mode: Option<u32>,
    /// The CA's common name (ends in 8 hex digits of its key).
    pub common_name: String,
    /// The DNS zones the CA may vouch for; nothing else.
    pub name_constraints: Vec<String>,
    /// SHA-256 of the certificate, as `AB:CD:…`.
    pub sha256_fingerprint: String,
}

/// Describes the CA in `dir` without creating or changing anything; `Ok(None)` when there is none.
pub fn describe(dir: &Path) -> Result<Option<CaDescription>, PkiError> {
    let dir = fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    let cert_path = dir.join(CA_CERT_FILE);
    let key_path = dir.join(CA_KEY_FILE);
    let meta_path = dir.join(CA_META_FILE);
    if !cert_path.exists() {
        return Ok(None);
    }
    let meta_text = fs::read_to_string(&meta_path).map_err(io_err(&meta_path))?;
    let meta: CaMeta = serde_json::from_str(&meta_text).map_err(|e| PkiError::Unusable {
        path: meta_path.clone(),
        reason: format!("not the emulator's CA description: {e}"),
    })?;
    let pem = fs::read(&cert_path).map_err(io_err(&cert_path))?;
    let der = CertificateDer::pem_slice_iter(&pem)
        .next()
        .and_then(Result::ok)
        .ok_or_else(|| PkiError::Unusable {
            path: cert_path.clone(),
            reason: "no PEM certificate in it".to_string(),
        })?;
    let digest = ring::digest::digest(&ring::digest::SHA256, der.as_ref());
    let sha256_fingerprint = digest
        .as_ref()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":");
    #[cfg(unix)]
    let key_mode = {
        use std::os::unix::fs::PermissionsExt;
        fs::metadata(&key_path)
            .ok()
            .map(|m| m.permissions().mode() & 0o777)
    };
    #[cfg(not(unix))]
    let key_mode = None;
    Ok(Some(CaDescription {
        cert_path,
        key_path,
        key_mode,
        common_name: meta.common_name,
        name_constraints: meta.name_constraints,
        sha256_fingerprint,
    }))
}

impl LocalCa {
    /// Loads the CA in `dir`, or creates one (and the directory) when there is none or when the
    /// existing one does not cover `zones`.
    pub fn load_or_create(dir: &Path, zones: &[String]) -> Result<LocalCa, PkiError> {
        fs::create_dir_all(dir).map_err(io_err(dir))?;
        // Several emulators (parallel test processes) may start at once on one certs directory:
        // the lock makes exactly one of them create the CA and the others load it.
        let lock_path = dir.join(LOCK_FILE);
        let lock = File::create(&lock_path).map_err(io_err(&lock_path))?;
        lock.lock().map_err(io_err(&lock_path))?;
        let result = Self::load_or_create_locked(dir, zones);
        let _ = lock.unlock();
        result
    }

    fn load_or_create_locked(dir: &Path, zones: &[String]) -> Result<LocalCa, PkiError> {
        let cert_path = dir.join(CA_CERT_FILE);
        let key_path = dir.join(CA_KEY_FILE);
        // A CA whose key is gone cannot issue; silently replacing it would break every client
        // that trusts the old ca.pem, so say what happened and how to start over.
        if cert_path.exists() && !key_path.exists() {
            return Err(PkiError::Unusable {
                path: key_path,
                reason: format!(
                    "missing, so the CA in {} cannot issue certificates",
                    cert_path.display()
                ),
            });
        }
        match Self::load_existing(dir, zones)? {
            Some(ca) => Ok(ca),
            None => Self::create(dir, zones),
        }
    }

    /// The CA in `dir` when there is one that covers `zones` and is constrained as this version
    /// constrains it; `None` (with a warning saying why, if there was a CA) otherwise.
    fn load_existing(dir: &Path, zones: &[String]) -> Result<Option<LocalCa>, PkiError> {
        let cert_path = dir.join(CA_CERT_FILE);
        let key_path = dir.join(CA_KEY_FILE);
        let meta_path = dir.join(CA_META_FILE);
        if !(key_path.exists() && cert_path.exists() && meta_path.exists()) {
            return Ok(None);
        }
        let meta_text = fs::read_to_string(&meta_path).map_err(io_err(&meta_path))?;
        let meta: CaMeta = serde_json::from_str(&meta_text).map_err(|e| PkiError::Unusable {
            path: meta_path.clone(),
            reason: format!("not the emulator's CA description: {e}"),
        })?;
        if !zones.iter().all(|z| meta.name_constraints.contains(z)) {
            tracing::warn!(
                dir = %dir.display(),
                "the existing CA does not cover {zones:?}; creating a new one (clients must trust the new ca.pem)"
            );
            return Ok(None);
        }
        // Reusing it would keep a CA whose key can vouch for any IP address, e-mail address or
        // URI in every trust store that holds it.
        if meta.version < CA_VERSION {
            tracing::warn!(
                dir = %dir.display(),
                "the existing CA was made by an older version whose name constraints let it vouch for IP addresses, e-mail addresses and URIs; creating a new one constrained to the execute-api DNS zones only: clients must trust the new ca.pem (and should remove the old one from their trust stores)"
            );
            return Ok(None);
        }
        let key_pem = fs::read_to_string(&key_path).map_err(io_err(&key_path))?;
        let key = KeyPair::from_pem(&key_pem).map_err(|e| PkiError::Unusable {
            path: key_path.clone(),
            reason: format!("not a private key in PEM: {e}"),
        })?;
        let cert_pem = fs::read_to_string(&cert_path).map_err(io_err(&cert_path))?;
        let issuer = Issuer::new(ca_params(&meta.name_constraints, &meta.common_name)?, key);
        Ok(Some(LocalCa {
            cert_path,
            cert_pem,
            issuer,
            created: false,
        }))
    }

    /// Creates a CA for `zones` in `dir`, replacing any there.
    fn create(dir: &Path, zones: &[String]) -> Result<LocalCa, PkiError> {
        let cert_path = dir.join(CA_CERT_FILE);
        let mut constraints: Vec<String> = zones.to_vec();
        constraints.sort();
        constraints.dedup();
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
        let id = ring::digest::digest(&ring::digest::SHA256, key.public_key_raw());
        let common_name = format!(
            "{CA_COMMON_NAME} {}",
            id.as_ref()[..4]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
        let params = ca_params(&constraints, &common_name)?;
        let cert = params.self_signed(&key)?;
        let cert_pem = cert.pem();
        write_atomically(
            &dir.join(CA_KEY_FILE),
            key.serialize_pem().as_bytes(),
            0o600,
        )?;
        write_atomically(&cert_path, cert_pem.as_bytes(), 0o644)?;
        let meta = serde_json::to_vec_pretty(&CaMeta {
            name_constraints: constraints,
            common_name,
            version: CA_VERSION,
        })
        .unwrap_or_default();
        write_atomically(&dir.join(CA_META_FILE), &meta, 0o644)?;
        let issuer = Issuer::new(params, key);
        Ok(LocalCa {
            cert_path,
            cert_pem,
            issuer,
            created: true,
        })
    }

    /// Where `ca.pem` is: the one file a client needs to trust.
    pub fn cert_path(&self) -> &Path {
        &self.cert_path
    }

    /// The CA certificate, PEM.
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// True when this start created the CA (clients must trust it anew).
    pub fn was_created(&self) -> bool {
        self.created
    }

    /// Issues a server certificate for `names` (wildcards allowed), valid for a year.
    pub fn issue_server_certificate(
        &self,
        names: &[String],
    ) -> Result<ServerCertificate, PkiError> {
        let mut params = CertificateParams::new(names.to_vec())?;
        let mut dn = DistinguishedName::new();
        // AWS's certificate is `CN=*.execute-api.<region>.amazonaws.com`.
        dn.push(
            DnType::CommonName,
            names.first().cloned().unwrap_or_default(),
        );
        params.distinguished_name = dn;
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        // Lets clients that trust several CAs pick this one by key, not by name alone.
        params.use_authority_key_identifier_extension = true;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        let now = OffsetDateTime::now_utc();
        params.not_before = now - Duration::hours(1);
        params.not_after = now + Duration::days(365);
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
        let cert = params.signed_by(&key, &self.issuer)?;
        Ok(ServerCertificate {
            chain: vec![cert.der().clone()],
            key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ca_is_created_once_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let zones = vec!["execute-api.us-east-1.vpce.amazonaws.com".to_string()];
        let first = LocalCa::load_or_create(dir.path(), &zones).unwrap();
        assert!(first.was_created());
        let second = LocalCa::load_or_create(dir.path(), &zones).unwrap();
        assert!(!second.was_created());
        assert_eq!(first.cert_pem(), second.cert_pem());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(dir.path().join(CA_KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        second
            .issue_server_certificate(&["*.execute-api.us-east-1.vpce.amazonaws.com".to_string()])
            .unwrap();
    }

    #[test]
    fn a_new_zone_makes_a_new_ca() {
        let dir = tempfile::tempdir().unwrap();
        let a = LocalCa::load_or_create(
            dir.path(),
            &["execute-api.us-east-1.amazonaws.com".to_string()],
        )
        .unwrap();
        let b = LocalCa::load_or_create(
            dir.path(),
            &["execute-api.eu-west-1.amazonaws.com".to_string()],
        )
        .unwrap();
        assert!(b.was_created());
        assert_ne!(a.cert_pem(), b.cert_pem());
    }

    #[test]
    fn a_ca_made_before_every_name_form_was_constrained_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let zones = vec!["execute-api.us-east-1.amazonaws.com".to_string()];
        let old = LocalCa::load_or_create(dir.path(), &zones).unwrap();
        // ca.json as versions before CA_VERSION 2 wrote it: no version field.
        let meta_path = dir.path().join(CA_META_FILE);
        let mut meta: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(&meta_path).unwrap()).unwrap();
        assert_eq!(meta["version"], CA_VERSION);
        meta.as_object_mut().unwrap().remove("version");
        fs::write(&meta_path, meta.to_string()).unwrap();
        let new = LocalCa::load_or_create(dir.path(), &zones).unwrap();
        assert!(new.was_created(), "an old CA is not reused");
        assert_ne!(old.cert_pem(), new.cert_pem());
        let again = LocalCa::load_or_create(dir.path(), &zones).unwrap();
        assert!(!again.was_created(), "the new CA is reused");
        assert_eq!(again.cert_pem(), new.cert_pem());
    }

    #[test]
    fn a_corrupt_key_is_reported_with_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let zones = vec!["execute-api.us-east-1.amazonaws.com".to_string()];
        LocalCa::load_or_create(dir.path(), &zones).unwrap();
        fs::write(dir.path().join(CA_KEY_FILE), "garbage").unwrap();
        let err = LocalCa::load_or_create(dir.path(), &zones)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("ca-key.pem: not a private key in PEM"),
            "{err}"
        );
    }
}
