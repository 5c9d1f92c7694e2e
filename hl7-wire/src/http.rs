//! HL7 over HTTP(S), on hyper: a server taking a POST of one message and a client posting
//! one.
//!
//! The server answers `200 OK` with the ACK (AA/AE/AR, or the commit ACK in enhanced mode) as
//! the body, after the message's handlers ran, exactly as the MLLP receiver would answer on
//! its connection (same [`crate::handler::Router`], checks and limits); `204 No Content` when
//! enhanced mode asked for no commit ACK. A request that is not an HL7 message gets `4xx`:
//! `405` for another method than POST, `415` for a content type other than
//! `application/hl7-v2`, `x-application/hl7-v2+er7` or `text/plain`, `413` for a body over
//! the frame limit. The same TLS and mutual-TLS options apply ([`crate::tls`]), and the
//! same limits: connections at once, and the idle time as the wait for a request's head.

use std::net::SocketAddr;
use std::sync::Arc;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

use hl7_model::ack::{AckCode, Received};

use crate::handler::Router;
use crate::receiver::{Context, Metrics, Options, Shutdown, respond, stopped};
use crate::tls::ClientTls;

/// The content type of ACKs sent and the first of those accepted.
pub const CONTENT_TYPE: &str = "application/hl7-v2";

/// Content types a POST may carry (their parameters, `charset`, aside).
const ACCEPTED: [&str; 3] = [CONTENT_TYPE, "x-application/hl7-v2+er7", "text/plain"];

/// A bound HTTP(S) receiver; see the [module docs](self).
pub struct HttpReceiver {
    listener: TcpListener,
    ctx: Arc<Context>,
    shutdown: Arc<watch::Sender<bool>>,
}

impl HttpReceiver {
    /// Binds `addr`; messages go to `router`, within `opts` (its MLLP frame limit is the body
    /// limit, its TLS settings apply).
    pub async fn bind(addr: &str, router: Router, opts: Options) -> std::io::Result<HttpReceiver> {
        Ok(HttpReceiver {
            listener: TcpListener::bind(addr).await?,
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

    /// Serves until shut down; requests in progress are finished first.
    pub async fn run(self) -> std::io::Result<()> {
        let slots = Arc::new(tokio::sync::Semaphore::new(self.ctx.opts.max_connections));
        let mut stop = self.shutdown.subscribe();
        let mut tasks = JoinSet::new();
        loop {
            tokio::select! {
                _ = stopped(&mut stop) => break,
                accepted = self.listener.accept() => {
                    let Ok((stream, peer)) = accepted else { continue };
                    let m = &self.ctx.metrics;
                    if let Some(allowed) = &self.ctx.opts.allowed_peers
                        && !allowed.contains(&peer.ip())
                    {
                        m.connections_refused.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        continue;
                    }
                    let Ok(permit) = slots.clone().try_acquire_owned() else {
                        m.connections_refused.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        tracing::warn!(%peer, "connection limit reached");
                        continue;
                    };
                    m.connections_accepted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let ctx = self.ctx.clone();
                    let stop = self.shutdown.subscribe();
                    tasks.spawn(async move {
                        connection(stream, peer, ctx, stop).await;
                        drop(permit);
                    });
                }
                Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
            }
        }
        while tasks.join_next().await.is_some() {}
        Ok(())
    }
}

async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    ctx: Arc<Context>,
    stop: watch::Receiver<bool>,
) {
    match ctx.opts.tls.clone() {
        None => serve_http(stream, Some(peer), ctx, stop).await,
        Some(tls) => {
            let acceptor = tokio_rustls::TlsAcceptor::from(tls.config());
            let handshake =
                tokio::time::timeout(ctx.opts.idle_timeout, acceptor.accept(stream)).await;
            match handshake {
                Ok(Ok(s)) if tls.admit(s.get_ref().1.peer_certificates()).is_ok() => {
                    serve_http(s, Some(peer), ctx, stop).await
                }
                _ => {
                    ctx.metrics
                        .connections_refused
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    tracing::warn!(%peer, "TLS handshake or client certificate refused");
                }
            }
        }
    }
}

async fn serve_http<S>(
    stream: S,
    peer: Option<SocketAddr>,
    ctx: Arc<Context>,
    mut stop: watch::Receiver<bool>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let idle = ctx.opts.idle_timeout;
    let service = hyper::service::service_fn(move |req| {
        let ctx = ctx.clone();
        async move { Ok::<_, std::convert::Infallible>(handle(req, peer, &ctx).await) }
    });
    // The idle limit bounds the wait for each request's head, the first one's and each
    // kept-alive connection's next one alike.
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(idle)
        .serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    tokio::select! {
        r = conn.as_mut() => {
            if let Err(e) = r {
                tracing::debug!(?peer, error = %e, "HTTP connection");
            }
        }
        _ = stopped(&mut stop) => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}

impl crate::receiver::StreamServer {
    /// Serves one HTTP/1.1 connection over `stream`, as [`HttpReceiver`] serves each it
    /// accepts: every POST of a message is answered with its ACK, until the peer closes the
    /// connection, its idle time runs out, or shutdown is asked for.
    pub async fn serve_http<S>(&self, stream: S, peer: Option<SocketAddr>)
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        self.ctx
            .metrics
            .connections_accepted
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        serve_http(stream, peer, self.ctx.clone(), self.stop()).await;
    }
}

fn plain(status: StatusCode, text: &str) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(format!("{text}\n"))));
    *r.status_mut() = status;
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

