//! HL7 over HTTP(S) on loopback: the ACK in the body of a 200, 4xx for what is not an HL7
//! request, and HTTPS with client certificates.

use std::sync::Arc;
use std::time::Duration;

use hl7_model::ack::AckCode;
use hl7_wire::handler::{Router, StoreHandler};
use hl7_wire::http::{HttpError, HttpReceiver, HttpSender};
use hl7_wire::receiver;
use hl7_wire::store::{SqliteStore, Store};
use hl7_wire::tls::{ClientTls, ServerTls};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, ExtendedKeyUsagePurpose, IsCa, KeyPair,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn adt(id: &str) -> Vec<u8> {
    format!("MSH|^~\\&|ADT|HOSP|LAB|HOSP|20240101||ADT^A01^ADT_A01|{id}|P|2.5\rEVN|A01\rPID|1||{id}\rPV1|1|I\r")
        .into_bytes()
}

async fn start(
    opts: receiver::Options,
    dir: &tempfile::TempDir,
) -> (String, Arc<SqliteStore>, receiver::Shutdown) {
    let store = Arc::new(SqliteStore::open(dir.path().join("m.db")).unwrap());
    let router = Router::new().route("*", StoreHandler(store.clone()));
    let r = HttpReceiver::bind("127.0.0.1:0", router, opts)
        .await
        .unwrap();
    let addr = r.local_addr().unwrap().to_string();
    let stop = r.shutdown_handle();
    tokio::spawn(r.run());
    (addr, store, stop)
}

