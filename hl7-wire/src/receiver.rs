//! The MLLP receiver on tokio: accepts connections, reads frames, hands each message to its
//! handlers ([`crate::handler::Router`]) and answers on the same connection once they have
//! all succeeded.
//!
//! - The ACK goes out only after every handler returned `Ok`; a handler's error becomes AE
//!   or AR with its code in ERR ([`crate::handler::HandlerError`]). A message no route takes
//!   gets AR 200 (type) or 201 (event); the header checks of [`hl7_model::ack::Checks`] run
//!   first.
//! - Enhanced mode (MSH-15/16) gets a commit ACK (CA/CE/CR) when MSH-15 asks for one.
//! - TLS through rustls, with client certificates checked against a CA and an allowlist of
//!   names ([`crate::tls::ServerTls`]), and an address allowlist.
//! - Limits ([`Options`]): connections, frame size, idle time (reading and writing: a peer
//!   that never reads its ACKs is dropped), all configurable. A frame over the size limit
//!   whose MSH segment can still be read ([`crate::mllp::Decoder::take_oversized_head`]) is
//!   answered AR (CR in enhanced mode) with error 207 before the connection closes; table
//!   0357 has no code for a message too large, and 207 is the one for a message the
//!   receiver could not process.
//! - [`Shutdown::shutdown`] stops accepting, lets each connection finish the message it is
//!   processing and send its ACK, then closes; [`Receiver::run`] returns when all are done.
//! - Counters in [`Metrics`]; spans and events through `tracing`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use hl7_model::ack::{Ack, AckCode, AckMode, Checks, Issue, Received};
use hl7_model::validate::Severity;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use tracing::Instrument;

use crate::handler::{Inbound, Router};
use crate::mllp::{self, Decoder, Event};

/// The receiver's limits and checks.
#[derive(Debug, Clone)]
pub struct Options {
    /// Connections open at once; further ones are closed as soon as accepted.
    pub max_connections: usize,
    /// How long a connection may stay silent (or refuse to read its ACK) before it is
    /// closed.
    pub idle_timeout: Duration,
    /// Framing: frame size limit, strict or tolerant.
    pub mllp: mllp::Options,
    /// The header checks (and validation) every message goes through before its handlers.
    pub checks: Checks,
    /// Addresses connections are accepted from; any when `None`.
    pub allowed_peers: Option<Vec<std::net::IpAddr>>,
    /// TLS (and client certificate checks); plain TCP when `None`.
    pub tls: Option<crate::tls::ServerTls>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_connections: 1024,
            idle_timeout: Duration::from_secs(300),
            mllp: mllp::Options::default(),
            checks: Checks::default(),
            allowed_peers: None,
            tls: None,
        }
    }
}

/// Counters of what a receiver did, readable while it runs.
#[derive(Debug, Default)]
pub struct Metrics {
    pub connections_accepted: AtomicU64,
    /// Closed at once: over the connection limit, from an address not allowed, a failed TLS
    /// handshake or a client certificate not allowed.
    pub connections_refused: AtomicU64,
    pub connections_open: AtomicU64,
    /// Closed for being idle too long.
    pub connections_idle: AtomicU64,
    pub messages: AtomicU64,
    /// Answered AA or CA.
    pub accepted: AtomicU64,
    /// Answered AE or CE.
    pub errors: AtomicU64,
    /// Answered AR or CR.
    pub rejected: AtomicU64,
    /// Framing problems: garbage, missing CR, oversized or cut frames.
    pub framing: AtomicU64,
}

impl Metrics {
    fn add(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// The value of a counter.
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}

/// Stops a running [`Receiver`]; cloneable.
#[derive(Debug, Clone)]
pub struct Shutdown(pub(crate) Arc<watch::Sender<bool>>);

impl Shutdown {
    /// Asks the receiver to stop: no new connections, each open one finishes the message it
    /// is processing and closes.
    pub fn shutdown(&self) {
        let _ = self.0.send(true);
    }
}

/// What every connection shares.
pub(crate) struct Context {
    pub(crate) router: Router,
    pub(crate) opts: Options,
    pub(crate) metrics: Arc<Metrics>,
}

/// A bound MLLP receiver; see the [module docs](self).
pub struct Receiver {
    listener: TcpListener,
    ctx: Arc<Context>,
    shutdown: Arc<watch::Sender<bool>>,
}

impl Receiver {
    /// Binds `addr` (`127.0.0.1:2575`; port 0 for any free port).
    pub async fn bind(addr: &str, router: Router, opts: Options) -> std::io::Result<Receiver> {
        let listener = TcpListener::bind(addr).await?;
        Ok(Receiver {
            listener,
            ctx: Arc::new(Context {
                router,
                opts,
                metrics: Arc::default(),
            }),
            shutdown: Arc::new(watch::channel(false).0),
        })
    }

