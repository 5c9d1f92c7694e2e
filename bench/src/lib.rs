//! Parsing measured side by side: this toolkit's tokenizer and parse (with and without
//! validation), the sparse owned form the parsed message's representation was weighed against,
//! the Rust peers (hl7-2, hl7-parser, rust-hl7, hl7-v2) and a zero-copy split floor, on the
//! same messages in one run. The `hl7-bench` binary prints the table (and can write it into a
//! Markdown file, `docs/representation.md`); `benches/parse.rs` runs the same pairs under
//! criterion.
//!
//! Live memory is counted by [`Counting`], a global allocator the binary installs: the bytes
//! still allocated while a parse result is alive, plus the result's own size.

pub mod sparse;

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicIsize, AtomicU64, Ordering};

use anyhow::{Context, Result};
use hl7_model::descriptor::GroupDesc;

/// A global allocator that counts allocations and the bytes currently allocated.
pub struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; the counters are plain
// atomics and never touch the memory handed out.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: the caller's layout contract is passed on as is.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: `ptr` came from `System` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        // SAFETY: as for `dealloc`, and `new_size` is the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// (allocations so far, bytes allocated now).
pub fn counters() -> (u64, isize) {
    (
        ALLOCATIONS.load(Ordering::Relaxed),
        LIVE.load(Ordering::Relaxed),
    )
}

/// Anything a parser returns, kept alive while its memory is counted.
pub trait Kept {}
impl<T: ?Sized> Kept for T {}

/// A parser under test: its name and a function from message text to its result (boxed, so
/// that the result's own size counts as live memory; every parser pays the same one
/// allocation for it).
pub struct Parser {
    pub name: &'static str,
    /// What it builds, for the table.
    pub builds: &'static str,
    pub parse: for<'a> fn(&'a str) -> Option<Box<dyn Kept + 'a>>,
}

/// One message of the set: a name, where it comes from, and its text.
pub struct Sample {
    pub name: &'static str,
    pub origin: String,
    pub text: String,
}

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/corpus/messages")
}

fn read(rel: &str) -> Result<String> {
    let p = corpus().join(rel);
    std::fs::read_to_string(&p).with_context(|| format!("reading {}", p.display()))
}

/// Segments of `text` split on `\r`, without the empty tail.
fn lines(text: &str) -> Vec<&str> {
    text.split('\r').filter(|l| !l.is_empty()).collect()
}

fn join(lines: &[String]) -> String {
    lines.iter().flat_map(|l| [l.as_str(), "\r"]).collect()
}

/// An ORU^R01 from the 4 KB sample with one OBX whose OBX-5 (ED) holds `bytes` of base64
/// text, as a PDF or image embedded in a result arrives.
pub fn big_obx5(base: &str, bytes: usize) -> String {
    const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut payload = String::with_capacity(bytes);
    let mut x: u32 = 0x2545_f491;
    while payload.len() < bytes {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        payload.push(B64[(x % 64) as usize] as char);
    }
    let l = lines(base);
    let mut out: Vec<String> = l
        .iter()
        .take_while(|s| !s.starts_with("OBX"))
        .map(|s| s.to_string())
        .collect();
    out.push(format!(
        "OBX|1|ED|18842-5^Discharge summary^LN||^application^pdf^Base64^{payload}||||||F"
    ));
    join(&out)
}

/// An ORU^R01 from the 4 KB sample with its second OBX repeated until the message has
/// `segments` segments.
pub fn many_obx(base: &str, segments: usize) -> String {
    let l = lines(base);
    let obx = l
        .iter()
        .rposition(|s| s.starts_with("OBX"))
        .expect("the sample has an OBX");
    let mut out: Vec<String> = l[..=obx].iter().map(|s| s.to_string()).collect();
    let tail: Vec<String> = l[obx + 1..].iter().map(|s| s.to_string()).collect();
    let mut n = 2;
    while out.len() + tail.len() < segments {
        let copy = l[obx].replacen("OBX|1|", &format!("OBX|{n}|"), 1);
        out.push(copy);
        n += 1;
    }
    out.extend(tail);
    join(&out)
}

