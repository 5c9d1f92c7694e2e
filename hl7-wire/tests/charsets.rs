//! Messages whose header is not ASCII, answered on a connection: the ACK is read in the
//! character set MSH-18 declares and written back in it, and one whose bytes MSH-18 does not
//! account for is still answered with its control ID.

use hl7_model::ack::AckCode;
use hl7_wire::handler::{Router, from_fn};
use hl7_wire::mllp::{Decoder, Event, Options as Framing, encode};
use hl7_wire::receiver::{Options, StreamServer};
use hl7_wire::sender::read_ack;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// `tests/charsets/latin1-header.hl7`: MSH-4 `HÔPITAL SAINT-LOUIS` in ISO 8859-1, MSH-18
/// `8859/1`, written by Python's codecs.
fn latin1_header() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/charsets/latin1-header.hl7"
    ))
    .unwrap()
}

/// The frames a receiver answers `message` with, on one connection.
async fn answers(message: &[u8]) -> Vec<Vec<u8>> {
    let server = StreamServer::new(
        Router::new().route("*", from_fn(|_| Ok(()))),
        Options::default(),
    );
    let (mut client, conn) = tokio::io::duplex(1 << 16);
    let serving = tokio::spawn(async move { server.serve(conn, None).await });
    client.write_all(&encode(message).unwrap()).await.unwrap();
    client.shutdown().await.unwrap();
    let mut bytes = Vec::new();
    client.read_to_end(&mut bytes).await.unwrap();
    serving.await.unwrap();
    let mut d = Decoder::new(Framing::default());
    d.feed(&bytes);
    let mut frames = Vec::new();
    while let Some(Event::Frame(f)) = d.next_event().unwrap() {
        frames.push(f.to_vec());
    }
    frames
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn a_latin1_header_is_answered_in_latin1() {
    let sent = latin1_header();
    let acks = answers(&sent).await;
    assert_eq!(acks.len(), 1);
    let ack = &acks[0];
    // Sending and receiving swapped, the facility in its Latin-1 byte (Ô is 0xD4), and
    // MSH-18 declaring the set.
    assert!(
        ack.starts_with(b"MSH|^~\\&|PACS|RAD|ADMIT|H\xd4PITAL SAINT-LOUIS|"),
        "{}",
        String::from_utf8_lossy(ack)
    );
    let msh = ack.split(|&b| b == b'\r').next().unwrap();
    assert!(
        msh.ends_with(b"|8859/1"),
        "{}",
        String::from_utf8_lossy(msh)
    );
    assert!(contains(ack, b"\rMSA|AA|CS028"));
    assert_eq!(
        read_ack(ack),
        Some((AckCode::AA, "CS028".to_owned(), String::new()))
    );
}

#[tokio::test]
async fn an_undeclared_latin1_header_is_refused_with_its_control_id() {
    // The same bytes with MSH-18 removed: 0xD4 is then neither UTF-8 nor declared.
    let sent = latin1_header();
    let mut undeclared = sent.clone();
    let cut = sent
        .windows(13)
        .position(|w| w == b"||||||8859/1\r")
        .unwrap();
    undeclared.splice(cut..cut + 13, *b"\r");
    assert!(!contains(&undeclared, b"8859"));
    let acks = answers(&undeclared).await;
    assert_eq!(acks.len(), 1);
    let ack = &acks[0];
    let (code, control_id, _) = read_ack(ack).expect("an ACK");
    assert_eq!((code, control_id.as_str()), (AckCode::AR, "CS028"));
    // The reason is in ERR, located at MSH-18, with code 207.
    let shown = String::from_utf8_lossy(ack);
    assert!(shown.contains("MSH^1^18"), "{shown}");
    assert!(shown.contains("207"), "{shown}");
}

#[test]
fn an_ack_in_latin1_with_no_msh18_is_still_read() {
    // Some systems answer in their own 8-bit set without declaring it: MSA-1 and MSA-2 are
    // read exactly, the free text as near as it can be.
    let ack = b"MSH|^~\\&|B|G|A|F|20240101||ACK^A01|9|P|2.5\rMSA|AE|CS028|Pr\xe9nom inconnu\r";
    let (code, control_id, text) = read_ack(ack).expect("an ACK");
    assert_eq!((code, control_id.as_str()), (AckCode::AE, "CS028"));
    assert_eq!(text, "Pr\u{fffd}nom inconnu");
}
