//! `hl7 listen`, `hl7 send` and `hl7 store`: the MLLP receiver with its SQLite store, the
//! sender, and a listing of what a store holds.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use hl7_model::er7::Batch;
use hl7_wire::handler::{Router, StoreHandler};
use hl7_wire::receiver::{self, Metrics, Receiver};
use hl7_wire::sender::{self, Sender};
use hl7_wire::store::{SqliteStore, Store};

/// `hl7 listen`.
#[derive(Debug, clap::Args)]
pub struct ListenArgs {
    /// Address to accept MLLP connections on (the registered HL7 port is 2575).
    #[arg(long, value_name = "ADDR")]
    mllp: String,
    /// The SQLite file every message is committed to before it is acknowledged (created if
    /// missing).
    #[arg(long, value_name = "PATH")]
    store: PathBuf,
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
    /// Only accept connections from these addresses (repeatable).
    #[arg(long, value_name = "IP")]
    allow: Vec<std::net::IpAddr>,
    /// Log each connection and message.
    #[arg(long, short)]
    verbose: bool,
}

/// `hl7 send`.
#[derive(Debug, clap::Args)]
pub struct SendArgs {
    /// The receiver's MLLP address (`host:port`).
    #[arg(long, value_name = "ADDR")]
    to: String,
    /// Seconds to wait for each ACK.
    #[arg(long, default_value_t = 30)]
    timeout: u64,
    /// Attempts per message before giving up (0: until acknowledged).
    #[arg(long, default_value_t = 5)]
    attempts: u32,
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

/// Runs the receiver until Ctrl-C, then finishes the messages in flight.
pub fn listen(args: &ListenArgs) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(if args.verbose {
            tracing::Level::DEBUG
        } else {
            tracing::Level::INFO
        })
        .init();
    let store = SqliteStore::open(&args.store)
        .with_context(|| format!("cannot open the store {}", args.store.display()))?;
    let opts = receiver::Options {
        max_connections: args.max_connections,
        idle_timeout: Duration::from_secs(args.idle_timeout),
        mllp: hl7_wire::mllp::Options {
            max_frame: args.max_frame,
            tolerant: !args.strict_framing,
        },
        allowed_peers: (!args.allow.is_empty()).then(|| args.allow.clone()),
        ..receiver::Options::default()
    };
    runtime()?.block_on(async {
        let router = Router::new().route("*", StoreHandler(Arc::new(store)));
        let r = Receiver::bind(&args.mllp, router, opts)
            .await
            .with_context(|| format!("cannot listen on {}", args.mllp))?;
        eprintln!(
            "hl7: listening for MLLP on {}, storing in {} (Ctrl-C stops)",
            r.local_addr()?,
            args.store.display()
        );
        let (stop, metrics) = (r.shutdown_handle(), r.metrics());
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!("hl7: stopping after the messages in flight");
                stop.shutdown();
            }
        });
        r.run().await?;
        eprintln!(
            "hl7: {} message(s): {} accepted, {} with errors, {} rejected",
            Metrics::get(&metrics.messages),
            Metrics::get(&metrics.accepted),
            Metrics::get(&metrics.errors),
            Metrics::get(&metrics.rejected)
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

/// Sends every message, waiting for each ACK. Exit code 1 when an ACK was AE/AR (or CE/CR),
/// 2 when a message got no ACK.
pub fn send(args: &SendArgs) -> anyhow::Result<u8> {
    let messages = messages(&args.files)?;
    let opts = sender::Options {
        ack_timeout: Duration::from_secs(args.timeout),
        max_attempts: args.attempts,
        ..sender::Options::default()
    };
    let total = messages.len();
    let show_progress = total > 20;
    runtime()?.block_on(async {
        let mut s = Sender::new(&args.to, opts);
        let (mut accepted, mut refused, mut failed, mut unasked) = (0usize, 0, 0, 0);
        let started = Instant::now();
        let mut last_progress = Instant::now();
        for (k, (name, text)) in messages.iter().enumerate() {
            match s.send(text.as_bytes()).await {
                Ok(reply) => match reply.code {
                    None => unasked += 1,
                    Some(code) if code.is_accept() => accepted += 1,
                    Some(code) => {
                        refused += 1;
                        let why = hl7_wire::sender::read_ack(&reply.raw)
                            .map(|(_, _, t)| t)
                            .unwrap_or_default();
                        let err = String::from_utf8_lossy(&reply.raw)
                            .split('\r')
                            .filter(|l| l.starts_with("ERR"))
                            .collect::<Vec<_>>()
                            .join(" ");
                        eprintln!("hl7: {name}: {code} {why} {err}");
                    }
                },
                Err(e) => {
                    failed += 1;
                    eprintln!("hl7: {name}: {e}");
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
            if s.stray_acks() > 0 {
                format!(", {} stray ACK(s) ignored", s.stray_acks())
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
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Days to civil date (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
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