    /// The address bound.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The receiver's counters.
    pub fn metrics(&self) -> Arc<Metrics> {
        self.ctx.metrics.clone()
    }

    /// A handle that stops the receiver.
    pub fn shutdown_handle(&self) -> Shutdown {
        Shutdown(self.shutdown.clone())
    }

    /// Accepts and serves connections until shut down; returns once every connection has
    /// finished.
    pub async fn run(self) -> std::io::Result<()> {
        let slots = Arc::new(Semaphore::new(self.ctx.opts.max_connections));
        let mut stop = self.shutdown.subscribe();
        let mut tasks = JoinSet::new();
        tracing::info!(addr = ?self.listener.local_addr().ok(), "MLLP receiver listening");
        loop {
            tokio::select! {
                _ = stopped(&mut stop) => break,
                accepted = self.listener.accept() => {
                    let (stream, peer) = match accepted {
                        Ok(a) => a,
                        Err(e) => {
                            // Out of descriptors and the like: wait rather than spin.
                            tracing::warn!(error = %e, "accept failed");
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            continue;
                        }
                    };
                    let m = &self.ctx.metrics;
                    if let Some(allowed) = &self.ctx.opts.allowed_peers
                        && !allowed.contains(&peer.ip())
                    {
                        Metrics::add(&m.connections_refused);
                        tracing::warn!(%peer, "connection from an address not allowed");
                        continue;
                    }
                    let Ok(permit) = slots.clone().try_acquire_owned() else {
                        Metrics::add(&m.connections_refused);
                        tracing::warn!(%peer, "connection limit reached");
                        continue;
                    };
                    Metrics::add(&m.connections_accepted);
                    let ctx = self.ctx.clone();
                    let stop = self.shutdown.subscribe();
                    tasks.spawn(async move {
                        let _ = stream.set_nodelay(true);
                        accept(stream, peer, ctx, stop)
                            .instrument(tracing::debug_span!("connection", %peer))
                            .await;
                        drop(permit);
                    });
                }
                Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
            }
        }
        tracing::info!(connections = tasks.len(), "shutting down");
        while tasks.join_next().await.is_some() {}
        Ok(())
    }
}

/// Serves connections that reach the program some other way than through [`Receiver`]'s TCP
/// listener: a Unix socket, a stream after a TLS handshake of the caller's own, an in-memory
/// pipe in a test. Each gets the same framing, checks, handlers, limits and counters as a
/// connection a [`Receiver`] accepted; the listener's settings ([`Options::tls`],
/// [`Options::allowed_peers`], [`Options::max_connections`]) are the caller's to apply.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use hl7_wire::handler::{from_fn, Router};
/// use hl7_wire::receiver::{Options, StreamServer};
/// use tokio::io::{AsyncReadExt, AsyncWriteExt};
///
/// let server = StreamServer::new(Router::new().route("*", from_fn(|_| Ok(()))), Options::default());
/// let (mut client, conn) = tokio::io::duplex(64 * 1024);
/// let serving = tokio::spawn({
///     let server = server.clone();
///     async move { server.serve(conn, None).await }
/// });
/// client.write_all(b"\x0bMSH|^~\\&|A|F|B|G|20240101||ADT^A01|42|P|2.5\r\x1c\r").await.unwrap();
/// client.shutdown().await.unwrap();
/// let mut answer = Vec::new();
/// client.read_to_end(&mut answer).await.unwrap();
/// serving.await.unwrap();
/// assert!(String::from_utf8_lossy(&answer).contains("MSA|AA|42"));
/// # });
/// ```
#[derive(Clone)]
pub struct StreamServer {
    pub(crate) ctx: Arc<Context>,
    shutdown: Arc<watch::Sender<bool>>,
}

impl StreamServer {
    /// Messages go to `router`, within `opts`.
    pub fn new(router: Router, opts: Options) -> StreamServer {
        StreamServer {
            ctx: Arc::new(Context {
                router,
                opts,
                metrics: Arc::default(),
            }),
            shutdown: Arc::new(watch::channel(false).0),
        }
    }

    /// The counters of every connection served so far.
    pub fn metrics(&self) -> Arc<Metrics> {
        self.ctx.metrics.clone()
    }

    /// A handle that makes every connection being served finish its message and close.
    pub fn shutdown_handle(&self) -> Shutdown {
        Shutdown(self.shutdown.clone())
    }

    pub(crate) fn stop(&self) -> watch::Receiver<bool> {
        self.shutdown.subscribe()
    }

