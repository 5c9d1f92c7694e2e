//! The MLLP sender on tokio: one persistent connection, one message in flight, each sent
//! until an ACK whose MSA-2 matches its MSH-10 comes back.
//!
//! A message in enhanced mode whose MSH-15 asks for no commit ACK on success (`NE`, `ER`) is
//! written and not waited for ([`Reply::code`] is `None`): the receiver sends nothing back.
//!
//! TLS, with a client certificate for mutual TLS, through [`Options::tls`].
//!
//! An ACK for another control id (a late ACK of an earlier attempt, a confused peer) is
//! reported ([`Sender::stray_acks`], a `tracing` warning) and never taken for the message in
//! flight. When no matching ACK arrives within [`Options::ack_timeout`], or the connection
//! fails, the connection is dropped (so that a late ACK cannot arrive on the next one), and
//! the message is sent again on a new connection after a backoff, up to
//! [`Options::max_attempts`].

use std::time::Duration;

use hl7_model::ack::{AckCode, AckMode, Received};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::mllp::{self, Decoder, Event};

/// Timeouts, retries and framing of a [`Sender`].
#[derive(Debug, Clone)]
pub struct Options {
    pub connect_timeout: Duration,
    /// How long to wait for the matching ACK after a message is written.
    pub ack_timeout: Duration,
    /// Attempts per message; `0` sends until acknowledged.
    pub max_attempts: u32,
    /// Wait before the second attempt, doubled after each failed one up to `backoff_max`.
    pub backoff: Duration,
    pub backoff_max: Duration,
    /// Framing of the ACKs read back.
    pub mllp: mllp::Options,
    /// TLS (with a client certificate for mutual TLS); plain TCP when `None`.
    pub tls: Option<crate::tls::ClientTls>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            connect_timeout: Duration::from_secs(10),
            ack_timeout: Duration::from_secs(30),
            max_attempts: 5,
            backoff: Duration::from_millis(200),
            backoff_max: Duration::from_secs(30),
            mllp: mllp::Options {
                max_frame: 1024 * 1024,
                tolerant: true,
            },
            tls: None,
        }
    }
}

/// Why a message was not acknowledged.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    #[error("the message has no readable MSH or no MSH-10: its ACK could not be matched")]
    NoControlId,
    #[error(transparent)]
    Encode(#[from] mllp::EncodeError),
    #[error("no ACK after {attempts} attempt(s); last failure: {last}")]
    Exhausted { attempts: u32, last: String },
}

/// The matching ACK.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// MSA-1; `None` when the message asked for no commit ACK on success (enhanced mode,
    /// MSH-15 `NE` or `ER`): it was written and not waited for.
    pub code: Option<AckCode>,
    /// MSA-3, when valued.
    pub text: String,
    /// The ACK as received.
    pub raw: Vec<u8>,
    /// Attempts it took (1 when the first one was acknowledged).
    pub attempts: u32,
}

/// A persistent MLLP client; see the [module docs](self).
pub struct Sender {
    addr: String,
    opts: Options,
    conn: Option<(Box<dyn Io>, Decoder)>,
    stray: u64,
}

/// A connection, plain or TLS.
trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// Why one attempt failed, for the log and [`SendError::Exhausted`].
enum Failure {
    Io(std::io::Error),
    Timeout,
    Closed,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Io(e) => write!(f, "{e}"),
            Failure::Timeout => f.write_str("timed out waiting for the ACK"),
            Failure::Closed => f.write_str("the connection was closed before the ACK"),
        }
    }
}

impl Sender {
    /// A sender to `addr` (`host:port`); it connects on the first send.
    pub fn new(addr: impl Into<String>, opts: Options) -> Sender {
        Sender {
            addr: addr.into(),
            opts,
            conn: None,
            stray: 0,
        }
    }

    /// ACKs received that matched no message in flight.
    pub fn stray_acks(&self) -> u64 {
        self.stray
    }

