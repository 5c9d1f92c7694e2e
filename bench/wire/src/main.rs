//! `hl7-bench-wire`: messages per second over MLLP on loopback, hl7-wire's receiver and sender side by
//! side with a floor: a minimal tokio MLLP echo (it answers each frame with a fixed ACK, with
//! no parsing, checks or storage) and a client as minimal, over the same TCP or TLS. Each
//! row sends the same corpus message from C connections, one message in flight on each, and
//! reports the ratio to the floor.
//!
//! ```text
//! cargo run --release -p hl7-bench-wire                       # the table
//! cargo run --release -p hl7-bench-wire -- --messages 500     # per connection
//! ```

#![forbid(unsafe_code)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use hl7_wire::handler::{Router, StoreHandler, from_fn};
use hl7_wire::receiver::{self, Receiver};
use hl7_wire::sender::{self, Sender};
use hl7_wire::store::SqliteStore;
use hl7_wire::tls::{ClientTls, ServerTls};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A 2.5 ADT^A01 from the corpus (HAPI's test data).
const MESSAGE: &str =
    include_str!("../../../tests/corpus/messages/hapi-hl7v2/CustomModelClassTest_L22.hl7");

/// Certificates made for the run: the receiver's, and the CA the sender trusts.
struct Certs {
    cert: Vec<u8>,
    key: Vec<u8>,
    ca: Vec<u8>,
}

fn certs() -> Result<Certs> {
    let mut ca = CertificateParams::new(Vec::<String>::new())?;
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate()?)?;
    let key = KeyPair::generate()?;
    let cert = CertificateParams::new(vec!["localhost".to_owned()])?.signed_by(&key, &ca)?;
    Ok(Certs {
        cert: cert.pem().into_bytes(),
        key: key.serialize_pem().into_bytes(),
        ca: ca.as_ref().pem().into_bytes(),
    })
}

/// The message with its segments ended by CR and MSH-10 set to `id`.
fn message(id: &str) -> Vec<u8> {
    let text: String = MESSAGE
        .split(['\r', '\n'])
        .filter(|l| !l.is_empty())
        .flat_map(|l| [l, "\r"])
        .collect();
    text.replacen("|22139243|", &format!("|{id}|"), 1)
        .into_bytes()
}

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// The floor's server: answers every frame with the same ACK, nothing else.
async fn floor_server(listener: TcpListener, tls: Option<tokio_rustls::TlsAcceptor>) {
    const ACK: &[u8] = b"\x0bMSH|^~\\&|B||A||20240101||ACK^A01^ACK|1|P|2.5\rMSA|AA|1\r\x1c\r";
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            return;
        };
        let _ = stream.set_nodelay(true);
        let tls = tls.clone();
        tokio::spawn(async move {
            let mut io: Box<dyn Io> = match tls {
                None => Box::new(stream),
                Some(a) => match a.accept(stream).await {
                    Ok(s) => Box::new(s),
                    Err(_) => return,
                },
            };
            let mut buf = vec![0u8; 64 * 1024];
            let mut pending = Vec::new();
            loop {
                let Ok(n) = io.read(&mut buf).await else {
                    return;
                };
                if n == 0 {
                    return;
                }
                pending.extend_from_slice(&buf[..n]);
                while let Some(end) = memchr::memmem::find(&pending, b"\x1c\r") {
                    pending.drain(..end + 2);
                    if io.write_all(ACK).await.is_err() {
                        return;
                    }
                }
            }
        });
    }
}

/// The floor's client: writes a frame, reads to the end of the ACK frame.
async fn floor_client(
    addr: String,
    tls: Option<(
        tokio_rustls::TlsConnector,
        rustls::pki_types::ServerName<'static>,
    )>,
    conn: usize,
    n: usize,
) -> Result<()> {
    let stream = TcpStream::connect(&addr).await?;
    stream.set_nodelay(true)?;
    let mut io: Box<dyn Io> = match tls {
        None => Box::new(stream),
        Some((c, name)) => Box::new(c.connect(name, stream).await?),
    };
    let mut buf = vec![0u8; 64 * 1024];
    for i in 0..n {
        let framed = hl7_wire::mllp::encode(&message(&format!("F{conn}-{i}")))?;
        io.write_all(&framed).await?;
        let mut got = Vec::new();
        while memchr::memmem::find(&got, b"\x1c\r").is_none() {
            let r = io.read(&mut buf).await?;
            anyhow::ensure!(r > 0, "closed");
            got.extend_from_slice(&buf[..r]);
        }
    }
    Ok(())
}