    /// Serves one MLLP connection over `stream` until the peer closes it, it idles out, a
    /// framing error ends it, or shutdown is asked for. `peer` is recorded with each message.
    pub async fn serve<S>(&self, stream: S, peer: Option<SocketAddr>)
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        Metrics::add(&self.ctx.metrics.connections_accepted);
        serve(stream, peer, self.ctx.clone(), self.stop()).await;
    }
}

/// Serves one accepted connection, after its TLS handshake and client check when the
/// receiver has TLS.
async fn accept(
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    ctx: Arc<Context>,
    stop: watch::Receiver<bool>,
) {
    let Some(tls) = ctx.opts.tls.clone() else {
        return serve(stream, Some(peer), ctx, stop).await;
    };
    let m = &ctx.metrics;
    let acceptor = tokio_rustls::TlsAcceptor::from(tls.config.clone());
    match tokio::time::timeout(ctx.opts.idle_timeout, acceptor.accept(stream)).await {
        Ok(Ok(stream)) => match tls.admit(stream.get_ref().1.peer_certificates()) {
            Ok(()) => serve(stream, Some(peer), ctx, stop).await,
            Err(e) => {
                Metrics::add(&m.connections_refused);
                tracing::warn!(%peer, error = %e, "client certificate refused");
            }
        },
        Ok(Err(e)) => {
            Metrics::add(&m.connections_refused);
            tracing::warn!(%peer, error = %e, "TLS handshake failed");
        }
        Err(_) => {
            Metrics::add(&m.connections_idle);
            tracing::warn!(%peer, "TLS handshake timed out");
        }
    }
}

/// Resolves once shutdown is asked for.
pub(crate) async fn stopped(stop: &mut watch::Receiver<bool>) {
    // The guard `wait_for` returns is not `Send`: dropped here, before any other await.
    let _ = stop.wait_for(|s| *s).await;
}

/// Serves one connection until the peer closes it, it idles out, a framing error ends it,
/// or the receiver shuts down.
pub(crate) async fn serve<S>(
    mut stream: S,
    peer: Option<SocketAddr>,
    ctx: Arc<Context>,
    mut stop: watch::Receiver<bool>,
) where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let m = &ctx.metrics;
    m.connections_open.fetch_add(1, Ordering::Relaxed);
    let mut decoder = Decoder::new(ctx.opts.mllp);
    let mut buf = vec![0u8; 64 * 1024];
    let idle = ctx.opts.idle_timeout;
    'conn: loop {
        loop {
            match decoder.next_event() {
                Ok(None) => break,
                Ok(Some(Event::Frame(frame))) => {
                    Metrics::add(&m.messages);
                    let Some(answer) = respond(&frame, peer, &ctx).await else {
                        continue;
                    };
                    if !write_ack(&mut stream, &answer, idle, m).await {
                        break 'conn;
                    }
                }
                Ok(Some(event)) => {
                    Metrics::add(&m.framing);
                    tracing::warn!(?event, "framing");
                }
                Err(e) => {
                    // Strict mode's refusals and oversized frames: the stream cannot be
                    // trusted to be in step any more.
                    Metrics::add(&m.framing);
                    tracing::warn!(error = %e, "framing error: closing");
                    if let mllp::FrameError::Oversized { limit } = e
                        && let Some(nak) = decoder
                            .take_oversized_head()
                            .and_then(|h| oversized(&h, limit, m))
                    {
                        // The sender learns why before the connection closes.
                        if write_ack(&mut stream, &nak, idle, m).await {
                            drain(&mut stream, &mut buf, idle, limit).await;
                        }
                    }
                    break 'conn;
                }
            }
        }
        if *stop.borrow() {
            break;
        }
        let read = tokio::select! {
            r = tokio::time::timeout(idle, stream.read(&mut buf)) => r,
            _ = stopped(&mut stop) => break,
        };
        match read {
            Ok(Ok(0)) => {
                if let Err(e) = decoder.finish() {
                    Metrics::add(&m.framing);
                    tracing::warn!(error = %e, "connection closed mid-frame");
                }
                break;
            }
            Ok(Ok(n)) => decoder.feed(&buf[..n]),
            Ok(Err(e)) => {
                tracing::debug!(error = %e, "read failed");
                break;
            }
            Err(_) => {
                Metrics::add(&m.connections_idle);
                tracing::debug!("idle: closing");
                break;
            }
        }
    }
    let _ = stream.shutdown().await;
    m.connections_open.fetch_sub(1, Ordering::Relaxed);
}

