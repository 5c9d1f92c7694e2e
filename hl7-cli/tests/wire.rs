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
    let mut child = Command::new(env!("CARGO_BIN_EXE_hl7"))
        .args(["listen", "--mllp", "127.0.0.1:0", "--store"])
        .arg(store)
        .stderr(Stdio::piped())
        .spawn()
        .expect("hl7 listen runs");
    let mut line = String::new();
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr is piped"));
    // The address is on the line `hl7: listening for MLLP on ADDR, storing in …`.
    while !line.contains("listening for MLLP on") {
        line.clear();
        assert!(stderr.read_line(&mut line).unwrap() > 0, "hl7 listen ended");
    }
    let addr = line
        .split("listening for MLLP on ")
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
