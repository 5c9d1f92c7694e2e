//! A receiver killed (SIGKILL) and restarted while a sender streams messages to it: every
//! message the sender saw acknowledged is in the store, and a message stored twice (its ACK
//! lost in the kill, so the sender sent it again) is marked as a duplicate by control id.
//!
//! The test runs this same executable as the receiver, in a child process that it kills.

use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hl7_model::ack::AckCode;
use hl7_wire::handler::{Router, StoreHandler};
use hl7_wire::receiver::{self, Receiver};
use hl7_wire::sender::{self, Sender};
use hl7_wire::store::{SqliteStore, Store};

const CHILD: &str = "HL7_WIRE_KILL_RESTART_CHILD";
const MESSAGES: usize = 300;
/// Acknowledged counts at which the receiver is killed.
const KILL_AT: [usize; 4] = [40, 110, 180, 250];

fn main() {
    // `cargo test` passes harness flags (`--nocapture`, filters); a listing gets nothing.
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    match std::env::var(CHILD) {
        Ok(spec) => child(&spec),
        Err(_) => parent(),
    }
}

/// The receiver: `spec` is `ADDR DB`.
fn child(spec: &str) {
    let (addr, db) = spec.split_once(' ').expect("ADDR DB");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = Arc::new(SqliteStore::open(db).unwrap());
        let router = Router::new().route("*", StoreHandler(store));
        let r = Receiver::bind(addr, router, receiver::Options::default())
            .await
            .unwrap();
        println!("ready");
        r.run().await.unwrap();
    });
}

fn spawn_child(addr: &str, db: &str) -> Child {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .env(CHILD, format!("{addr} {db}"))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "ready");
    child
}

fn message(i: usize) -> Vec<u8> {
    format!(
        "MSH|^~\\&|ADT|HOSP|LAB|HOSP|20240101120000||ADT^A01^ADT_A01|K{i}|P|2.5\rEVN|A01\rPID|1||{i}^^^HOSP||Doe^John\rPV1|1|I\r"
    )
    .into_bytes()
}

fn parent() {
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("messages.db").to_str().unwrap().to_owned();
    let addr = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().to_string()
    };
    let mut child = spawn_child(&addr, &db);

    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let count = Arc::new(AtomicUsize::new(0));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sending = {
        let (addr, acked, count) = (addr.clone(), acked.clone(), count.clone());
        rt.spawn(async move {
            let mut s = Sender::new(
                &addr,
                sender::Options {
                    ack_timeout: Duration::from_secs(2),
                    connect_timeout: Duration::from_secs(2),
                    max_attempts: 0,
                    backoff: Duration::from_millis(10),
                    backoff_max: Duration::from_millis(100),
                    ..sender::Options::default()
                },
            );
            let mut retried = 0;
            for i in 0..MESSAGES {
                let reply = s.send(&message(i)).await.unwrap();
                assert_eq!(reply.code, Some(AckCode::AA));
                retried += usize::from(reply.attempts > 1);
                acked.lock().unwrap().push(format!("K{i}"));
                count.fetch_add(1, Ordering::SeqCst);
            }
            retried
        })
    };
    let mut kills = 0;
    for at in KILL_AT {
        while count.load(Ordering::SeqCst) < at {
            assert!(started.elapsed() < Duration::from_secs(60), "too slow");
            std::thread::sleep(Duration::from_millis(1));
        }
        child.kill().unwrap();
        child.wait().unwrap();
        kills += 1;
        child = spawn_child(&addr, &db);
    }
    let retried = rt.block_on(sending).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();

    let store = SqliteStore::open(&db).unwrap();
    let records = store.list(0, 10 * MESSAGES).unwrap();
    let acked = acked.lock().unwrap();
    let missing: Vec<&String> = acked
        .iter()
        .filter(|id| !records.iter().any(|r| &r.control_id == *id))
        .collect();
    let duplicates: Vec<_> = records
        .iter()
        .filter(|r| r.duplicate_of.is_some())
        .collect();
    // Every second copy of a control id is marked, and marked with the first copy's id.
    for r in &records {
        let first = records
            .iter()
            .find(|f| f.control_id == r.control_id)
            .unwrap();
        if first.id != r.id {
            assert_eq!(r.duplicate_of, Some(first.id), "{r:?}");
        } else {
            assert_eq!(r.duplicate_of, None);
        }
    }
    println!(
        "kill/restart: {kills} kills; sent {MESSAGES}, acknowledged {}, {retried} resent after a kill; \
         stored {} rows, {} of them duplicates marked by control id; acknowledged but missing: {} ({:?})",
        acked.len(),
        records.len(),
        duplicates.len(),
        missing.len(),
        started.elapsed()
    );
    assert!(
        missing.is_empty(),
        "acknowledged but not stored: {missing:?}"
    );
    assert_eq!(acked.len(), MESSAGES);
}
