//! Receiver and sender on loopback: acknowledgement after storage, routing, concurrency,
//! hostile peers, late and stray ACKs, graceful shutdown. Each test is bounded in time.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use hl7_model::ack::AckCode;
use hl7_wire::handler::{HandlerError, Router, StoreHandler, from_fn};
use hl7_wire::mllp;
use hl7_wire::receiver::{self, Metrics, Receiver};
use hl7_wire::sender::{self, Sender, read_ack};
use hl7_wire::store::{SqliteStore, Store};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

fn adt(id: &str) -> Vec<u8> {
    format!(
        "MSH|^~\\&|ADT|HOSP|LAB|HOSP|20240101120000||ADT^A01^ADT_A01|{id}|P|2.5\rEVN|A01|20240101120000\rPID|1||{id}^^^HOSP||Doe^John\rPV1|1|I\r"
    )
    .into_bytes()
}

fn quick_sender() -> sender::Options {
    sender::Options {
        ack_timeout: Duration::from_secs(5),
        connect_timeout: Duration::from_secs(2),
        max_attempts: 3,
        backoff: Duration::from_millis(20),
        ..sender::Options::default()
    }
}

/// A receiver storing everything in a fresh SQLite file; returns its address, the store,
/// its metrics and its shutdown handle.
async fn store_receiver(
    dir: &tempfile::TempDir,
    opts: receiver::Options,
) -> (
    String,
    Arc<SqliteStore>,
    Arc<Metrics>,
    receiver::Shutdown,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let store = Arc::new(SqliteStore::open(dir.path().join("messages.db")).unwrap());
    let router = Router::new().route("*", StoreHandler(store.clone()));
    let r = Receiver::bind("127.0.0.1:0", router, opts).await.unwrap();
    let addr = r.local_addr().unwrap().to_string();
    let (metrics, stop) = (r.metrics(), r.shutdown_handle());
    let task = tokio::spawn(r.run());
    (addr, store, metrics, stop, task)
}

#[tokio::test]
async fn every_acknowledged_message_is_in_the_store_as_sent() {
    let dir = tempfile::tempdir().unwrap();
    let (addr, store, _, stop, task) = store_receiver(&dir, Default::default()).await;
    let mut s = Sender::new(&addr, quick_sender());
    for i in 0..20 {
        let msg = adt(&format!("M{i}"));
        let reply = s.send(&msg).await.unwrap();
        assert_eq!(reply.code, Some(AckCode::AA));
        let (_, msa2, _) = read_ack(&reply.raw).unwrap();
        assert_eq!(msa2, format!("M{i}"));
    }
    let records = store.list(0, 100).unwrap();
    assert_eq!(records.len(), 20);
    for (i, r) in records.iter().enumerate() {
        assert_eq!(r.control_id, format!("M{i}"));
        assert_eq!(r.message_type, "ADT^A01");
        assert_eq!(store.raw(r.id).unwrap().unwrap(), adt(&format!("M{i}")));
    }
    // Sent again (a lost ACK): stored again and marked.
    s.send(&adt("M3")).await.unwrap();
    let last = store.list(20, 10).unwrap();
    assert_eq!(last[0].duplicate_of, Some(records[3].id));
    stop.shutdown();
    task.await.unwrap().unwrap();
}

