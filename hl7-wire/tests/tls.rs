//! MLLP over TLS on loopback, with certificates made here: server authentication, mutual TLS
//! with an allowlist of client names, and the refusals.

use std::sync::Arc;
use std::time::Duration;

use hl7_model::ack::AckCode;
use hl7_wire::handler::{Router, StoreHandler};
use hl7_wire::receiver::{self, Metrics, Receiver};
use hl7_wire::sender::{self, SendError, Sender};
use hl7_wire::store::{SqliteStore, Store};
use hl7_wire::tls::{ClientTls, ServerTls};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};

/// A CA, and PEM certificate/key pairs it signs.
struct Pki {
    ca: CertifiedIssuer<'static, KeyPair>,
}

impl Pki {
    fn new() -> Pki {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        Pki {
            ca: CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap(),
        }
    }

    /// (certificate, key) of a client whose subject DN has CN `cn` and no alternative name.
    fn issue_cn(&self, cn: &str) -> (Vec<u8>, Vec<u8>) {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name = rcgen::DistinguishedName::new();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, cn);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let cert = params.signed_by(&key, &self.ca).unwrap();
        (cert.pem().into_bytes(), key.serialize_pem().into_bytes())
    }

    fn ca_pem(&self) -> Vec<u8> {
        self.ca.as_ref().pem().into_bytes()
    }

    /// (certificate, key) for `name`, for a server or a client.
    fn issue(&self, name: &str, purpose: ExtendedKeyUsagePurpose) -> (Vec<u8>, Vec<u8>) {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(vec![name.to_owned()]).unwrap();
        params.extended_key_usages = vec![purpose];
        let cert = params.signed_by(&key, &self.ca).unwrap();
        (cert.pem().into_bytes(), key.serialize_pem().into_bytes())
    }
}

fn adt(id: &str) -> Vec<u8> {
    format!("MSH|^~\\&|ADT|HOSP|LAB|HOSP|20240101||ADT^A01^ADT_A01|{id}|P|2.5\rEVN|A01\rPID|1||{id}\rPV1|1|I\r")
        .into_bytes()
}

fn one_attempt(tls: Option<ClientTls>) -> sender::Options {
    sender::Options {
        max_attempts: 1,
        ack_timeout: Duration::from_secs(5),
        tls,
        ..sender::Options::default()
    }
}

async fn tls_receiver(
    tls: ServerTls,
    dir: &tempfile::TempDir,
) -> (String, Arc<SqliteStore>, Arc<Metrics>, receiver::Shutdown) {
    let store = Arc::new(SqliteStore::open(dir.path().join("m.db")).unwrap());
    let router = Router::new().route("*", StoreHandler(store.clone()));
    let opts = receiver::Options {
        tls: Some(tls),
        idle_timeout: Duration::from_secs(5),
        ..receiver::Options::default()
    };
    let r = Receiver::bind("127.0.0.1:0", router, opts).await.unwrap();
    let addr = r.local_addr().unwrap().to_string();
    let (metrics, stop) = (r.metrics(), r.shutdown_handle());
    tokio::spawn(r.run());
    (addr, store, metrics, stop)
}

#[tokio::test]
async fn tls_without_client_certificates() {
    let pki = Pki::new();
    let (cert, key) = pki.issue("localhost", ExtendedKeyUsagePurpose::ServerAuth);
    let dir = tempfile::tempdir().unwrap();
    let (addr, store, _, stop) = tls_receiver(ServerTls::new(&cert, &key).unwrap(), &dir).await;

    let client = ClientTls::new(&pki.ca_pem(), "localhost").unwrap();
    let mut s = Sender::new(&addr, one_attempt(Some(client)));
    for i in 0..5 {
        assert_eq!(
            s.send(&adt(&format!("T{i}"))).await.unwrap().code,
            Some(AckCode::AA)
        );
    }
    assert_eq!(store.list(0, 10).unwrap().len(), 5);

    // A client that trusts another CA, or expects another name, does not connect.
    let other = Pki::new();
    let mut s = Sender::new(
        &addr,
        one_attempt(Some(ClientTls::new(&other.ca_pem(), "localhost").unwrap())),
    );
    assert!(matches!(
        s.send(&adt("X1")).await,
        Err(SendError::Exhausted { .. })
    ));
    let mut s = Sender::new(
        &addr,
        one_attempt(Some(ClientTls::new(&pki.ca_pem(), "lab.example").unwrap())),
    );
    assert!(matches!(
        s.send(&adt("X2")).await,
        Err(SendError::Exhausted { .. })
    ));
    // Plain MLLP to a TLS port gets no ACK.
    let mut s = Sender::new(
        &addr,
        sender::Options {
            ack_timeout: Duration::from_millis(500),
            ..one_attempt(None)
        },
    );
    assert!(matches!(
        s.send(&adt("X3")).await,
        Err(SendError::Exhausted { .. })
    ));
    assert_eq!(store.list(0, 10).unwrap().len(), 5);
    stop.shutdown();
}