async fn handle(
    req: Request<Incoming>,
    peer: Option<SocketAddr>,
    ctx: &Context,
) -> Response<Full<Bytes>> {
    if req.method() != Method::POST {
        return plain(StatusCode::METHOD_NOT_ALLOWED, "POST one HL7 v2 message");
    }
    let content_type = req
        .headers()
        .get(hyper::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let media = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if !ACCEPTED.contains(&media.as_str()) {
        return plain(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            &format!("content type `{content_type}`: expected {CONTENT_TYPE}"),
        );
    }
    let limit = ctx.opts.mllp.max_frame;
    let body = match Limited::new(req.into_body(), limit).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => {
            return plain(
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!("the message is over {limit} bytes"),
            );
        }
    };
    ctx.metrics
        .messages
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    match respond(&body, peer, ctx).await {
        Some(ack) => {
            // An ACK in another set than UTF-8 (the sender's, by its MSH-18) says so in its
            // MSH-18; the media type then names no charset rather than a wrong one.
            let content_type = if std::str::from_utf8(&ack).is_ok() {
                "application/hl7-v2; charset=utf-8"
            } else {
                CONTENT_TYPE
            };
            let mut r = Response::new(Full::new(Bytes::from(ack)));
            r.headers_mut().insert(
                hyper::header::CONTENT_TYPE,
                hyper::header::HeaderValue::from_static(content_type),
            );
            r
        }
        None => {
            let mut r = Response::new(Full::new(Bytes::new()));
            *r.status_mut() = StatusCode::NO_CONTENT;
            r
        }
    }
}

/// Why a POST got no ACK.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HttpError {
    #[error("connecting: {0}")]
    Connect(std::io::Error),
    #[error("HTTP: {0}")]
    Http(#[from] hyper::Error),
    #[error("building the request: {0}")]
    Request(#[from] hyper::http::Error),
    #[error("no answer within the timeout")]
    Timeout,
    #[error("the server answered {status}: {body}")]
    Status { status: u16, body: String },
    #[error("the ACK's MSA-2 `{got}` is not the message's MSH-10 `{expected}`")]
    Mismatch { expected: String, got: String },
    #[error("the answer is not an ACK")]
    NotAnAck,
    #[error("the message has no readable MSH-10")]
    NoControlId,
}

/// The ACK of a POST.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpReply {
    /// MSA-1; `None` for `204 No Content` (enhanced mode, no commit ACK asked for).
    pub code: Option<AckCode>,
    /// The body as received.
    pub body: Vec<u8>,
}