#[tokio::test]
async fn routing_rejects_unknown_types_and_events_and_failed_handlers() {
    let handled = Arc::new(AtomicUsize::new(0));
    let h = handled.clone();
    let router = Router::new()
        .route(
            "ADT^A01",
            from_fn(move |_| {
                h.fetch_add(1, Ordering::SeqCst);
                Ok(())
            }),
        )
        .route(
            "ORU^R01",
            from_fn(|_| Err(HandlerError::Internal("database down".into()))),
        );
    let r = Receiver::bind("127.0.0.1:0", router, Default::default())
        .await
        .unwrap();
    let addr = r.local_addr().unwrap().to_string();
    let stop = r.shutdown_handle();
    let task = tokio::spawn(r.run());
    let mut s = Sender::new(&addr, quick_sender());

    assert_eq!(s.send(&adt("1")).await.unwrap().code, Some(AckCode::AA));
    // A type no route takes: AR 200. An event of a routed type no route takes: AR 201.
    let siu = b"MSH|^~\\&|A||B||20240101||SIU^S12|2|P|2.5\r";
    let reply = s.send(siu).await.unwrap();
    assert_eq!(reply.code, Some(AckCode::AR));
    assert!(String::from_utf8_lossy(&reply.raw).contains("|MSH^1^9^1^1|200^"));
    let a04 = String::from_utf8(adt("3"))
        .unwrap()
        .replace("ADT^A01^ADT_A01", "ADT^A04^ADT_A01");
    let reply = s.send(a04.as_bytes()).await.unwrap();
    assert_eq!(reply.code, Some(AckCode::AR));
    assert!(String::from_utf8_lossy(&reply.raw).contains("|MSH^1^9^1^2|201^"));
    // A handler that fails: AR 207 with its message, never AA.
    let oru = b"MSH|^~\\&|A||B||20240101||ORU^R01|4|P|2.5\rPID|1\rOBR|1\rOBX|1|NM|X||1\r";
    let reply = s.send(oru).await.unwrap();
    assert_eq!(reply.code, Some(AckCode::AR));
    assert!(
        String::from_utf8_lossy(&reply.raw)
            .contains("207^Application internal error^HL70357|E||||database down")
    );
    // Unknown to HL7 v2.5 itself: AR 200 from the header checks.
    let zzz = b"MSH|^~\\&|A||B||20240101||ZZZ^Z01|5|P|2.5\r";
    assert_eq!(s.send(zzz).await.unwrap().code, Some(AckCode::AR));
    assert_eq!(handled.load(Ordering::SeqCst), 1);
    stop.shutdown();
    task.await.unwrap().unwrap();
}

#[tokio::test]
async fn the_ack_waits_for_the_handler() {
    let done = Arc::new(AtomicBool::new(false));
    let d = done.clone();
    let router = Router::new().route(
        "*",
        from_fn(move |_| {
            std::thread::sleep(Duration::from_millis(300));
            d.store(true, Ordering::SeqCst);
            Ok(())
        }),
    );
    let r = Receiver::bind("127.0.0.1:0", router, Default::default())
        .await
        .unwrap();
    let addr = r.local_addr().unwrap().to_string();
    let stop = r.shutdown_handle();
    let task = tokio::spawn(r.run());
    let mut s = Sender::new(&addr, quick_sender());
    let send = tokio::spawn(async move { s.send(&adt("slow")).await });
    // Shut down while the handler runs: the message in flight is still finished and answered.
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop.shutdown();
    let reply = send.await.unwrap().unwrap();
    assert!(
        done.load(Ordering::SeqCst),
        "ACK before the handler finished"
    );
    assert_eq!(reply.code, Some(AckCode::AA));
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("shutdown did not finish")
        .unwrap()
        .unwrap();
    // Nothing listens any more.
    assert!(TcpStream::connect(&addr).await.is_err());
}

#[tokio::test]
async fn enhanced_mode_gets_a_commit_ack() {
    let dir = tempfile::tempdir().unwrap();
    let (addr, store, _, stop, task) = store_receiver(&dir, Default::default()).await;
    let mut s = Sender::new(&addr, quick_sender());
    let msg =
        b"MSH|^~\\&|A||B||20240101||ADT^A01^ADT_A01|E1|P|2.5|||AL|NE\rEVN|A01\rPID|1\rPV1|1|I\r";
    let reply = s.send(msg).await.unwrap();
    assert_eq!(reply.code, Some(AckCode::CA));
    assert_eq!(store.list(0, 10).unwrap().len(), 1);
    // MSH-15 NE: no commit ACK comes back, and the sender does not wait for one.
    let ne =
        b"MSH|^~\\&|A||B||20240101||ADT^A01^ADT_A01|E2|P|2.5|||NE|NE\rEVN|A01\rPID|1\rPV1|1|I\r";
    let reply = s.send(ne).await.unwrap();
    assert_eq!(reply.code, None);
    // The next message's ACK is its own: nothing was sent back for the NE one.
    assert_eq!(s.send(msg).await.unwrap().code, Some(AckCode::CA));
    assert_eq!(s.stray_acks(), 0);
    let ids: Vec<String> = store
        .list(0, 10)
        .unwrap()
        .into_iter()
        .map(|r| r.control_id)
        .collect();
    assert_eq!(ids, ["E1", "E2", "E1"]);
    stop.shutdown();
    task.await.unwrap().unwrap();
}