#[tokio::test]
async fn mutual_tls_with_an_allowlist_of_client_names() {
    let pki = Pki::new();
    let (cert, key) = pki.issue("localhost", ExtendedKeyUsagePurpose::ServerAuth);
    let server = ServerTls::with_client_auth(
        &cert,
        &key,
        &pki.ca_pem(),
        Some(vec![
            "adt.hosp.example".to_owned(),
            "LAB Interface 01".to_owned(),
        ]),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (addr, store, metrics, stop) = tls_receiver(server, &dir).await;
    let ca = pki.ca_pem();

    // Allowed by its subject CN alone (no alternative name, not a DNS name).
    let (c, k) = pki.issue_cn("LAB Interface 01");
    let tls = ClientTls::with_client_cert(&ca, "localhost", &c, &k).unwrap();
    let mut s = Sender::new(&addr, one_attempt(Some(tls)));
    assert_eq!(s.send(&adt("CN")).await.unwrap().code, Some(AckCode::AA));
    // Another CN from the same CA: refused.
    let (c, k) = pki.issue_cn("LAB Interface 02");
    let tls = ClientTls::with_client_cert(&ca, "localhost", &c, &k).unwrap();
    let mut s = Sender::new(&addr, one_attempt(Some(tls)));
    assert!(matches!(
        s.send(&adt("NO0")).await,
        Err(SendError::Exhausted { .. })
    ));

    // Allowed: a certificate of the CA naming an allowed client.
    let (c, k) = pki.issue("adt.hosp.example", ExtendedKeyUsagePurpose::ClientAuth);
    let tls = ClientTls::with_client_cert(&ca, "localhost", &c, &k).unwrap();
    let mut s = Sender::new(&addr, one_attempt(Some(tls)));
    assert_eq!(s.send(&adt("OK")).await.unwrap().code, Some(AckCode::AA));

    // Same CA, a name not on the list: refused after the handshake.
    let (c, k) = pki.issue("intruder.example", ExtendedKeyUsagePurpose::ClientAuth);
    let tls = ClientTls::with_client_cert(&ca, "localhost", &c, &k).unwrap();
    let mut s = Sender::new(&addr, one_attempt(Some(tls)));
    assert!(matches!(
        s.send(&adt("NO1")).await,
        Err(SendError::Exhausted { .. })
    ));

    // No client certificate at all, and one from another CA: the handshake fails.
    let mut s = Sender::new(
        &addr,
        one_attempt(Some(ClientTls::new(&ca, "localhost").unwrap())),
    );
    assert!(matches!(
        s.send(&adt("NO2")).await,
        Err(SendError::Exhausted { .. })
    ));
    let other = Pki::new();
    let (c, k) = other.issue("adt.hosp.example", ExtendedKeyUsagePurpose::ClientAuth);
    let tls = ClientTls::with_client_cert(&ca, "localhost", &c, &k).unwrap();
    let mut s = Sender::new(&addr, one_attempt(Some(tls)));
    assert!(matches!(
        s.send(&adt("NO3")).await,
        Err(SendError::Exhausted { .. })
    ));

    let stored: Vec<String> = store
        .list(0, 10)
        .unwrap()
        .into_iter()
        .map(|r| r.control_id)
        .collect();
    assert_eq!(stored, ["CN", "OK"]);
    // The refusals are counted once the server has seen them.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(Metrics::get(&metrics.connections_refused), 4);
    stop.shutdown();
}
