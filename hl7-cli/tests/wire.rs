//! `hl7 listen`, `hl7 send` and `hl7 store` together, as a user runs them in two terminals.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A running `hl7 listen`, killed when dropped.
struct Listener {
    child: Child,
    addr: String,
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn listen(store: &Path) -> Listener {
    listen_with(store, &["--mllp", "127.0.0.1:0"], "MLLP")
}

/// `hl7 listen --store STORE ARGS…`, once it says it is listening for `what` (`MLLP`,
/// `MLLP over TLS`, `HTTPS`).
fn listen_with(store: &Path, args: &[&str], what: &str) -> Listener {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hl7"))
        .arg("listen")
        .args(args)
        .arg("--store")
        .arg(store)
        .stderr(Stdio::piped())
        .spawn()
        .expect("hl7 listen runs");
    let mut line = String::new();
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr is piped"));
    // The address is on the line `hl7: listening for MLLP on ADDR, storing in …`.
    let marker = format!("listening for {what} on ");
    while !line.contains(&marker) {
        line.clear();
        assert!(stderr.read_line(&mut line).unwrap() > 0, "hl7 listen ended");
    }
    let addr = line
        .split(&marker)
        .nth(1)
        .and_then(|rest| rest.split(',').next())
        .expect("an address")
        .to_owned();
    // Keep draining its log so that it never blocks on a full pipe.
    std::thread::spawn(move || for _ in stderr.lines() {});
    Listener { child, addr }
}

fn hl7(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_hl7"))
        .args(args)
        .output()
        .expect("hl7 runs")
}

#[test]
fn send_to_listen_then_list_the_store() {
    let dir = tempfile_dir();
    let store = dir.join("messages.db");
    let listener = listen(&store);
    let example = workspace().join("examples/oru_r01.hl7");
    let batch = workspace().join("tests/corpus/messages/ruby-hl7/realm-batch.hl7");
    let out = hl7(&[
        "send",
        "--to",
        &listener.addr,
        example.to_str().unwrap(),
        batch.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The batch's two messages ask for no commit ACK (MSH-15 NE): not waited for.
    assert!(
        stdout.starts_with(
            "3 sent, 1 accepted, 0 refused (AE/AR), 0 without ACK, 2 not acknowledged"
        ),
        "{stdout}"
    );

    // A type no version defines: AR, exit code 1.
    let unknown = dir.join("unknown.hl7");
    std::fs::write(&unknown, "MSH|^~\\&|A||B||20240101||ZZZ^Z99|U1|P|2.5\r").unwrap();
    let out = hl7(&["send", "--to", &listener.addr, unknown.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("AR"));

    let out = hl7(&["store", store.to_str().unwrap()]);
    assert!(out.status.success());
    let listing = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<Vec<&str>> = listing.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(lines.len(), 3, "{listing}");
    assert_eq!(lines[0][2], "MSG00001");
    assert_eq!(lines[0][3], "ORU^R01");
    assert_eq!(lines[0][4], "received");
    assert!(lines[0][1].ends_with('Z'), "{listing}");
    // The stored bytes are the message as sent.
    let out = hl7(&["store", store.to_str().unwrap(), "--raw", lines[0][0]]);
    let sent = std::fs::read_to_string(&example).unwrap();
    assert_eq!(
        String::from_utf8(out.stdout)
            .unwrap()
            .replace('\r', "\n")
            .trim_end(),
        sent.replace("\r\n", "\n").replace('\r', "\n").trim_end()
    );
    drop(listener);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn send_without_a_listener_fails_with_2() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let example = workspace().join("examples/oru_r01.hl7");
    let out = hl7(&[
        "send",
        "--to",
        &format!("127.0.0.1:{port}"),
        "--attempts",
        "1",
        example.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 without ACK"));
}

/// A CA and the certificates it signs, written as PEM files into a directory.
struct Pki {
    ca: rcgen::CertifiedIssuer<'static, rcgen::KeyPair>,
    dir: PathBuf,
}

impl Pki {
    fn new(dir: &Path) -> Pki {
        use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair, KeyUsagePurpose};
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca = rcgen::CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
        std::fs::write(dir.join("ca.pem"), ca.as_ref().pem()).unwrap();
        Pki {
            ca,
            dir: dir.to_owned(),
        }
    }

    fn ca(&self) -> String {
        self.dir.join("ca.pem").to_str().unwrap().to_owned()
    }

    /// Writes `FILE.crt` and `FILE.key`, a certificate for `name` (a server's when `server`);
    /// returns their paths.
    fn issue(&self, file: &str, name: &str, server: bool) -> (String, String) {
        use rcgen::{CertificateParams, ExtendedKeyUsagePurpose, KeyPair};
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(vec![name.to_owned()]).unwrap();
        params.extended_key_usages = vec![if server {
            ExtendedKeyUsagePurpose::ServerAuth
        } else {
            ExtendedKeyUsagePurpose::ClientAuth
        }];
        let cert = params.signed_by(&key, &self.ca).unwrap();
        let (crt, k) = (
            self.dir.join(format!("{file}.crt")),
            self.dir.join(format!("{file}.key")),
        );
        std::fs::write(&crt, cert.pem()).unwrap();
        std::fs::write(&k, key.serialize_pem()).unwrap();
        (
            crt.to_str().unwrap().to_owned(),
            k.to_str().unwrap().to_owned(),
        )
    }
}

#[test]
fn send_over_mutual_tls_with_a_name_allowlist() {
    let dir = tempfile_dir();
    let pki = Pki::new(&dir);
    let (server_crt, server_key) = pki.issue("server", "localhost", true);
    let (lab_crt, lab_key) = pki.issue("lab", "lab.example", false);
    let (other_crt, other_key) = pki.issue("other", "other.example", false);
    let store = dir.join("messages.db");
    let ca = pki.ca();
    let listener = listen_with(
        &store,
        &[
            "--mllp",
            "127.0.0.1:0",
            "--tls-cert",
            &server_crt,
            "--tls-key",
            &server_key,
            "--client-ca",
            &ca,
            "--allow-name",
            "lab.example",
        ],
        "MLLP over TLS",
    );
    let example = workspace().join("examples/oru_r01.hl7");
    let example = example.to_str().unwrap();
    let send = |cert: &str, key: &str| {
        hl7(&[
            "send",
            "--to",
            &listener.addr,
            "--tls-ca",
            &ca,
            "--server-name",
            "localhost",
            "--tls-cert",
            cert,
            "--tls-key",
            key,
            "--timeout",
            "5",
            "--retries",
            "0",
            example,
        ])
    };
    let out = send(&lab_crt, &lab_key);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.starts_with("1 sent, 1 accepted"), "{stdout}");

    // A certificate from the same CA for a name not on the list: refused, no ACK.
    let out = send(&other_crt, &other_key);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 without ACK"));

    // No TLS at all against a TLS listener: no ACK either.
    let out = hl7(&[
        "send",
        "--to",
        &listener.addr,
        "--timeout",
        "2",
        "--attempts",
        "1",
        example,
    ]);
    assert_eq!(out.status.code(), Some(2));

    let out = hl7(&["store", store.to_str().unwrap()]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);
    drop(listener);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn post_over_https() {
    let dir = tempfile_dir();
    let pki = Pki::new(&dir);
    let (server_crt, server_key) = pki.issue("server", "localhost", true);
    let store = dir.join("messages.db");
    let listener = listen_with(
        &store,
        &[
            "--https",
            "127.0.0.1:0",
            "--tls-cert",
            &server_crt,
            "--tls-key",
            &server_key,
        ],
        "HTTPS",
    );
    let example = workspace().join("examples/oru_r01.hl7");
    let unknown = dir.join("unknown.hl7");
    std::fs::write(&unknown, "MSH|^~\\&|A||B||20240101||ZZZ^Z99|U1|P|2.5\r").unwrap();
    let url = format!("https://{}/hl7", listener.addr);
    let out = hl7(&[
        "send",
        "--http",
        &url,
        "--tls-ca",
        &pki.ca(),
        "--server-name",
        "localhost",
        "--timeout",
        "5",
        example.to_str().unwrap(),
        unknown.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    // The unknown type is answered AR in the 200 body: exit 1.
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.starts_with("2 sent, 1 accepted, 1 refused (AE/AR), 0 without ACK"),
        "{stdout}"
    );
    let out = hl7(&["store", store.to_str().unwrap()]);
    let listing = String::from_utf8(out.stdout).unwrap();
    assert!(listing.contains("MSG00001\tORU^R01"), "{listing}");

    // An https:// URL without a CA to check the server against is refused up front.
    let out = hl7(&["send", "--http", &url, example.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    drop(listener);
    let _ = std::fs::remove_dir_all(&dir);
}

fn tempfile_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "hl7-cli-wire-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
