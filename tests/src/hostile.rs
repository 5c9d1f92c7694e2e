//! What must hold for any input, however hostile: the bodies of the fuzz targets in `fuzz/`,
//! kept here so that CI runs every input the fuzzer ever found (`fuzz/regressions/`) through
//! the same checks on every build (`tests/tests/it/hostile_inputs.rs`).
//!
//! Each check panics when an invariant breaks: that is what a fuzzer reports. An input the
//! toolkit refuses with a typed error passes; only a panic, a broken round trip or a
//! disagreement between two readers fails.

use hl7_model::er7::{Batch, FindingKind};
use hl7_model::message::{Message, ParseOptions};
use hl7_model::path::TerserPath;

/// One check: panics when an invariant breaks on `data`.
pub type Check = fn(&[u8]);

/// The checks, by the name of their fuzz target (and of their folder under `fuzz/regressions/`).
pub const TARGETS: &[(&str, Check)] = &[
    ("tokenize", tokenize),
    ("parse", parse),
    ("roundtrip", roundtrip),
    ("validate", validate),
    ("paths", paths),
    ("charset", charset),
    ("mllp", mllp),
    ("v3_xml", v3_xml),
    ("ack", ack),
    ("receiver", receiver),
    ("http", http),
];

/// Limits small enough that a fuzzer's inputs meet them, so that refusing is exercised too.
fn options() -> ParseOptions {
    ParseOptions::new()
        .max_message_len(1 << 20)
        .max_segments(4096)
        .max_repetitions(256)
}

/// The tokenizer: a batch splits any text, and writes back exactly what it read when nothing
/// was skipped.
pub fn tokenize(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(batch) = Batch::parse(text) else {
        return;
    };
    let mut out = String::with_capacity(text.len());
    batch.write_original(&mut out);
    // What the tokenizer skips it reports: blank lines, noise lines, a byte order mark and
    // MLLP start bytes. With none of them, writing back gives the input byte for byte.
    let lines = batch.line_report();
    let skipped = batch.all_findings().iter().any(|f| {
        matches!(
            f.kind,
            FindingKind::ByteOrderMark
                | FindingKind::MllpStartBlock
                | FindingKind::NoiseLine { .. }
        )
    });
    if !skipped && lines.blank_lines == 0 && lines.noise_lines == 0 {
        assert_eq!(
            out, text,
            "a batch with nothing skipped writes back its input"
        );
    }
}

