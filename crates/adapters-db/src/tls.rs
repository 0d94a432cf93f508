//! PostgreSQL connections: `sslmode`/`sslrootcert` from the URL, TLS through rustls, and
//! the settings every connection gets (the statement timeout).
//!
//! tokio-postgres itself knows only `disable`, `prefer` and `require` and never checks a
//! certificate; libpq's `verify-ca` and `verify-full` are done here. The two parameters
//! are taken out of the URL before tokio-postgres reads the rest.
//!
//! | `sslmode` | here |
//! |---|---|
//! | absent, `disable`, `allow` | plain TCP (`allow` never tries TLS) |
//! | `prefer` | TLS when the server offers it, else plain; the certificate is not checked |
//! | `require` | TLS or fail; the certificate is not checked, unless `sslrootcert` is given (then as `verify-ca`, as libpq does) |
//! | `verify-ca` | TLS, the chain checked against the roots, any host name |
//! | `verify-full` | TLS, the chain and the host name checked |
//!
//! Roots: `sslrootcert=PATH` (PEM, one or more certificates), `sslrootcert=system` (the
//! operating system's store), else the Mozilla roots compiled in (webpki-roots).

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use diesel::ConnectionError;
use diesel_async::{AsyncPgConnection, SimpleAsyncConnection};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{ClientConfig, WebPkiServerVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_postgres::config::SslMode as DriverSslMode;
use tokio_postgres::tls::{ChannelBinding, MakeTlsConnect, TlsConnect};

use crate::error::ConnectError;

/// libpq's `sslmode` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SslMode {
    /// Plain TCP.
    Disable,
    /// libpq: plain first, TLS if the server insists; here: plain.
    Allow,
    /// TLS if the server offers it, unchecked; else plain.
    Prefer,
    /// TLS, the certificate unchecked (checked as `VerifyCa` when roots are named).
    Require,
    /// TLS, the certificate chain checked against the roots.
    VerifyCa,
    /// TLS, the chain and the host name checked.
    VerifyFull,
}

impl SslMode {
    fn parse(value: &str) -> Result<Self, ConnectError> {
        Ok(match value {
            "disable" => Self::Disable,
            "allow" => Self::Allow,
            "prefer" => Self::Prefer,
            "require" => Self::Require,
            "verify-ca" => Self::VerifyCa,
            "verify-full" => Self::VerifyFull,
            other => {
                return Err(ConnectError::Connect(format!(
                    "sslmode={other} is not one of disable, allow, prefer, require, verify-ca, verify-full"
                )));
            }
        })
    }
}

/// Where the trusted roots come from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Roots {
    /// The Mozilla roots compiled in.
    Bundled,
    /// The operating system's store (`sslrootcert=system`).
    System,
    /// A PEM file.
    File(String),
}

/// How to open one PostgreSQL connection: the driver's configuration (the URL without
/// `sslmode` and `sslrootcert`), the TLS to use, and the per-connection settings.
#[derive(Clone)]
pub(crate) struct PgConnector {
    config: tokio_postgres::Config,
    tls: Option<Arc<ClientConfig>>,
    statement_timeout: Option<Duration>,
}

impl std::fmt::Debug for PgConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgConnector")
            .field("tls", &self.tls.is_some())
            .field("statement_timeout", &self.statement_timeout)
            .finish_non_exhaustive()
    }
}

/// The `sslmode` and `sslrootcert` of a URL, and the URL without them.
fn split_tls_params(url: &str) -> Result<(String, Option<SslMode>, Option<Roots>), ConnectError> {
    let Some((base, query)) = url.split_once('?') else {
        return Ok((url.to_owned(), None, None));
    };
    let mut mode = None;
    let mut roots = None;
    let mut kept = Vec::new();
    for param in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = param.split_once('=').unwrap_or((param, ""));
        match key {
            "sslmode" => mode = Some(SslMode::parse(&percent_decode(value)?)?),
            "sslrootcert" => {
                let value = percent_decode(value)?;
                roots = Some(if value == "system" {
                    Roots::System
                } else {
                    Roots::File(value)
                });
            }
            _ => kept.push(param),
        }
    }
    let url = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok((url, mode, roots))
}

fn percent_decode(value: &str) -> Result<String, ConnectError> {
    let bad = || ConnectError::Connect(format!("invalid percent-encoding in `{value}`"));
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = value.get(i + 1..i + 3).ok_or_else(bad)?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| bad())?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| bad())
}