#[tokio::test]
async fn hundreds_of_concurrent_senders() {
    let dir = tempfile::tempdir().unwrap();
    let (addr, store, metrics, stop, task) = store_receiver(&dir, Default::default()).await;
    let start = Instant::now();
    let mut senders = tokio::task::JoinSet::new();
    for c in 0..200 {
        let addr = addr.clone();
        senders.spawn(async move {
            let mut s = Sender::new(&addr, quick_sender());
            for i in 0..3 {
                let reply = s.send(&adt(&format!("C{c}-{i}"))).await.unwrap();
                assert_eq!(reply.code, Some(AckCode::AA));
            }
        });
    }
    while let Some(r) = senders.join_next().await {
        r.unwrap();
    }
    let records = store.list(0, 1000).unwrap();
    assert_eq!(records.len(), 600);
    assert!(records.iter().all(|r| r.duplicate_of.is_none()));
    assert_eq!(Metrics::get(&metrics.accepted), 600);
    assert!(
        start.elapsed() < Duration::from_secs(30),
        "{:?}",
        start.elapsed()
    );
    stop.shutdown();
    task.await.unwrap().unwrap();
}

#[tokio::test]
async fn hostile_peers_do_not_disturb_honest_ones() {
    let dir = tempfile::tempdir().unwrap();
    let opts = receiver::Options {
        idle_timeout: Duration::from_millis(500),
        mllp: mllp::Options {
            max_frame: 4096,
            tolerant: true,
        },
        ..Default::default()
    };
    let (addr, store, metrics, stop, task) = store_receiver(&dir, opts).await;

    // One byte at a time, garbage before the frame: still answered.
    let mut c = TcpStream::connect(&addr).await.unwrap();
    c.set_nodelay(true).unwrap();
    let mut wire = b"junk\r\n".to_vec();
    wire.extend(mllp::encode(&adt("B1")).unwrap());
    for b in &wire {
        c.write_all(&[*b]).await.unwrap();
    }
    let mut buf = vec![0; 4096];
    let n = tokio::time::timeout(Duration::from_secs(5), c.read(&mut buf))
        .await
        .unwrap()
        .unwrap();
    let mut d = mllp::Decoder::new(Default::default());
    d.feed(&buf[..n]);
    let Some(mllp::Event::Frame(ack)) = d.next_event().unwrap() else {
        panic!("no ACK frame")
    };
    assert_eq!(read_ack(&ack).unwrap().1, "B1");

    // Half a frame, then gone.
    let mut c = TcpStream::connect(&addr).await.unwrap();
    c.write_all(&mllp::encode(&adt("HALF")).unwrap()[..40])
        .await
        .unwrap();
    drop(c);

    // An oversized frame whose MSH can be read: rejected (AR, 207) before the connection
    // closes, nothing stored.
    let mut c = TcpStream::connect(&addr).await.unwrap();
    let mut big = adt("BIG");
    big.extend(std::iter::repeat_n(b'x', 10_000));
    let _ = c.write_all(&mllp::encode(&big).unwrap()).await;
    let mut answered = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), c.read_to_end(&mut answered))
        .await
        .unwrap()
        .unwrap();
    let mut d = mllp::Decoder::new(Default::default());
    d.feed(&answered);
    let Some(mllp::Event::Frame(nak)) = d.next_event().unwrap() else {
        panic!("no NAK frame: {answered:?}")
    };
    assert_eq!(read_ack(&nak).unwrap().0, AckCode::AR);
    assert_eq!(read_ack(&nak).unwrap().1, "BIG");
    let nak = String::from_utf8(nak).unwrap();
    let err = nak.split('\r').find(|s| s.starts_with("ERR|")).unwrap();
    assert_eq!(
        err.split('|').nth(3).unwrap().split('^').next(),
        Some("207"),
        "{nak}"
    );
    assert_eq!(
        d.next_event().unwrap(),
        None,
        "one NAK, then the connection closed"
    );

    // An oversized frame with no header to answer: closed without an answer.
    let mut c = TcpStream::connect(&addr).await.unwrap();
    let _ = c
        .write_all(&mllp::encode(&vec![b'x'; 10_000]).unwrap())
        .await;
    let closed = tokio::time::timeout(Duration::from_secs(5), c.read(&mut buf)).await;
    assert!(matches!(closed, Ok(Ok(0)) | Ok(Err(_))), "{closed:?}");

    // A peer that sends and never reads its ACKs: dropped once its ACKs stop flowing.
    let mut deaf = TcpStream::connect(&addr).await.unwrap();
    let flood: Vec<u8> = (0..2000)
        .flat_map(|i| mllp::encode(&adt(&format!("D{i}"))).unwrap())
        .collect();
    let writer = tokio::spawn(async move {
        let _ = deaf.write_all(&flood).await;
        deaf
    });

    // Meanwhile an honest sender is served.
    let mut s = Sender::new(&addr, quick_sender());
    assert_eq!(s.send(&adt("OK")).await.unwrap().code, Some(AckCode::AA));

    // A silent connection is closed after the idle time.
    let mut idle = TcpStream::connect(&addr).await.unwrap();
    let r = tokio::time::timeout(Duration::from_secs(5), idle.read(&mut buf)).await;
    assert!(matches!(r, Ok(Ok(0)) | Ok(Err(_))), "{r:?}");

    let _deaf = tokio::time::timeout(Duration::from_secs(10), writer).await;
    let stored = store.list(0, 10_000).unwrap();
    assert!(stored.iter().any(|r| r.control_id == "B1"));
    assert!(stored.iter().any(|r| r.control_id == "OK"));
    assert!(
        !stored
            .iter()
            .any(|r| r.control_id == "HALF" || r.control_id == "BIG")
    );
    assert!(
        Metrics::get(&metrics.framing) >= 4,
        "garbage, half frame, two oversized"
    );
    assert!(Metrics::get(&metrics.connections_idle) >= 1);
    stop.shutdown();
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn connection_limit_refuses_the_excess() {
    let dir = tempfile::tempdir().unwrap();
    let opts = receiver::Options {
        max_connections: 2,
        ..Default::default()
    };
    let (addr, _store, metrics, stop, task) = store_receiver(&dir, opts).await;
    let mut a = Sender::new(&addr, quick_sender());
    let mut b = Sender::new(&addr, quick_sender());
    a.send(&adt("a")).await.unwrap();
    b.send(&adt("b")).await.unwrap();
    let mut third = TcpStream::connect(&addr).await.unwrap();
    let mut buf = [0u8; 16];
    let r = tokio::time::timeout(Duration::from_secs(5), third.read(&mut buf)).await;
    assert!(matches!(r, Ok(Ok(0)) | Ok(Err(_))), "{r:?}");
    assert_eq!(Metrics::get(&metrics.connections_refused), 1);
    stop.shutdown();
    task.await.unwrap().unwrap();
}