/// The messages of the table. Each is a corpus message (`tests/corpus`, origins in its
/// manifest) or built from one, as its origin says.
pub fn samples() -> Result<Vec<Sample>> {
    let adt = read("hapi-hl7v2/ExampleParseMessages_L52.hl7")?.replacen("|P|2.2", "|P|2.5", 1);
    let oru = read("ruby-hl7/realm-cj-joeslab.hl7")?;
    Ok(vec![
        Sample {
            name: "ADT^A01 v2.5",
            origin: "HAPI ExampleParseMessages (MSH-12 2.2 read as 2.5)".into(),
            text: adt,
        },
        Sample {
            name: "ORU^R01 v2.5.1",
            origin: "ruby-hl7 realm-cj-joeslab".into(),
            text: oru.clone(),
        },
        Sample {
            name: "ORU 50 segments",
            origin: "realm-cj-joeslab, its last OBX repeated".into(),
            text: many_obx(&oru, 50),
        },
        Sample {
            name: "ACK v2.5.1",
            origin: "NHapi PipeParserTests".into(),
            text: read("nhapi/PipeParserTests_L563.hl7")?,
        },
        Sample {
            name: "ORU^R01 v2.8",
            origin: "NHapi LegacyPipeParserV28Tests".into(),
            text: read("nhapi/LegacyPipeParserV28Tests_L49.hl7")?,
        },
        Sample {
            name: "ORU 5 MB OBX-5",
            origin: "realm-cj-joeslab with a 5 MB base64 OBX-5".into(),
            text: big_obx5(&oru, 5 << 20),
        },
    ])
}

/// Messages for the scaling check: parse time should follow the bytes.
pub fn scaling_samples() -> Result<Vec<Sample>> {
    let oru = read("ruby-hl7/realm-cj-joeslab.hl7")?;
    Ok(vec![
        Sample {
            name: "OBX-5 1 MB",
            origin: "realm-cj-joeslab, 1 MB OBX-5".into(),
            text: big_obx5(&oru, 1 << 20),
        },
        Sample {
            name: "OBX-5 10 MB",
            origin: "realm-cj-joeslab, 10 MB OBX-5".into(),
            text: big_obx5(&oru, 10 << 20),
        },
        Sample {
            name: "10 000 segments",
            origin: "realm-cj-joeslab, OBX repeated".into(),
            text: many_obx(&oru, 10_000),
        },
        Sample {
            name: "100 000 segments",
            origin: "realm-cj-joeslab, OBX repeated".into(),
            text: many_obx(&oru, 100_000),
        },
    ])
}

/// Splits the message into segments and each segment into fields, zero-copy, and counts the
/// fields: the least a parser does to know every segment's id and where each field is. Finer
/// levels (repetitions, components) are left to be found when asked for, as the lazy parsers
/// here do.
pub fn split_floor(text: &str) -> usize {
    text.split(['\r', '\n'])
        .map(|segment| segment.split('|').count())
        .sum()
}

/// Our tokenizer: segments and delimiters read, then every field of every segment visited, the
/// same work as the floor.
pub fn tokenize_all(text: &str) -> Option<usize> {
    let msg = hl7_model::er7::Tokenized::parse(text).ok()?;
    Some(msg.segments().iter().map(|s| s.fields().count()).sum())
}

/// The body of the structure a message resolves to, by the parse's rules.
fn structure_body(text: &str) -> Option<&'static GroupDesc> {
    let header = text.split(['\r', '\n']).next()?;
    let msg = hl7_model::er7::Tokenized::parse(header).ok()?;
    let msh = msg.header();
    let version = msh.field(12).map_or("", |f| f.as_str());
    let msh9 = msh.field(9)?;
    let part = |i| msh9.component(i).map_or("", |c| c.as_str());
    let opts = hl7_model::message::ParseOptions::default();
    let (v, _) = hl7_model::message::resolve_version(version, &opts).ok()?;
    let s = v.resolve_structure(part(1), part(2), Some(part(3)).filter(|s| !s.is_empty()))?;
    Some(s.body)
}