impl PgConnector {
    /// Reads a `postgres://` URL. A bad `sslmode`, an unreadable `sslrootcert` or a URL
    /// the driver refuses fails here, before any connection is tried.
    pub(crate) fn from_url(url: &str, statement_timeout: Option<Duration>) -> Result<Self, ConnectError> {
        let (rest, mode, roots) = split_tls_params(url)?;
        let mut config = tokio_postgres::Config::from_str(&rest)
            .map_err(|e| ConnectError::Connect(format!("invalid PostgreSQL URL: {e}")))?;
        let mode = mode.unwrap_or(SslMode::Disable);
        let (driver_mode, verify) = match mode {
            SslMode::Disable | SslMode::Allow => (DriverSslMode::Disable, None),
            SslMode::Prefer => (DriverSslMode::Prefer, Some(Verify::Nothing)),
            SslMode::Require if roots.is_none() => (DriverSslMode::Require, Some(Verify::Nothing)),
            SslMode::Require | SslMode::VerifyCa => (DriverSslMode::Require, Some(Verify::Chain)),
            SslMode::VerifyFull => (DriverSslMode::Require, Some(Verify::ChainAndName)),
        };
        config.ssl_mode(driver_mode);
        let tls = match verify {
            None => None,
            Some(verify) => Some(Arc::new(client_config(verify, roots.unwrap_or(Roots::Bundled))?)),
        };
        Ok(Self {
            config,
            tls,
            statement_timeout,
        })
    }

    /// Whether connections use TLS (`prefer` included).
    #[cfg(test)]
    pub(crate) fn uses_tls(&self) -> bool {
        self.tls.is_some()
    }

    /// Opens one connection and applies the per-connection settings.
    pub(crate) async fn connect(&self) -> Result<AsyncPgConnection, ConnectionError> {
        let failed = |e: tokio_postgres::Error| ConnectionError::BadConnection(describe(&e));
        let mut conn = match &self.tls {
            None => {
                let (client, connection) = self.config.connect(tokio_postgres::NoTls).await.map_err(failed)?;
                AsyncPgConnection::try_from_client_and_connection(client, connection).await?
            }
            Some(tls) => {
                let (client, connection) = self
                    .config
                    .connect(RustlsConnect(Arc::clone(tls)))
                    .await
                    .map_err(failed)?;
                AsyncPgConnection::try_from_client_and_connection(client, connection).await?
            }
        };
        let millis = self.statement_timeout.map_or(0, |t| t.as_millis().max(1));
        // JIT off: compiling a plan costs 100–500 ms, which no query here earns back (the
        // reports' estimates cross its threshold while they run in well under a second).
        conn.batch_execute(&format!("SET statement_timeout = {millis}; SET jit = off"))
            .await
            .map_err(ConnectionError::CouldntSetupConfiguration)?;
        Ok(conn)
    }
}

/// The driver's error with its causes (its `Display` leaves them out): the server's
/// message, or what the TLS handshake refused.
fn describe(e: &tokio_postgres::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// What a TLS connection checks of the server's certificate.
#[derive(Debug, Clone, Copy)]
enum Verify {
    /// Nothing (libpq's `prefer` and `require`): encryption without authentication.
    Nothing,
    /// The chain up to a trusted root (`verify-ca`).
    Chain,
    /// The chain and the host name (`verify-full`).
    ChainAndName,
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn root_store(roots: &Roots) -> Result<RootCertStore, ConnectError> {
    let mut store = RootCertStore::empty();
    match roots {
        Roots::Bundled => store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
        Roots::System => {
            // Read with the same rules as openssl: SSL_CERT_FILE, SSL_CERT_DIR, the
            // distribution's bundle.
            let found = load_system_roots();
            let (added, _) = store.add_parsable_certificates(found);
            if added == 0 {
                return Err(ConnectError::Connect(
                    "sslrootcert=system: no trusted certificates found on this system".into(),
                ));
            }
        }
        Roots::File(path) => {
            let certs = CertificateDer::pem_file_iter(path)
                .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
                .map_err(|e| ConnectError::Connect(format!("cannot read sslrootcert {path}: {e}")))?;
            let (added, _) = store.add_parsable_certificates(certs);
            if added == 0 {
                return Err(ConnectError::Connect(format!(
                    "sslrootcert {path} holds no usable certificate"
                )));
            }
        }
    }
    Ok(store)
}

/// The system's trusted certificates: the file `SSL_CERT_FILE` names, else the first
/// bundle of the usual places that exists.
fn load_system_roots() -> Vec<CertificateDer<'static>> {
    let candidates = std::env::var("SSL_CERT_FILE").into_iter().chain(
        [
            "/etc/ssl/certs/ca-certificates.crt",
            "/etc/pki/tls/certs/ca-bundle.crt",
            "/etc/ssl/ca-bundle.pem",
            "/etc/ssl/cert.pem",
        ]
        .into_iter()
        .map(str::to_owned),
    );
    for path in candidates {
        if let Ok(iter) = CertificateDer::pem_file_iter(&path) {
            let certs: Vec<_> = iter.filter_map(Result::ok).collect();
            if !certs.is_empty() {
                return certs;
            }
        }
    }
    Vec::new()
}

fn client_config(verify: Verify, roots: Roots) -> Result<ClientConfig, ConnectError> {
    let provider = provider();
    let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| ConnectError::Connect(format!("TLS setup: {e}")))?;
    let config = match verify {
        Verify::Nothing => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoCertificateCheck(provider.signature_verification_algorithms)))
            .with_no_client_auth(),
        Verify::Chain | Verify::ChainAndName => {
            let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(root_store(&roots)?), provider)
                .build()
                .map_err(|e| ConnectError::Connect(format!("TLS setup: {e}")))?;
            match verify {
                Verify::Chain => builder
                    .dangerous()
                    .with_custom_certificate_verifier(Arc::new(ChainOnly(webpki)))
                    .with_no_client_auth(),
                _ => builder.with_webpki_verifier(webpki).with_no_client_auth(),
            }
        }
    };
    Ok(config)
}