async fn floor(conns: usize, n: usize, certs: Option<&Certs>) -> Result<f64> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?.to_string();
    let (acceptor, connector) = match certs {
        None => (None, None),
        Some(c) => {
            let server = ServerTls::new(&c.cert, &c.key)?;
            let client = ClientTls::new(&c.ca, "localhost")?;
            (
                Some(tokio_rustls::TlsAcceptor::from(server.config())),
                Some((
                    tokio_rustls::TlsConnector::from(client.config()),
                    client.server_name(),
                )),
            )
        }
    };
    let server = tokio::spawn(floor_server(listener, acceptor));
    let start = Instant::now();
    let mut clients = tokio::task::JoinSet::new();
    for c in 0..conns {
        clients.spawn(floor_client(addr.clone(), connector.clone(), c, n));
    }
    while let Some(r) = clients.join_next().await {
        r??;
    }
    let rate = (conns * n) as f64 / start.elapsed().as_secs_f64();
    server.abort();
    Ok(rate)
}

async fn ours(conns: usize, n: usize, certs: Option<&Certs>, store: bool) -> Result<f64> {
    let dir = std::env::temp_dir().join(format!("hl7-wire-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let router = if store {
        let s = Arc::new(SqliteStore::open(dir.join("bench.db"))?);
        Router::new().route("*", StoreHandler(s))
    } else {
        Router::new().route("*", from_fn(|_| Ok(())))
    };
    let opts = receiver::Options {
        tls: certs.map(|c| ServerTls::new(&c.cert, &c.key)).transpose()?,
        ..receiver::Options::default()
    };
    let r = Receiver::bind("127.0.0.1:0", router, opts).await?;
    let addr = r.local_addr()?.to_string();
    let stop = r.shutdown_handle();
    let running = tokio::spawn(r.run());
    let client_tls = certs
        .map(|c| ClientTls::new(&c.ca, "localhost"))
        .transpose()?;
    let start = Instant::now();
    let mut clients = tokio::task::JoinSet::new();
    for c in 0..conns {
        let (addr, tls) = (addr.clone(), client_tls.clone());
        clients.spawn(async move {
            let mut s = Sender::new(
                &addr,
                sender::Options {
                    tls,
                    max_attempts: 1,
                    ..sender::Options::default()
                },
            );
            for i in 0..n {
                let reply = s.send(&message(&format!("O{c}-{i}"))).await?;
                anyhow::ensure!(
                    reply.code.is_some_and(|c| c.is_accept()),
                    "{:?}",
                    reply.code
                );
            }
            anyhow::Ok(())
        });
    }
    while let Some(r) = clients.join_next().await {
        r??;
    }
    let rate = (conns * n) as f64 / start.elapsed().as_secs_f64();
    stop.shutdown();
    running.await??;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(rate)
}

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let mut per_conn = 2000;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--messages" => {
                per_conn = args
                    .next()
                    .context("--messages needs a number")?
                    .parse()
                    .context("--messages needs a number")?
            }
            other => anyhow::bail!("unknown argument `{other}`"),
        }
    }
    let certs = certs()?;
    let rt = tokio::runtime::Runtime::new()?;
    println!(
        "| transport | store | connections | messages | hl7-wire msg/s | floor msg/s | hl7-wire / floor |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|");
    for conns in [1, 8] {
        for (tls, store) in [(false, false), (false, true), (true, false), (true, true)] {
            let c = tls.then_some(&certs);
            // Each message is fsynced on its own with one connection: fewer of them.
            let n = if store && conns == 1 {
                (per_conn / 4).max(1)
            } else {
                per_conn
            };
            let floor_rate = rt.block_on(floor(conns, n, c))?;
            let our_rate = rt.block_on(ours(conns, n, c, store))?;
            println!(
                "| {} | {} | {conns} | {} | {our_rate:.0} | {floor_rate:.0} | {:.2} |",
                if tls { "TLS" } else { "TCP" },
                if store { "SQLite, synced" } else { "none" },
                conns * n,
                our_rate / floor_rate
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    Ok(())
}
