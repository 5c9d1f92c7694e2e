//! TLS for the receiver and the sender, through rustls (with `ring`), from PEM files: server
//! certificates, client certificates (mutual TLS) and an allowlist of the names a client's
//! certificate must carry.
//!
//! The allowlist is matched against the certificate's subject alternative names (DNS names
//! and IP addresses, as `webpki` validates them for server names) and against the common
//! names (CN) of its subject DN: a client is let in when its certificate, already verified
//! against the configured CA, is valid for one of the listed names or has one of them as a
//! CN (compared exactly, ASCII case aside). The CN is what many interface engines'
//! certificates carry (`CN=LAB-INTERFACE-01`), often with no name a DNS check would take.

use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::server::WebPkiClientVerifier;
use rustls::{ClientConfig, RootCertStore, ServerConfig};

/// Why a TLS configuration could not be built, or a peer was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    #[error("reading PEM: {0}")]
    Pem(#[from] rustls::pki_types::pem::Error),
    #[error("no certificate in the PEM")]
    NoCertificate,
    #[error("TLS: {0}")]
    Rustls(#[from] rustls::Error),
    #[error("client certificate verification: {0}")]
    Verifier(#[from] rustls::server::VerifierBuilderError),
    #[error("`{0}` is not a valid server name")]
    ServerName(String),
    #[error("the client presented no certificate")]
    NoClientCertificate,
    #[error("the client certificate is valid for none of the allowed names, by SAN or CN")]
    SubjectNotAllowed,
    #[error("reading the client certificate: {0}")]
    Webpki(String),
}

fn certificates(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs = CertificateDer::pem_slice_iter(pem).collect::<Result<Vec<_>, _>>()?;
    if certs.is_empty() {
        return Err(TlsError::NoCertificate);
    }
    Ok(certs)
}

fn roots(ca_pem: &[u8]) -> Result<RootCertStore, TlsError> {
    let mut roots = RootCertStore::empty();
    for c in certificates(ca_pem)? {
        roots.add(c)?;
    }
    Ok(roots)
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The receiver's side: its certificate, and optionally the CA client certificates must
/// chain to and the names they must carry.
#[derive(Debug, Clone)]
pub struct ServerTls {
    pub(crate) config: Arc<ServerConfig>,
    allowed_names: Option<Vec<String>>,
}

impl ServerTls {
    /// TLS with the certificate chain and private key in `cert_pem` and `key_pem`; clients
    /// are not asked for a certificate.
    pub fn new(cert_pem: &[u8], key_pem: &[u8]) -> Result<ServerTls, TlsError> {
        let config = ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(
                certificates(cert_pem)?,
                PrivateKeyDer::from_pem_slice(key_pem)?,
            )?;
        Ok(ServerTls {
            config: Arc::new(config),
            allowed_names: None,
        })
    }

    /// Mutual TLS: clients must present a certificate chaining to a CA in `ca_pem`, and,
    /// when `allowed_names` is given, valid for one of those names.
    pub fn with_client_auth(
        cert_pem: &[u8],
        key_pem: &[u8],
        ca_pem: &[u8],
        allowed_names: Option<Vec<String>>,
    ) -> Result<ServerTls, TlsError> {
        let verifier =
            WebPkiClientVerifier::builder_with_provider(Arc::new(roots(ca_pem)?), provider())
                .build()?;
        let config = ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()?
            .with_client_cert_verifier(verifier)
            .with_single_cert(
                certificates(cert_pem)?,
                PrivateKeyDer::from_pem_slice(key_pem)?,
            )?;
        Ok(ServerTls {
            config: Arc::new(config),
            allowed_names,
        })
    }

    /// The rustls configuration, for serving other protocols with the same settings.
    pub fn config(&self) -> Arc<ServerConfig> {
        self.config.clone()
    }

    /// Checks a verified client's certificate against the allowlist.
    pub(crate) fn admit(&self, peer_certs: Option<&[CertificateDer<'_>]>) -> Result<(), TlsError> {
        let Some(names) = &self.allowed_names else {
            return Ok(());
        };
        let cert = peer_certs
            .and_then(|c| c.first())
            .ok_or(TlsError::NoClientCertificate)?;
        let common_names = subject_common_names(cert)?;
        let cert =
            webpki::EndEntityCert::try_from(cert).map_err(|e| TlsError::Webpki(e.to_string()))?;
        let allowed = names.iter().any(|n| {
            ServerName::try_from(n.as_str())
                .is_ok_and(|name| cert.verify_is_valid_for_subject_name(&name).is_ok())
                || common_names.iter().any(|cn| cn.eq_ignore_ascii_case(n))
        });
        if allowed {
            Ok(())
        } else {
            Err(TlsError::SubjectNotAllowed)
        }
    }
}

/// The CNs of a certificate's subject DN (those that are text).
fn subject_common_names(cert: &CertificateDer<'_>) -> Result<Vec<String>, TlsError> {
    let (_, parsed) = x509_parser::parse_x509_certificate(cert.as_ref())
        .map_err(|e| TlsError::Webpki(e.to_string()))?;
    Ok(parsed
        .subject()
        .iter_common_name()
        .filter_map(|cn| cn.as_str().ok())
        .map(str::to_owned)
        .collect())
}

/// The sender's side: the CA that signs the receiver's certificate, the name to check it
/// for, and optionally a client certificate.
#[derive(Debug, Clone)]
pub struct ClientTls {
    pub(crate) config: Arc<ClientConfig>,
    pub(crate) server_name: ServerName<'static>,
}

impl ClientTls {
    /// Trusts the CAs in `ca_pem` for a receiver whose certificate names `server_name`.
    pub fn new(ca_pem: &[u8], server_name: &str) -> Result<ClientTls, TlsError> {
        let config = ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots(ca_pem)?)
            .with_no_client_auth();
        ClientTls::from_config(config, server_name)
    }

    /// [`ClientTls::new`], presenting the client certificate in `cert_pem` (mutual TLS).
    pub fn with_client_cert(
        ca_pem: &[u8],
        server_name: &str,
        cert_pem: &[u8],
        key_pem: &[u8],
    ) -> Result<ClientTls, TlsError> {
        let config = ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots(ca_pem)?)
            .with_client_auth_cert(
                certificates(cert_pem)?,
                PrivateKeyDer::from_pem_slice(key_pem)?,
            )?;
        ClientTls::from_config(config, server_name)
    }

    /// The rustls configuration.
    pub fn config(&self) -> Arc<ClientConfig> {
        self.config.clone()
    }

    /// The name the receiver's certificate is checked for.
    pub fn server_name(&self) -> ServerName<'static> {
        self.server_name.clone()
    }

    fn from_config(config: ClientConfig, server_name: &str) -> Result<ClientTls, TlsError> {
        let server_name = ServerName::try_from(server_name.to_owned())
            .map_err(|_| TlsError::ServerName(server_name.to_owned()))?;
        Ok(ClientTls {
            config: Arc::new(config),
            server_name,
        })
    }
}