    /// Sends `message` until its ACK arrives (whatever its code) or the attempts run out; in
    /// enhanced mode without a commit ACK on success, once written.
    pub async fn send(&mut self, message: &[u8]) -> Result<Reply, SendError> {
        let header = Received::read(message).map_err(|_| SendError::NoControlId)?;
        let control_id = header.control_id.clone();
        if control_id.is_empty() {
            return Err(SendError::NoControlId);
        }
        let wait = match header.mode() {
            AckMode::Original => true,
            AckMode::Enhanced { accept, .. } => accept.wants(AckCode::CA),
        };
        let framed = mllp::encode(message)?;
        let mut attempt = 0;
        let mut backoff = self.opts.backoff;
        loop {
            attempt += 1;
            match self.attempt(&framed, &control_id, wait).await {
                Ok(None) => {
                    return Ok(Reply {
                        code: None,
                        text: String::new(),
                        raw: Vec::new(),
                        attempts: attempt,
                    });
                }
                Ok(Some((code, text, raw))) => {
                    return Ok(Reply {
                        code: Some(code),
                        text,
                        raw,
                        attempts: attempt,
                    });
                }
                Err(failure) => {
                    // A late ACK must not reach the next attempt: start afresh.
                    self.conn = None;
                    tracing::warn!(%control_id, attempt, error = %failure, "no ACK");
                    if self.opts.max_attempts != 0 && attempt >= self.opts.max_attempts {
                        return Err(SendError::Exhausted {
                            attempts: attempt,
                            last: failure.to_string(),
                        });
                    }
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(self.opts.backoff_max);
                }
            }
        }
    }

    async fn attempt(
        &mut self,
        framed: &[u8],
        control_id: &str,
        wait: bool,
    ) -> Result<Option<(AckCode, String, Vec<u8>)>, Failure> {
        if self.conn.is_none() {
            let stream =
                tokio::time::timeout(self.opts.connect_timeout, TcpStream::connect(&self.addr))
                    .await
                    .map_err(|_| Failure::Timeout)?
                    .map_err(Failure::Io)?;
            let _ = stream.set_nodelay(true);
            let io: Box<dyn Io> = match &self.opts.tls {
                None => Box::new(stream),
                Some(tls) => {
                    let connector = tokio_rustls::TlsConnector::from(tls.config.clone());
                    Box::new(
                        tokio::time::timeout(
                            self.opts.connect_timeout,
                            connector.connect(tls.server_name.clone(), stream),
                        )
                        .await
                        .map_err(|_| Failure::Timeout)?
                        .map_err(Failure::Io)?,
                    )
                }
            };
            self.conn = Some((io, Decoder::new(self.opts.mllp)));
        }
        let Some((stream, decoder)) = self.conn.as_mut() else {
            return Err(Failure::Closed);
        };
        stream.write_all(framed).await.map_err(Failure::Io)?;
        stream.flush().await.map_err(Failure::Io)?;
        if !wait {
            return Ok(None);
        }
        let deadline = tokio::time::Instant::now() + self.opts.ack_timeout;
        let mut buf = [0u8; 16 * 1024];
        loop {
            while let Some(event) = decoder.next_event().unwrap_or_else(|e| {
                tracing::warn!(error = %e, "framing error in an ACK stream");
                None
            }) {
                let Event::Frame(frame) = event else {
                    continue;
                };
                match read_ack(&frame) {
                    Some((code, msa2, text)) if msa2 == control_id => {
                        return Ok(Some((code, text, frame)));
                    }
                    Some((code, msa2, _)) => {
                        self.stray += 1;
                        tracing::warn!(expected = control_id, got = %msa2, %code, "an ACK for another message: ignored");
                    }
                    None => {
                        self.stray += 1;
                        tracing::warn!("a frame that is not an ACK: ignored");
                    }
                }
            }
            let n = tokio::time::timeout_at(deadline, stream.read(&mut buf))
                .await
                .map_err(|_| Failure::Timeout)?
                .map_err(Failure::Io)?;
            if n == 0 {
                return Err(Failure::Closed);
            }
            decoder.feed(&buf[..n]);
        }
    }
}

/// MSA-1, MSA-2 and MSA-3 of an ACK, read in the character set its MSH-18 declares. An ACK
/// whose bytes that set does not account for (a Latin-1 MSA-3 with no MSH-18, as some
/// systems send) is still read: MSA-1 and MSA-2 must then come through exactly, and an
/// undecodable byte of MSA-3, the peer's free text, shows as U+FFFD.
pub fn read_ack(frame: &[u8]) -> Option<(AckCode, String, String)> {
    let text = match hl7_model::charset::decode(frame, &Default::default()) {
        Ok(decoded) => decoded.text,
        Err(_) => String::from_utf8_lossy(frame).into_owned(),
    };
    let header = Received::read(text.as_bytes()).ok()?;
    let f = header.delimiters.field;
    let msa = text
        .split(['\r', '\n'])
        .find(|s| s.starts_with("MSA") && s[3..].starts_with(f))?;
    let mut fields = msa.split(f).skip(1);
    let code = AckCode::parse(fields.next()?)?;
    let control_id = fields.next().unwrap_or("").to_owned();
    let msa3 = fields.next().unwrap_or("").to_owned();
    Some((code, control_id, msa3))
}
