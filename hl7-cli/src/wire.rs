//! `hl7 listen`, `hl7 send` and `hl7 store`: the MLLP receiver with its SQLite store, the
//! sender, and a listing of what a store holds.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use hl7_model::ack::AckCode;
use hl7_model::er7::Batch;
use hl7_wire::handler::{Router, StoreHandler};
use hl7_wire::http::{HttpError, HttpReceiver, HttpSender};
use hl7_wire::receiver::{self, Metrics, Receiver};
use hl7_wire::sender::{self, Sender};
use hl7_wire::store::{SqliteStore, Store};
use hl7_wire::tls::{ClientTls, ServerTls};

/// `hl7 listen`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("endpoint").required(true).multiple(true)
    .args(["mllp", "http", "https"])))]
pub struct ListenArgs {
    /// Address to accept MLLP connections on (the registered HL7 port is 2575); over TLS
    /// when `--tls-cert` is given.
    #[arg(long, value_name = "ADDR")]
    mllp: Option<String>,
    /// Address to accept HL7-over-HTTPS POSTs on (needs `--tls-cert` and `--tls-key`).
    #[arg(long, value_name = "ADDR", conflicts_with = "http")]
    https: Option<String>,
    /// Address to accept HL7-over-HTTP POSTs on, without TLS.
    #[arg(long, value_name = "ADDR")]
    http: Option<String>,
    /// The SQLite file every message is committed to before it is acknowledged (created if
    /// missing).
    #[arg(long, value_name = "PATH")]
    store: PathBuf,
    /// The server's certificate chain (PEM): MLLP and HTTPS are served over TLS.
    #[arg(long, value_name = "PEM", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The private key of `--tls-cert` (PEM).
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Mutual TLS: clients must present a certificate chaining to a CA in this PEM file.
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    client_ca: Option<PathBuf>,
    /// With `--client-ca`: only let in client certificates valid for one of these names
    /// (by their DNS or IP subject alternative names, or their subject CN); repeatable.
    #[arg(long, value_name = "NAME", requires = "client_ca", num_args = 1..)]
    allow_name: Vec<String>,
    /// Only accept connections from these addresses (repeatable).
    #[arg(long, alias = "allow", value_name = "IP", num_args = 1..)]
    allow_addr: Vec<std::net::IpAddr>,
    /// Connections served at once; more are closed when accepted.
    #[arg(long, default_value_t = 1024)]
    max_connections: usize,
    /// Seconds a connection may stay silent before it is closed.
    #[arg(long, default_value_t = 300)]
    idle_timeout: u64,
    /// Longest message accepted, in bytes.
    #[arg(long, default_value_t = 16 * 1024 * 1024)]
    max_frame: usize,
    /// Refuse (close the connection on) bytes outside frames and a missing CR after a frame,
    /// instead of skipping and reporting them.
    #[arg(long)]
    strict_framing: bool,
    /// Log each connection and message.
    #[arg(long, short)]
    verbose: bool,
}

/// `hl7 send`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("target").required(true).args(["to", "http"])))]
pub struct SendArgs {
    /// The receiver's MLLP address (`host:port`); over TLS when `--tls-ca` is given.
    #[arg(long, value_name = "ADDR")]
    to: Option<String>,
    /// Post each message over HTTP(S) to this URL (`https://host:port/path`) instead.
    #[arg(long, value_name = "URL")]
    http: Option<String>,
    /// TLS: trust the receiver's certificate when it chains to a CA in this PEM file.
    #[arg(long, value_name = "PEM")]
    tls_ca: Option<PathBuf>,
    /// Mutual TLS: the client certificate chain to present (PEM).
    #[arg(long, value_name = "PEM", requires_all = ["tls_key", "tls_ca"])]
    tls_cert: Option<PathBuf>,
    /// The private key of `--tls-cert` (PEM).
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// The name the receiver's certificate must be valid for (default: the host of the
    /// address).
    #[arg(long, value_name = "NAME", requires = "tls_ca")]
    server_name: Option<String>,
    /// Seconds to wait for each ACK.
    #[arg(long, default_value_t = 30)]
    timeout: u64,
    /// Attempts per message before giving up (0: until acknowledged).
    #[arg(long, default_value_t = 5, conflicts_with = "retries")]
    attempts: u32,
    /// Retries per message after the first attempt (`--attempts` minus one).
    #[arg(long)]
    retries: Option<u32>,
    /// Files of messages to send, in order (`-` for standard input).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
}