/// A raw HTTP/1.1 exchange, for the requests the client never makes.
async fn raw(addr: &str, request: String) -> String {
    let mut c = tokio::net::TcpStream::connect(addr).await.unwrap();
    c.write_all(request.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), c.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn post_gets_the_ack_in_the_body_and_others_get_4xx() {
    let dir = tempfile::tempdir().unwrap();
    let opts = receiver::Options {
        mllp: hl7_wire::mllp::Options {
            max_frame: 2048,
            tolerant: true,
        },
        ..receiver::Options::default()
    };
    let (addr, store, stop) = start(opts, &dir).await;
    let client = HttpSender::new(&addr, "/hl7", None, Duration::from_secs(5));
    let reply = client.send(&adt("H1")).await.unwrap();
    assert_eq!(reply.code, Some(AckCode::AA));
    assert!(String::from_utf8_lossy(&reply.body).contains("MSA|AA|H1\r"));
    assert_eq!(store.list(0, 10).unwrap()[0].control_id, "H1");

    // Unknown type: still processed as HL7, so 200 with an AR.
    let zzz = b"MSH|^~\\&|A||B||20240101||ZZZ^Z01|H2|P|2.5\r";
    assert_eq!(client.send(zzz).await.unwrap().code, Some(AckCode::AR));

    let get = raw(
        &addr,
        format!("GET /hl7 HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"),
    )
    .await;
    assert!(get.starts_with("HTTP/1.1 405"), "{get}");
    let body = String::from_utf8(adt("H3")).unwrap();
    let json = raw(
        &addr,
        format!(
            "POST /hl7 HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    )
    .await;
    assert!(json.starts_with("HTTP/1.1 415"), "{json}");
    let big = "x".repeat(5000);
    let too_big = raw(
        &addr,
        format!(
            "POST /hl7 HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/hl7-v2\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{big}",
            big.len()
        ),
    )
    .await;
    assert!(too_big.starts_with("HTTP/1.1 413"), "{too_big}");
    let ok = raw(
        &addr,
        format!(
            "POST /hl7 HTTP/1.1\r\nHost: {addr}\r\nContent-Type: x-application/hl7-v2+er7; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    )
    .await;
    assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
    assert!(
        ok.to_ascii_lowercase()
            .contains("content-type: application/hl7-v2; charset=utf-8")
    );
    assert!(ok.contains("MSA|AA|H3"));
    let ids: Vec<String> = store
        .list(0, 10)
        .unwrap()
        .into_iter()
        .map(|r| r.control_id)
        .collect();
    assert_eq!(ids, ["H1", "H3"]);
    stop.shutdown();
}

#[tokio::test]
async fn https_with_client_certificates() {
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().unwrap()).unwrap();
    let issue = |name: &str, purpose| {
        let key = KeyPair::generate().unwrap();
        let mut p = CertificateParams::new(vec![name.to_owned()]).unwrap();
        p.extended_key_usages = vec![purpose];
        let cert = p.signed_by(&key, &ca).unwrap();
        (cert.pem().into_bytes(), key.serialize_pem().into_bytes())
    };
    let ca_pem = ca.as_ref().pem().into_bytes();
    let (cert, key) = issue("localhost", ExtendedKeyUsagePurpose::ServerAuth);
    let tls = ServerTls::with_client_auth(&cert, &key, &ca_pem, Some(vec!["lab.example".into()]))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (addr, store, stop) = start(
        receiver::Options {
            tls: Some(tls),
            ..receiver::Options::default()
        },
        &dir,
    )
    .await;
    let (c, k) = issue("lab.example", ExtendedKeyUsagePurpose::ClientAuth);
    let client = ClientTls::with_client_cert(&ca_pem, "localhost", &c, &k).unwrap();
    let s = HttpSender::new(&addr, "/", Some(client), Duration::from_secs(5));
    assert_eq!(s.send(&adt("S1")).await.unwrap().code, Some(AckCode::AA));

    let no_cert = ClientTls::new(&ca_pem, "localhost").unwrap();
    let s = HttpSender::new(&addr, "/", Some(no_cert), Duration::from_secs(5));
    assert!(matches!(
        s.send(&adt("S2")).await,
        Err(HttpError::Connect(_) | HttpError::Http(_))
    ));
    let (c, k) = issue("other.example", ExtendedKeyUsagePurpose::ClientAuth);
    let other = ClientTls::with_client_cert(&ca_pem, "localhost", &c, &k).unwrap();
    let s = HttpSender::new(&addr, "/", Some(other), Duration::from_secs(5));
    assert!(s.send(&adt("S3")).await.is_err());
    let ids: Vec<String> = store
        .list(0, 10)
        .unwrap()
        .into_iter()
        .map(|r| r.control_id)
        .collect();
    assert_eq!(ids, ["S1"]);
    stop.shutdown();
}

#[tokio::test]
async fn the_client_keeps_its_connection() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(dir.path().join("m.db")).unwrap());
    let router = Router::new().route("*", StoreHandler(store.clone()));
    let r = HttpReceiver::bind("127.0.0.1:0", router, receiver::Options::default())
        .await
        .unwrap();
    let addr = r.local_addr().unwrap().to_string();
    let (stop, metrics) = (r.shutdown_handle(), r.metrics());
    tokio::spawn(r.run());
    let client = HttpSender::new(&addr, "/", None, Duration::from_secs(5));
    for i in 0..5 {
        let reply = client.send(&adt(&format!("K{i}"))).await.unwrap();
        assert_eq!(reply.code, Some(AckCode::AA));
    }
    // A clone shares the connection.
    let clone = client.clone();
    assert_eq!(
        clone.send(&adt("K5")).await.unwrap().code,
        Some(AckCode::AA)
    );
    assert_eq!(receiver::Metrics::get(&metrics.connections_accepted), 1);
    assert_eq!(receiver::Metrics::get(&metrics.messages), 6);
    assert_eq!(store.list(0, 10).unwrap().len(), 6);
    stop.shutdown();
}

#[tokio::test]
async fn connection_limit_and_idle_time_apply() {
    let dir = tempfile::tempdir().unwrap();
    let opts = receiver::Options {
        max_connections: 1,
        idle_timeout: Duration::from_secs(1),
        ..receiver::Options::default()
    };
    let store = Arc::new(SqliteStore::open(dir.path().join("m.db")).unwrap());
    let router = Router::new().route("*", StoreHandler(store));
    let r = HttpReceiver::bind("127.0.0.1:0", router, opts)
        .await
        .unwrap();
    let addr = r.local_addr().unwrap().to_string();
    let (stop, metrics) = (r.shutdown_handle(), r.metrics());
    tokio::spawn(r.run());

    // A silent connection holds the only slot: the next is closed at once.
    let mut silent = tokio::net::TcpStream::connect(&addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let client = HttpSender::new(&addr, "/", None, Duration::from_secs(5));
    assert!(client.send(&adt("L1")).await.is_err());
    assert_eq!(receiver::Metrics::get(&metrics.connections_refused), 1);

    // The silent one is closed after the idle time, which frees the slot.
    let mut buf = [0u8; 256];
    let closed = tokio::time::timeout(Duration::from_secs(5), silent.read(&mut buf)).await;
    assert!(closed.is_ok(), "still open after the idle time");
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(
        client.send(&adt("L2")).await.unwrap().code,
        Some(AckCode::AA)
    );
    stop.shutdown();
}