/// The typed parse from bytes: any input is a message or a typed error.
pub fn parse(data: &[u8]) {
    if let Ok(m) = hl7_model::parse(data) {
        exercise(&m);
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(m) = Message::parse(text, &options()) {
        exercise(&m);
    }
}

fn exercise(m: &Message) {
    let _ = m.tree_lines();
    let _ = m.heap_bytes();
    let _ = m.typed::<hl7_model::v2_5::OruR01>();
    let _ = serde_json::to_string(m).expect("a parsed message serialises");
}

/// Encoding is a fixed point: parse(encode(parse(x))) encodes to the same text and places its
/// segments in the same tree.
pub fn roundtrip(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(m) = Message::parse(text, &options()) else {
        return;
    };
    let once = m.to_er7();
    let again = Message::parse(&once, &options())
        .unwrap_or_else(|e| panic!("the encoded message does not parse again: {e}\n{once:?}"));
    assert_eq!(again.to_er7(), once, "encoding is not a fixed point");
    assert_eq!(again.tree_lines(), m.tree_lines(), "the tree changed");
    assert_eq!(again.structure().id, m.structure().id);
    assert_eq!(again.version().version, m.version().version);
}

/// Validation of any parsed message: findings, never a panic; every finding has a location
/// inside the message.
pub fn validate(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(m) = Message::parse(text, &options()) else {
        return;
    };
    for f in m.validate() {
        let _ = f.to_string();
    }
}

/// Paths: `path \0 value \0 message`. Parsing a path never panics; a read or a write on any
/// message is a value or a typed error; a write that succeeded reads back and leaves a message
/// that parses again to the same text.
pub fn paths(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.splitn(3, '\0');
    let (Some(path), Some(value), Some(message)) = (parts.next(), parts.next(), parts.next())
    else {
        let _ = TerserPath::parse(text);
        return;
    };
    let _ = TerserPath::parse(path);
    let Ok(mut m) = Message::parse(message, &options()) else {
        return;
    };
    let existed = matches!(m.get(path), Ok(Some(_)));
    let _ = m.get_er7(path);
    if m.set(path, value).is_err() {
        return;
    }
    let written = m.to_er7();
    let again = Message::parse(&written, &options())
        .unwrap_or_else(|e| panic!("after set({path:?}) the message does not parse: {e}"));
    assert_eq!(again.to_er7(), written, "after set({path:?})");
    // A write to a value that was there reads back. A write that has to create segments or
    // groups may place them where the same path does not find them again: a known fault of
    // the path writer, recorded in tests/golden/path-write-faults.tsv.
    if existed && !value.is_empty() {
        assert_eq!(
            m.get(path).ok().flatten().as_deref(),
            Some(value),
            "set({path:?}) does not read back"
        );
    }
}

/// The character-set decoder: any bytes decode or give a typed error; decoded text that its
/// declared sets can hold encodes to bytes that decode to the same text.
pub fn charset(data: &[u8]) {
    use hl7_model::charset::{DecodeOptions, EncodeOptions, decode, encode};
    let opts = DecodeOptions::default().with_max_len(1 << 20);
    let Ok(decoded) = decode(data, &opts) else {
        return;
    };
    let Ok(bytes) = encode(&decoded.text, &EncodeOptions::like(&decoded)) else {
        return;
    };
    let again =
        decode(&bytes, &opts).unwrap_or_else(|e| panic!("encoded text does not decode again: {e}"));
    assert_eq!(
        again.text, decoded.text,
        "decode(encode(text)) is not the text"
    );
}

/// The MLLP decoder: any bytes, fed in two reads split anywhere, give the same events as
/// fed at once, in tolerant and strict mode, and no frame is longer than the limit.
pub fn mllp(data: &[u8]) {
    use hl7_wire::mllp::{Decoder, Event, Options};
    let Some((&cut, data)) = data.split_first() else {
        return;
    };
    let cut = usize::from(cut) * data.len() / 255;
    for tolerant in [true, false] {
        let opts = Options {
            max_frame: 256,
            tolerant,
        };
        let events = |reads: &[&[u8]]| {
            let mut d = Decoder::new(opts);
            let mut out = Vec::new();
            for r in reads {
                d.feed(r);
                loop {
                    match d.next_event() {
                        Ok(Some(e)) => out.push(Ok(e)),
                        Ok(None) => break,
                        Err(e) => {
                            out.push(Err(e));
                            break;
                        }
                    }
                }
            }
            match d.finish() {
                Ok(Some(e)) => out.push(Ok(e)),
                Ok(None) => {}
                Err(e) => out.push(Err(e)),
            }
            // Garbage is reported as it is skipped, read by read: only its total between
            // two other events is the stream's.
            let mut merged: Vec<Result<Event, _>> = Vec::with_capacity(out.len());
            for e in out {
                if let (Ok(Event::Garbage(n)), Some(Ok(Event::Garbage(m)))) =
                    (&e, merged.last_mut())
                {
                    *m += n;
                    continue;
                }
                merged.push(e);
            }
            merged
        };
        let whole = events(&[data]);
        let split = events(&[&data[..cut], &data[cut..]]);
        if whole.iter().all(Result::is_ok) {
            assert_eq!(
                whole, split,
                "tolerant={tolerant}: a split changed the events"
            );
        }
        for e in whole.iter().flatten() {
            if let Event::Frame(f) = e {
                assert!(f.len() <= 256, "a frame above the limit");
            }
        }
    }
}

/// The v3 XML reader: any text is a value or a typed error (DTDs and entities refused);
/// what it read writes out and reads back equal.
pub fn v3_xml(data: &[u8]) {
    use hl7_v3::datatypes::{AD, CD, II, PN, PQ, TS};
    use hl7_v3::{DataType, Nullable, from_xml, to_xml};
    fn round<T: DataType>(xml: &str) {
        let Ok(v) = from_xml::<T>(xml) else {
            return;
        };
        let Ok(out) = to_xml("value", &v) else {
            return;
        };
        let back: Nullable<T> =
            from_xml(&out).unwrap_or_else(|e| panic!("written XML does not read: {e}\n{out}"));
        assert_eq!(back, v, "{out}");
    }
    let Ok(xml) = std::str::from_utf8(data) else {
        return;
    };
    round::<II>(xml);
    round::<CD>(xml);
    round::<PN>(xml);
    round::<AD>(xml);
    round::<PQ>(xml);
    round::<TS>(xml);
}

/// Acknowledging any bytes: the header reader and the checks answer every input, and the
/// ACK they write is a message this toolkit reads back, with MSA-1 its code and MSA-2 the
/// received control ID.
pub fn ack(data: &[u8]) {
    use hl7_model::ack::{Checks, Received};
    let _ = Received::read(data);
    for checks in [Checks::default(), Checks::ihe()] {
        let checked = checks.acknowledge(data);
        let ack = checked.ack().timestamp("20240101").control_id("1");
        let code = ack.code();
        let text = ack.to_er7();
        // On the wire the ACK is in the sender's character sets (the same text once
        // decoded), or in UTF-8 when those cannot hold it, as the receivers send it.
        let wire = match ack.to_bytes() {
            Ok(bytes) => {
                let back = hl7_model::charset::decode(&bytes, &Default::default())
                    .unwrap_or_else(|e| panic!("the ACK's bytes do not decode: {e}\n{text:?}"));
                assert_eq!(back.text, text);
                bytes
            }
            Err(_) => ack.to_wire_bytes(),
        };
        let msa = read_ack(&wire);
        assert_eq!(msa.first().map(String::as_str), Some(code.as_str()));
        // MSA-2 echoes MSH-10 as sent (re-delimited when the received delimiters are not
        // ASCII and the ACK has the standard ones, an ESC in it written `\X1B\`); a control
        // ID holding repetitions reads back as its first.
        let echoed = checked.received.as_ref().map(|r| {
            let mut r = match r.delimiters.is_ascii() {
                true => r.clone(),
                false => r.with_delimiters(Default::default()),
            };
            let e = r.delimiters.escape;
            r.control_id = r.control_id.replace('\u{1b}', &format!("{e}X1B{e}"));
            r
        });
        if let Some(r) = echoed
            .as_ref()
            .filter(|r| !r.control_id.contains(r.delimiters.repetition))
        {
            assert_eq!(
                msa.get(1).map_or("", String::as_str),
                r.control_id,
                "{text:?}"
            );
        }
        if code.is_accept() {
            assert!(
                checked.accepted(),
                "accepted with rejecting issues: {text:?}"
            );
        }
    }
}

/// Reads an ACK this toolkit wrote: a message of structure ACK, or, when it answers a
/// version this build does not read (and echoes it, as an ACK must), MSH, MSA and ERR
/// segments the tokenizer splits. Returns MSA-1 and MSA-2 as sent.
fn read_ack(bytes: &[u8]) -> Vec<String> {
    let decoded = hl7_model::charset::decode(bytes, &Default::default())
        .unwrap_or_else(|e| panic!("the ACK does not decode: {e}\n{bytes:?}"));
    let text = decoded.text.as_str();
    match Message::parse(text, &ParseOptions::new()) {
        Ok(m) => {
            assert_eq!(m.structure().id, "ACK", "{text:?}");
            ["MSA-1", "MSA-2"]
                .iter()
                .map(|p| m.get_er7(p).ok().flatten().unwrap_or_default())
                .collect()
        }
        Err(hl7_model::message::ParseError::UnknownVersion { .. }) => {
            let t = hl7_model::er7::Tokenized::parse(text)
                .unwrap_or_else(|e| panic!("the ACK does not split: {e}\n{text:?}"));
            let ids: Vec<&str> = t.segments().iter().map(|s| s.id()).collect();
            assert!(
                ids.len() >= 2
                    && ids[..2] == ["MSH", "MSA"]
                    && ids[2..].iter().all(|i| *i == "ERR"),
                "{text:?}"
            );
            let msa = t.segments()[1];
            (1..=2)
                .map(|n| {
                    msa.field(n)
                        .map_or(String::new(), |f| f.as_str().to_owned())
                })
                .collect()
        }
        Err(e) => panic!("the ACK does not parse: {e}\n{text:?}"),
    }
}

/// One runtime for the wire checks: building one per input would dominate their time.
fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("a current-thread runtime")
    })
}