/// Every parser of the table, ours first.
pub fn parsers() -> Vec<Parser> {
    vec![
        Parser {
            name: "split floor",
            builds: "nothing: segments and fields split, counted",
            parse: |t| Some(Box::new(split_floor(t))),
        },
        Parser {
            name: "hl7 tokenizer",
            builds: "zero-copy segment list, every field visited",
            parse: |t| Some(Box::new(tokenize_all(t)?)),
        },
        Parser {
            name: "hl7 parse",
            builds: "typed message: segment text in one buffer, group tree",
            parse: |t| Some(Box::new(hl7_model::message::parse(t).ok()?)),
        },
        Parser {
            name: "hl7 parse from bytes",
            builds: "the message, its bytes first read by MSH-18 (borrowed when ASCII/UTF-8)",
            parse: |t| Some(Box::new(hl7_model::parse(t.as_bytes()).ok()?)),
        },
        Parser {
            name: "hl7 parse + validate",
            builds: "the message, then every validation finding",
            parse: |t| {
                let m = hl7_model::message::parse(t).ok()?;
                let findings = m.validate();
                Some(Box::new((m, findings)))
            },
        },
        Parser {
            name: "sparse owned",
            builds: "fields sent only, composites boxed, grouped",
            parse: |t| Some(Box::new(sparse::parse(structure_body(t)?, t)?)),
        },
        Parser {
            name: "hl7-2 0.2.7",
            builds: "untyped owned tree",
            parse: |t| Some(Box::new(hl7_2::parse(t).ok()?)),
        },
        Parser {
            name: "hl7-2 0.2.7 grouped",
            builds: "grouped generic tree",
            parse: |t| Some(Box::new(hl7_2::parse(t).ok()?.tree())),
        },
        Parser {
            name: "hl7-parser 0.3.0",
            builds: "untyped tree of spans",
            parse: |t| Some(Box::new(hl7_parser::parse_message(t).ok()?)),
        },
        Parser {
            name: "rust-hl7 0.5.0",
            builds: "untyped borrowed tree",
            parse: |t| Some(Box::new(rusthl7::message::Message::try_from(t).ok()?)),
        },
        Parser {
            name: "hl7-v2 0.1.0",
            builds: "untyped borrowed segments",
            parse: |t| Some(Box::new(hl7_v2::Hl7Message::parse(t.as_bytes()).ok()?)),
        },
    ]
}

/// Limits raised for the scaling messages (tens of megabytes, 100 000 segments): the limits are
/// what a server sets, not what the parser can do.
pub fn unlimited() -> hl7_model::message::ParseOptions {
    hl7_model::message::ParseOptions {
        max_message_len: usize::MAX,
        max_segments: usize::MAX,
        max_repetitions: usize::MAX,
        ..Default::default()
    }
}

/// Our parsers and the floor, with [`unlimited`] options, for the scaling table.
pub fn scaling_parsers() -> Vec<Parser> {
    vec![
        Parser {
            name: "split floor",
            builds: "",
            parse: |t| Some(Box::new(split_floor(t))),
        },
        Parser {
            name: "hl7 tokenizer",
            builds: "",
            parse: |t| Some(Box::new(tokenize_all(t)?)),
        },
        Parser {
            name: "hl7 parse",
            builds: "",
            parse: |t| {
                Some(Box::new(
                    hl7_model::message::parse_with(t, &unlimited()).ok()?,
                ))
            },
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_samples_are_what_their_names_say() {
        let s = samples().unwrap();
        let segments = |t: &str| t.split('\r').filter(|l| !l.is_empty()).count();
        let by = |name: &str| &s.iter().find(|x| x.name == name).unwrap().text;
        assert_eq!(segments(by("ORU 50 segments")), 50);
        assert!(by("ORU 5 MB OBX-5").len() > 5 << 20);
        assert!(by("ADT^A01 v2.5").contains("|P|2.5\r"));
        assert_eq!(segments(&many_obx(by("ORU^R01 v2.5.1"), 1000)), 1000);
    }

    #[test]
    fn the_floor_counts_fields_and_every_parser_reads_a_small_message() {
        assert_eq!(split_floor("MSH|^~\\&|A\rPID|1||X^Y\r"), 3 + 4 + 1);
        let ack = &samples().unwrap()[3];
        for p in parsers() {
            assert!((p.parse)(&ack.text).is_some(), "{} refused the ACK", p.name);
        }
    }

    #[test]
    fn the_sparse_form_keeps_only_what_was_sent() {
        let text = "MSH|^~\\&|A||||20240101||ACK|1|P|2.5\rMSA|AA|1\r";
        let body = structure_body(text).unwrap();
        let m = sparse::parse(body, text).unwrap();
        assert_eq!(m.segments.len(), 2);
        // MSA-1 and MSA-2 only.
        assert_eq!(m.segments[1].fields.len(), 2);
        assert_eq!(m.segments[1].fields[1].seq, 2);
    }
}