/// Closes the sending side, then reads and drops what the peer still sends (at most `limit`
/// bytes, within `idle`) until it closes too: closing with unread bytes would reset the
/// connection and could destroy the reject just written.
async fn drain<S>(stream: &mut S, buf: &mut [u8], idle: Duration, limit: usize)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    if stream.shutdown().await.is_err() {
        return;
    }
    let mut left = limit;
    let _ = tokio::time::timeout(idle, async {
        while let Ok(n @ 1..) = stream.read(buf).await {
            left = left.saturating_sub(n);
            if left == 0 {
                break;
            }
        }
    })
    .await;
}

/// Writes one ACK, framed; `false` when the connection is no longer usable.
async fn write_ack<S>(stream: &mut S, answer: &[u8], idle: Duration, m: &Metrics) -> bool
where
    S: AsyncWrite + Unpin,
{
    let Ok(framed) = mllp::encode(answer) else {
        tracing::error!("an ACK holds a framing byte");
        return false;
    };
    match tokio::time::timeout(idle, async {
        stream.write_all(&framed).await?;
        stream.flush().await
    })
    .await
    {
        Ok(Ok(())) => true,
        Ok(Err(e)) => {
            tracing::debug!(error = %e, "writing the ACK failed");
            false
        }
        Err(_) => {
            Metrics::add(&m.connections_idle);
            tracing::warn!("the peer does not read its ACKs: closing");
            false
        }
    }
}

/// The reject of a frame over the size limit whose MSH could still be read: AR (CR in
/// enhanced mode) with error 207, application internal error, as table 0357 has no code
/// for a message too large; `None` when the header cannot be read or names no control id.
fn oversized(head: &[u8], limit: usize, m: &Metrics) -> Option<Vec<u8>> {
    let header = Received::read(head)
        .ok()
        .filter(|h| !h.control_id.is_empty())?;
    let issue = Issue::new(
        207,
        None,
        format!("the message is longer than the limit of {limit} bytes"),
    );
    let ack = answer(&header, vec![issue])?;
    Metrics::add(&m.messages);
    Metrics::add(&m.rejected);
    Some(ack_bytes(ack))
}

/// The ACK as it goes on the wire ([`Ack::to_wire_bytes`]), a warning logged when it could
/// not be written in the sender's character sets.
pub(crate) fn ack_bytes(ack: Ack) -> Vec<u8> {
    ack.to_bytes().unwrap_or_else(|e| {
        tracing::warn!(error = %e, "the ACK is sent in UTF-8");
        ack.to_wire_bytes()
    })
}

/// The answer to one message (`None` when enhanced mode wants no commit ACK), after its
/// handlers ran.
pub(crate) async fn respond(
    frame: &[u8],
    peer: Option<SocketAddr>,
    ctx: &Context,
) -> Option<Vec<u8>> {
    let checked = ctx.opts.checks.acknowledge(frame);
    let mut issues = checked.issues.clone();
    let has_error = issues.iter().any(|i| i.severity == Severity::Error);
    let ack = match (checked.message, checked.received) {
        (Some(message), Some(header)) if !has_error => {
            let inbound = Inbound {
                raw: frame.to_vec(),
                message,
                header,
                peer,
            };
            match ctx.router.handlers_for(&inbound) {
                Err(issue) => answer(&inbound.header, vec![issue]),
                Ok(handlers) => {
                    for h in handlers {
                        if let Err(e) = h.handle(&inbound).await {
                            tracing::warn!(error = %e, control_id = %inbound.header.control_id, "handler failed");
                            issues.push(e.issue());
                            break;
                        }
                    }
                    answer(&inbound.header, issues)
                }
            }
        }
        (_, Some(header)) => answer(&header, issues),
        (_, None) => Some(Ack::new(&Received::unidentified("2.5"), AckCode::AR).issue(
            issues.into_iter().next().unwrap_or_else(|| {
                Issue::new(
                    100,
                    None,
                    "no MSH segment: the message cannot be identified",
                )
            }),
        )),
    }?;
    let m = &ctx.metrics;
    match ack.code() {
        AckCode::AA | AckCode::CA => Metrics::add(&m.accepted),
        AckCode::AE | AckCode::CE => Metrics::add(&m.errors),
        AckCode::AR | AckCode::CR => Metrics::add(&m.rejected),
    }
    tracing::debug!(code = %ack.code(), "answered");
    Some(ack_bytes(ack))
}

/// The answer in the mode the message asked for.
fn answer(header: &Received, issues: Vec<Issue>) -> Option<Ack> {
    match header.mode() {
        AckMode::Original => Some(Ack::original(header, issues)),
        AckMode::Enhanced { accept, .. } => {
            let ack = Ack::commit(header, issues);
            accept.wants(ack.code()).then_some(ack)
        }
    }
}