/// `hl7 store`.
#[derive(Debug, clap::Args)]
pub struct StoreArgs {
    /// The store's SQLite file.
    #[arg(value_name = "PATH")]
    path: PathBuf,
    /// Print the message with this id as received, instead of the listing.
    #[arg(long, value_name = "ID")]
    raw: Option<i64>,
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

fn read_pem(path: &PathBuf) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

/// The server's TLS settings from `--tls-cert`, `--tls-key`, `--client-ca`, `--allow-name`.
fn server_tls(args: &ListenArgs) -> anyhow::Result<Option<ServerTls>> {
    let (Some(cert), Some(key)) = (&args.tls_cert, &args.tls_key) else {
        return Ok(None);
    };
    let (cert, key) = (read_pem(cert)?, read_pem(key)?);
    let tls = match &args.client_ca {
        None => ServerTls::new(&cert, &key),
        Some(ca) => ServerTls::with_client_auth(
            &cert,
            &key,
            &read_pem(ca)?,
            (!args.allow_name.is_empty()).then(|| args.allow_name.clone()),
        ),
    }
    .context("TLS settings")?;
    Ok(Some(tls))
}

/// Runs the receivers until Ctrl-C, then finishes the messages in flight.
pub fn listen(args: &ListenArgs) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(if args.verbose {
            tracing::Level::DEBUG
        } else {
            tracing::Level::INFO
        })
        .init();
    let tls = server_tls(args)?;
    anyhow::ensure!(
        args.https.is_none() || tls.is_some(),
        "--https needs --tls-cert and --tls-key (or use --http)"
    );
    let store = Arc::new(
        SqliteStore::open(&args.store)
            .with_context(|| format!("cannot open the store {}", args.store.display()))?,
    );
    let opts = receiver::Options {
        max_connections: args.max_connections,
        idle_timeout: Duration::from_secs(args.idle_timeout),
        mllp: hl7_wire::mllp::Options {
            max_frame: args.max_frame,
            tolerant: !args.strict_framing,
        },
        allowed_peers: (!args.allow_addr.is_empty()).then(|| args.allow_addr.clone()),
        tls: tls.clone(),
        ..receiver::Options::default()
    };
    let router = || Router::new().route("*", StoreHandler(store.clone()));
    let secure = if tls.is_some() { " over TLS" } else { "" };
    runtime()?.block_on(async {
        let mut stops = Vec::new();
        let mut metrics = Vec::new();
        let mut running = tokio::task::JoinSet::new();
        if let Some(addr) = &args.mllp {
            let r = Receiver::bind(addr, router(), opts.clone())
                .await
                .with_context(|| format!("cannot listen on {addr}"))?;
            eprintln!(
                "hl7: listening for MLLP{secure} on {}, storing in {}",
                r.local_addr()?,
                args.store.display()
            );
            stops.push(r.shutdown_handle());
            metrics.push(r.metrics());
            running.spawn(r.run());
        }
        let http = match (&args.https, &args.http) {
            (Some(addr), _) => Some((addr, "HTTPS", opts.clone())),
            (None, Some(addr)) => Some((
                addr,
                "HTTP",
                receiver::Options {
                    tls: None,
                    ..opts.clone()
                },
            )),
            (None, None) => None,
        };
        if let Some((addr, scheme, opts)) = http {
            let r = HttpReceiver::bind(addr, router(), opts)
                .await
                .with_context(|| format!("cannot listen on {addr}"))?;
            eprintln!(
                "hl7: listening for {scheme} on {}, storing in {}",
                r.local_addr()?,
                args.store.display()
            );
            stops.push(r.shutdown_handle());
            metrics.push(r.metrics());
            running.spawn(r.run());
        }
        eprintln!("hl7: Ctrl-C stops");
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!("hl7: stopping after the messages in flight");
                for stop in &stops {
                    stop.shutdown();
                }
            }
        });
        while let Some(ended) = running.join_next().await {
            ended.context("a receiver failed")??;
        }
        let sum = |f: fn(&Metrics) -> &std::sync::atomic::AtomicU64| {
            metrics.iter().map(|m| Metrics::get(f(m))).sum::<u64>()
        };
        eprintln!(
            "hl7: {} message(s): {} accepted, {} with errors, {} rejected",
            sum(|m| &m.messages),
            sum(|m| &m.accepted),
            sum(|m| &m.errors),
            sum(|m| &m.rejected)
        );
        Ok(())
    })
}