/// The wire checks' frame (and HTTP body) limit.
const MAX_FRAME: usize = 4096;

/// A server that accepts every message, with limits a fuzzer's inputs meet.
fn server() -> hl7_wire::receiver::StreamServer {
    use hl7_wire::handler::{Router, from_fn};
    use hl7_wire::receiver::{Options, StreamServer};
    let mut opts = Options {
        idle_timeout: std::time::Duration::from_secs(5),
        ..Options::default()
    };
    opts.mllp.max_frame = MAX_FRAME;
    opts.checks.parse = options();
    StreamServer::new(Router::new().route("*", from_fn(|_| Ok(()))), opts)
}

/// Sends `data` on one connection to `serve`, closes the sending side and returns all it
/// answered.
fn converse<F, Fut>(data: &[u8], serve: F) -> Vec<u8>
where
    F: FnOnce(tokio::io::DuplexStream) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    runtime().block_on(async {
        let (mut client, conn) = tokio::io::duplex(1 << 16);
        let talk = async {
            let (mut rx, mut tx) = tokio::io::split(&mut client);
            let send = async {
                // The server may close first (a framing error): later writes then fail.
                let _ = tx.write_all(data).await;
                let _ = tx.shutdown().await;
            };
            let mut answer = Vec::new();
            let recv = rx.read_to_end(&mut answer);
            let (_, read) = tokio::join!(send, recv);
            read.expect("reading the answers");
            answer
        };
        let (answer, ()) = tokio::join!(talk, serve(conn));
        answer
    })
}