/// `prefer`/`require`: any certificate, but the handshake's signatures are still checked.
#[derive(Debug)]
struct NoCertificateCheck(WebPkiSupportedAlgorithms);

impl ServerCertVerifier for NoCertificateCheck {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}

/// `verify-ca`: the chain must lead to a trusted root; the name in it does not matter.
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

/// tokio-postgres' TLS hook over rustls.
#[derive(Clone)]
struct RustlsConnect(Arc<ClientConfig>);

/// One handshake with a named server.
struct RustlsConnectTo {
    config: Arc<ClientConfig>,
    name: ServerName<'static>,
}

impl<S> MakeTlsConnect<S> for RustlsConnect
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = RustlsStream<S>;
    type TlsConnect = RustlsConnectTo;
    type Error = io::Error;

    fn make_tls_connect(&mut self, domain: &str) -> Result<Self::TlsConnect, Self::Error> {
        let name = ServerName::try_from(domain.to_owned())
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, format!("server name {domain}: {e}")))?;
        Ok(RustlsConnectTo {
            config: Arc::clone(&self.0),
            name,
        })
    }
}

impl<S> TlsConnect<S> for RustlsConnectTo
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = RustlsStream<S>;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<RustlsStream<S>>> + Send>>;

    fn connect(self, stream: S) -> Self::Future {
        Box::pin(async move {
            let stream = tokio_rustls::TlsConnector::from(self.config)
                .connect(self.name, stream)
                .await?;
            Ok(RustlsStream(stream))
        })
    }
}

/// A TLS stream to the server. No channel binding is offered, so SCRAM authenticates
/// without `-PLUS` (what tokio-postgres does with its other TLS crates' defaults).
struct RustlsStream<S>(tokio_rustls::client::TlsStream<S>);

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for RustlsStream<S> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_read(cx, buf)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for RustlsStream<S> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().0).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_shutdown(cx)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> tokio_postgres::tls::TlsStream for RustlsStream<S> {
    fn channel_binding(&self) -> ChannelBinding {
        ChannelBinding::none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sslmode_and_sslrootcert_are_taken_out_of_the_url() {
        let (url, mode, roots) =
            split_tls_params("postgres://u:p@h/db?options=-c%20x%3Dy&sslmode=verify-full&sslrootcert=%2Ftmp%2Fca.pem")
                .expect("parses");
        assert_eq!(url, "postgres://u:p@h/db?options=-c%20x%3Dy");
        assert_eq!(mode, Some(SslMode::VerifyFull));
        assert_eq!(roots, Some(Roots::File("/tmp/ca.pem".into())));
        let (url, mode, roots) = split_tls_params("postgres://u@h/db?sslmode=require").expect("parses");
        assert_eq!(
            (url.as_str(), mode, roots),
            ("postgres://u@h/db", Some(SslMode::Require), None)
        );
        assert_eq!(split_tls_params("postgres://u@h/db").expect("parses").1, None);
    }

    #[test]
    fn every_libpq_sslmode_is_accepted_and_others_are_refused() {
        for (mode, tls) in [
            ("disable", false),
            ("allow", false),
            ("prefer", true),
            ("require", true),
            ("verify-ca", true),
            ("verify-full", true),
        ] {
            let connector = PgConnector::from_url(&format!("postgres://u@h/db?sslmode={mode}"), None)
                .unwrap_or_else(|e| panic!("sslmode={mode}: {e}"));
            assert_eq!(connector.uses_tls(), tls, "sslmode={mode}");
        }
        assert!(
            !PgConnector::from_url("postgres://u@h/db", None)
                .expect("plain")
                .uses_tls()
        );
        let refused = PgConnector::from_url("postgres://u@h/db?sslmode=verify", None).expect_err("refused");
        assert!(refused.to_string().contains("sslmode=verify"), "{refused}");
        let missing = PgConnector::from_url(
            "postgres://u@h/db?sslmode=verify-full&sslrootcert=/nonexistent.pem",
            None,
        )
        .expect_err("refused");
        assert!(missing.to_string().contains("/nonexistent.pem"), "{missing}");
    }
}