/// The messages of the files, in order, with a name for each.
fn messages(files: &[PathBuf]) -> anyhow::Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for path in files {
        let name = super::display_name(path);
        let text = super::read(path).with_context(|| name.clone())?;
        let batch = Batch::parse(&text).with_context(|| format!("{name}: not HL7 v2 ER7"))?;
        for (i, m) in batch.messages().enumerate() {
            // Segments end with CR on the wire, whatever the file used.
            let text: String = m
                .as_str()
                .split(['\r', '\n'])
                .filter(|l| !l.is_empty())
                .flat_map(|l| [l, "\r"])
                .collect();
            out.push((format!("{name}#{}", i + 1), text));
        }
    }
    Ok(out)
}

/// Where `hl7 send` sends: an MLLP connection or HTTP(S) posts.
enum Transport {
    Mllp(Sender),
    Http {
        sender: HttpSender,
        attempts: u32,
        backoff: Duration,
    },
}

impl Transport {
    /// Sends one message; its ACK code (`None`: none asked for) and the ACK as received.
    async fn send(&mut self, message: &[u8]) -> anyhow::Result<(Option<AckCode>, Vec<u8>)> {
        match self {
            Transport::Mllp(s) => {
                let reply = s.send(message).await?;
                Ok((reply.code, reply.raw))
            }
            Transport::Http {
                sender,
                attempts,
                backoff,
            } => {
                let mut wait = *backoff;
                let mut attempt = 1;
                loop {
                    match sender.send(message).await {
                        Ok(reply) => return Ok((reply.code, reply.body)),
                        // A 4xx, a wrong ACK or no MSH-10 would fail again the same way.
                        Err(
                            e @ (HttpError::Connect(_)
                            | HttpError::Http(_)
                            | HttpError::Timeout
                            | HttpError::Status { status: 500.., .. }),
                        ) if *attempts == 0 || attempt < *attempts => {
                            tracing::debug!(error = %e, attempt, "retrying");
                            tokio::time::sleep(wait).await;
                            wait = (wait * 2).min(Duration::from_secs(30));
                            attempt += 1;
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
            }
        }
    }

    fn stray_acks(&self) -> u64 {
        match self {
            Transport::Mllp(s) => s.stray_acks(),
            Transport::Http { .. } => 0,
        }
    }
}

/// `https://host:port/path` as (`host:port`, host, path, TLS?).
fn parse_url(url: &str) -> anyhow::Result<(String, String, String, bool)> {
    let (tls, rest) = if let Some(rest) = url.strip_prefix("https://") {
        (true, rest)
    } else if let Some(rest) = url.strip_prefix("http://") {
        (false, rest)
    } else {
        anyhow::bail!("{url}: expected an http:// or https:// URL");
    };
    let (authority, path) = rest.find('/').map_or((rest, "/"), |i| rest.split_at(i));
    anyhow::ensure!(!authority.is_empty(), "{url}: no host");
    let host = host_of(authority);
    let has_port = authority
        .rsplit_once(':')
        .is_some_and(|(_, p)| !p.contains(']'));
    let addr = if has_port {
        authority.to_owned()
    } else {
        format!("{authority}:{}", if tls { 443 } else { 80 })
    };
    Ok((addr, host, path.to_owned(), tls))
}

/// The host of `host:port` or `[v6]:port`, for checking the receiver's certificate.
fn host_of(addr: &str) -> String {
    if let Some(rest) = addr.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest).to_owned();
    }
    match addr.rsplit_once(':') {
        Some((host, _)) if !host.contains(':') => host.to_owned(),
        _ => addr.to_owned(),
    }
}

/// The client's TLS settings for a receiver at `host`, when `--tls-ca` is given.
fn client_tls(args: &SendArgs, host: &str) -> anyhow::Result<Option<ClientTls>> {
    let Some(ca) = &args.tls_ca else {
        return Ok(None);
    };
    let ca = read_pem(ca)?;
    let name = args.server_name.as_deref().unwrap_or(host);
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => {
            ClientTls::with_client_cert(&ca, name, &read_pem(cert)?, &read_pem(key)?)
        }
        _ => ClientTls::new(&ca, name),
    }
    .context("TLS settings")?;
    Ok(Some(tls))
}