/// Posts messages to an HL7-over-HTTP(S) receiver, one request per message, each checked to
/// be answered by the ACK of its MSH-10.
///
/// The connection is kept open (HTTP/1.1 keep-alive) and reused for the next message; one
/// request is in flight at a time, clones included (they share the connection), so messages
/// arrive in order. When a kept connection turns out closed by the server, the message is
/// posted once more on a new one: a resend the receiver's store can tell by its control id.
#[derive(Debug, Clone)]
pub struct HttpSender {
    addr: String,
    path: String,
    tls: Option<ClientTls>,
    timeout: std::time::Duration,
    connection: Arc<tokio::sync::Mutex<Option<Connection>>>,
}

type Connection = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

impl HttpSender {
    /// A sender to `addr` (`host:port`), posting to `path` (`/`), over TLS when `tls` is set.
    pub fn new(
        addr: &str,
        path: &str,
        tls: Option<ClientTls>,
        timeout: std::time::Duration,
    ) -> HttpSender {
        HttpSender {
            addr: addr.to_owned(),
            path: path.to_owned(),
            tls,
            timeout,
            connection: Arc::default(),
        }
    }

    /// Posts one message and returns its ACK.
    pub async fn send(&self, message: &[u8]) -> Result<HttpReply, HttpError> {
        let expected = Received::read(message)
            .ok()
            .map(|r| r.control_id)
            .filter(|c| !c.is_empty())
            .ok_or(HttpError::NoControlId)?;
        let mut connection = self.connection.lock().await;
        let result =
            tokio::time::timeout(self.timeout, self.post(&mut connection, message, &expected))
                .await
                .map_err(|_| HttpError::Timeout)
                .flatten();
        if result.is_err() {
            // The connection may be out of step (a late answer would be read as the next
            // one's): never reused after a failure.
            *connection = None;
        }
        result
    }

    async fn connect(&self) -> Result<Connection, HttpError> {
        let stream = TcpStream::connect(&self.addr)
            .await
            .map_err(HttpError::Connect)?;
        let _ = stream.set_nodelay(true);
        match &self.tls {
            None => handshake(stream).await,
            Some(tls) => {
                let s = tokio_rustls::TlsConnector::from(tls.config())
                    .connect(tls.server_name(), stream)
                    .await
                    .map_err(HttpError::Connect)?;
                handshake(s).await
            }
        }
    }

    async fn post(
        &self,
        connection: &mut Option<Connection>,
        message: &[u8],
        expected: &str,
    ) -> Result<HttpReply, HttpError> {
        let request = || {
            Request::post(&self.path)
                .header(hyper::header::HOST, self.addr.as_str())
                .header(
                    hyper::header::CONTENT_TYPE,
                    "application/hl7-v2; charset=utf-8",
                )
                .body(Full::new(Bytes::copy_from_slice(message)))
        };
        let kept = match connection.take() {
            Some(mut c) => c.ready().await.is_ok().then_some(c),
            None => None,
        };
        let (mut sender, response) = match kept {
            Some(mut c) => match c.send_request(request()?).await {
                Ok(r) => (c, r),
                Err(e) => {
                    tracing::debug!(error = %e, "kept connection closed: posting on a new one");
                    let mut c = self.connect().await?;
                    let r = c.send_request(request()?).await?;
                    (c, r)
                }
            },
            None => {
                let mut c = self.connect().await?;
                let r = c.send_request(request()?).await?;
                (c, r)
            }
        };
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes().to_vec();
        if sender.ready().await.is_ok() {
            *connection = Some(sender);
        }
        if status == StatusCode::NO_CONTENT {
            return Ok(HttpReply { code: None, body });
        }
        if status != StatusCode::OK {
            return Err(HttpError::Status {
                status: status.as_u16(),
                body: String::from_utf8_lossy(&body).into_owned(),
            });
        }
        let (code, got, _) = crate::sender::read_ack(&body).ok_or(HttpError::NotAnAck)?;
        if got != expected {
            return Err(HttpError::Mismatch {
                expected: expected.to_owned(),
                got,
            });
        }
        Ok(HttpReply {
            code: Some(code),
            body,
        })
    }
}

async fn handshake<S>(stream: S) -> Result<Connection, HttpError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(send)
}