/// The MLLP receiver, fed any bytes on a connection: it answers only in MLLP frames, each an
/// ACK it reads back, at most one per frame the sender completed, and it ends the connection.
pub fn receiver(data: &[u8]) {
    use hl7_wire::mllp::{Decoder, Event, Options};
    let server = server();
    let answer = converse(data, |conn| async move { server.serve(conn, None).await });
    // The frames the server read, by a decoder of the same options: it answers each, and
    // once more when a frame over the limit ends the connection.
    let mut sent = Decoder::new(Options {
        max_frame: MAX_FRAME,
        tolerant: true,
    });
    sent.feed(data);
    let mut frames = 0;
    loop {
        match sent.next_event() {
            Ok(Some(e)) => frames += usize::from(matches!(e, Event::Frame(_))),
            Ok(None) => break,
            Err(_) => {
                frames += 1;
                break;
            }
        }
    }
    let mut acks = Decoder::new(Options {
        max_frame: usize::MAX,
        tolerant: false,
    });
    acks.feed(&answer);
    let mut n = 0;
    loop {
        match acks.next_event() {
            Ok(Some(Event::Frame(f))) => {
                n += 1;
                read_ack(&f);
            }
            Ok(None) => break,
            other => panic!("the answer is not MLLP frames: {other:?}\n{answer:?}"),
        }
    }
    assert!(acks.finish().is_ok(), "a partial frame in the answer");
    assert!(n <= frames, "{n} answers to {frames} frames");
}

/// The HTTP receiver, fed any bytes on a connection: hyper's reading of them and the
/// answers to whatever POSTs they hold never panic, and every answer is an HTTP response.
pub fn http(data: &[u8]) {
    let server = server();
    let answer = converse(
        data,
        |conn| async move { server.serve_http(conn, None).await },
    );
    assert!(
        answer.is_empty() || answer.starts_with(b"HTTP/1.1 ") || answer.starts_with(b"HTTP/1.0 "),
        "not an HTTP response: {:?}",
        String::from_utf8_lossy(&answer)
    );
}