/// Sends every message, waiting for each ACK. Exit code 1 when an ACK was AE/AR (or CE/CR),
/// 2 when a message got no ACK.
pub fn send(args: &SendArgs) -> anyhow::Result<u8> {
    let messages = messages(&args.files)?;
    let attempts = args.retries.map_or(args.attempts, |r| r.saturating_add(1));
    let opts = sender::Options {
        ack_timeout: Duration::from_secs(args.timeout),
        max_attempts: attempts,
        ..sender::Options::default()
    };
    let total = messages.len();
    let show_progress = total > 20;
    let mut transport = match (&args.to, &args.http) {
        (_, Some(url)) => {
            let (addr, host, path, https) = parse_url(url)?;
            let tls = client_tls(args, &host)?;
            anyhow::ensure!(
                https == tls.is_some(),
                "{url}: an https:// URL needs --tls-ca, an http:// one takes no TLS option"
            );
            Transport::Http {
                sender: HttpSender::new(&addr, &path, tls, Duration::from_secs(args.timeout)),
                attempts,
                backoff: opts.backoff,
            }
        }
        (Some(to), None) => Transport::Mllp(Sender::new(
            to,
            sender::Options {
                tls: client_tls(args, &host_of(to))?,
                ..opts
            },
        )),
        (None, None) => anyhow::bail!("--to or --http is needed"),
    };
    runtime()?.block_on(async {
        let (mut accepted, mut refused, mut failed, mut unasked) = (0usize, 0, 0, 0);
        let started = Instant::now();
        let mut last_progress = Instant::now();
        for (k, (name, text)) in messages.iter().enumerate() {
            match transport.send(text.as_bytes()).await {
                Ok((code, raw)) => match code {
                    None => unasked += 1,
                    Some(code) if code.is_accept() => accepted += 1,
                    Some(code) => {
                        refused += 1;
                        let why = hl7_wire::sender::read_ack(&raw)
                            .map(|(_, _, t)| t)
                            .unwrap_or_default();
                        let err = String::from_utf8_lossy(&raw)
                            .split('\r')
                            .filter(|l| l.starts_with("ERR"))
                            .collect::<Vec<_>>()
                            .join(" ");
                        eprintln!("hl7: {name}: {code} {why} {err}");
                    }
                },
                Err(e) => {
                    failed += 1;
                    eprintln!("hl7: {name}: {e:#}");
                }
            }
            if show_progress && (last_progress.elapsed() > Duration::from_secs(1) || k + 1 == total)
            {
                last_progress = Instant::now();
                eprintln!("hl7: {}/{total} sent", k + 1);
            }
        }
        let secs = started.elapsed().as_secs_f64();
        println!(
            "{total} sent, {accepted} accepted, {refused} refused (AE/AR), {failed} without ACK{} \
             in {secs:.2} s{}",
            if unasked > 0 {
                format!(", {unasked} not acknowledged as MSH-15 asked (NE/ER)")
            } else {
                String::new()
            },
            if transport.stray_acks() > 0 {
                format!(", {} stray ACK(s) ignored", transport.stray_acks())
            } else {
                String::new()
            }
        );
        Ok(if failed > 0 {
            super::EXIT_FAILURE
        } else if refused > 0 {
            super::EXIT_INVALID
        } else {
            0
        })
    })
}

/// Lists the store, one line per message: id, received time (UTC), MSH-10, type, state.
pub fn store(args: &StoreArgs, out: &mut impl std::io::Write) -> anyhow::Result<()> {
    anyhow::ensure!(args.path.exists(), "{}: no such store", args.path.display());
    let store = SqliteStore::open(&args.path)
        .with_context(|| format!("cannot open the store {}", args.path.display()))?;
    if let Some(id) = args.raw {
        let raw = store
            .raw(id)?
            .with_context(|| format!("no message {id} in the store"))?;
        out.write_all(&raw)?;
        return Ok(());
    }
    let mut after = 0;
    loop {
        let page = store.list(after, 1000)?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for r in &page {
            let dup = r
                .duplicate_of
                .map_or(String::new(), |d| format!("\tduplicate of {d}"));
            writeln!(
                out,
                "{}\t{}\t{}\t{}\t{}{dup}",
                r.id,
                utc(r.received_at_ms),
                r.control_id,
                r.message_type,
                r.state.as_str()
            )?;
        }
    }
    Ok(())
}

/// Milliseconds since 1970 as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
fn utc(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let rem = secs.rem_euclid(86_400);
    let (year, month, day) = hl7_model::build::civil_from_days(secs.div_euclid(86_400));
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3_600,
        rem / 60 % 60,
        rem % 60,
        ms.rem_euclid(1000)
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn utc_formats_known_instants() {
        assert_eq!(super::utc(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(super::utc(1_704_110_400_123), "2024-01-01T12:00:00.123Z");
    }
}