/// A peer that answers the first message late (after the sender's timeout) and with a stray
/// ACK first on the second connection.
#[tokio::test]
async fn late_and_stray_acks_are_never_taken_for_the_message_in_flight() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let peer = tokio::spawn(async move {
        let ack = |id: &str| {
            mllp::encode(
                format!("MSH|^~\\&|B||A||20240101||ACK^A01^ACK|x|P|2.5\rMSA|AA|{id}\r").as_bytes(),
            )
            .unwrap()
        };
        let mut buf = vec![0; 65536];
        // First connection: read the message, answer after the sender gave up.
        let (mut c1, _) = listener.accept().await.unwrap();
        let _ = c1.read(&mut buf).await.unwrap();
        // Second connection: a stray ACK, then the right one.
        let (mut c2, _) = listener.accept().await.unwrap();
        let _ = c2.read(&mut buf).await.unwrap();
        let _ = c1.write_all(&ack("L1")).await; // late, on the dropped connection
        c2.write_all(&ack("SOMETHING-ELSE")).await.unwrap();
        c2.write_all(&ack("L1")).await.unwrap();
        let _ = c2.read(&mut buf).await;
    });
    let mut s = Sender::new(
        &addr,
        sender::Options {
            ack_timeout: Duration::from_millis(300),
            ..quick_sender()
        },
    );
    let reply = s.send(&adt("L1")).await.unwrap();
    assert_eq!(reply.attempts, 2);
    assert_eq!(read_ack(&reply.raw).unwrap().1, "L1");
    assert_eq!(s.stray_acks(), 1);
    drop(s);
    peer.await.unwrap();
}

#[tokio::test]
async fn a_sender_without_a_receiver_gives_up_after_its_attempts() {
    // A port with nothing behind it.
    let addr = {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        l.local_addr().unwrap().to_string()
    };
    let mut s = Sender::new(&addr, quick_sender());
    let err = s.send(&adt("X")).await.unwrap_err();
    assert!(
        matches!(err, sender::SendError::Exhausted { attempts: 3, .. }),
        "{err}"
    );
    assert!(matches!(
        s.send(b"PID|1\r").await,
        Err(sender::SendError::NoControlId)
    ));
}
