//! The ER7 tokenizer, delimiter detection and escapes (`hl7_model::er7`) on hand-built messages,
//! on every corpus message (tests/corpus/messages: each tokenizes, and joining its slices
//! back gives the input with `\r` terminators), on every edge case (tests/corpus/edge_cases:
//! each tokenizes or gives a typed error, never a panic), and on arbitrary and mutated input.

use crate::common::{corpus, files_under, read_lossy};

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

use hl7_model::delimiters::Delimiters;
use hl7_model::er7::escape::{
    self, EscapeKind, EscapeProblem, Format, Piece, decode, escape_formatted, pieces, unescape,
};
use hl7_model::er7::{
    Batch, Er7Error, Field, FindingKind, Item, Segment, TerminatorStyle, Tokenized,
};
use proptest::prelude::*;

/// The input as the tokenizer is documented to see it: no byte order mark, every terminator a
/// `\r`, blank lines (empty, or only whitespace and control characters) left out.
fn normalised(text: &str) -> String {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    text.replace("\r\n", "\r")
        .replace('\n', "\r")
        .split('\r')
        .filter(|l| !l.chars().all(|c| c.is_whitespace() || c.is_control()))
        .collect::<Vec<_>>()
        .join("\r")
}

fn join_field(f: &Field<'_>, d: &Delimiters) -> String {
    let mut reps = Vec::new();
    for r in f.repetitions() {
        let mut comps = Vec::new();
        for c in r.components() {
            let subs: Vec<&str> = c.subcomponents().collect();
            if !d.has_subcomponent() {
                assert_eq!(subs.len(), 1, "split without a subcomponent separator");
            }
            comps.push(subs.join(&d.subcomponent.to_string()));
        }
        reps.push(comps.join(&d.component.to_string()));
    }
    reps.join(&d.repetition.to_string())
}

/// A segment rebuilt from the slices the views hand out, down to subcomponents.
fn rejoin(seg: &Segment<'_>) -> String {
    let d = seg.delimiters();
    let fields: Vec<Field<'_>> = seg.fields().collect();
    assert_eq!(fields.len(), seg.field_count());
    let mut out = seg.id().to_string();
    let mut rest = &fields[..];
    if seg.is_header() {
        // MSH-1 is the separator itself and MSH-2 is never split.
        assert_eq!(fields[0].as_str(), d.field.to_string());
        assert_eq!(fields[1].repetition_count(), 1);
        out.push_str(fields[0].as_str());
        out.push_str(fields[1].as_str());
        rest = &fields[2..];
    }
    for (i, f) in rest.iter().enumerate() {
        let n = i + 1 + if seg.is_header() { 2 } else { 0 };
        assert_eq!(seg.field(n).map(|x| x.as_str()), Some(f.as_str()));
        out.push(d.field);
        out.push_str(&join_field(f, d));
    }
    assert_eq!(out, seg.as_str());
    out
}

fn rejoin_batch(b: &Batch<'_>) -> String {
    b.segments()
        .map(|s| rejoin(&s))
        .collect::<Vec<_>>()
        .join("\r")
}

/// Decodes every leaf of every segment and checks the formatted round trip on it.
fn walk_escapes(b: &Batch<'_>) -> usize {
    let mut leaves = 0;
    for seg in b.segments() {
        let d = *seg.delimiters();
        for (i, f) in seg.fields().enumerate() {
            if seg.is_header() && i < 2 {
                continue;
            }
            for r in f.repetitions() {
                for c in r.components() {
                    for s in c.subcomponents() {
                        leaves += 1;
                        let once = unescape(s, &d);
                        let back = escape_formatted(&once, &d);
                        assert_eq!(unescape(&back, &d), once, "{s:?}");
                        let joined: String = pieces(s, &d).map(|p| p.raw()).collect();
                        assert_eq!(joined, s);
                    }
                }
            }
        }
    }
    leaves
}

fn error_kind(e: &Er7Error) -> String {
    match e {
        Er7Error::BadHeader { source, .. } => {
            let s = format!("{source:?}");
            format!("BadHeader({})", s.split([' ', '{']).next().unwrap())
        }
        other => format!("{other:?}")
            .split([' ', '{'])
            .next()
            .unwrap()
            .to_string(),
    }
}

#[test]
fn every_escape_null_and_the_envelope() {
    // A 2.7 message declaring the truncation character, with every escape the standard
    // defines (HL7 v2.7 ch. 2.7) in an FT value, built here since the corpus has no \H\, \N\,
    // \Cxxyy\ or \Mxxyyzz\.
    let text = "MSH|^~\\&#|LAB|FAC|HIS|FAC|20240101120000||ORU^R01^ORU_R01|1|P|2.7\r\
                PID|1||123^^^HOSP^MR||\"\"^JOHN||\"\"\r\
                OBX|1|FT|NOTE||\\F\\\\S\\\\T\\\\R\\\\E\\\\P\\ \\X48C3A9\\ \\H\\bold\\N\\\
                \\.br\\\\.sp 2\\\\.fi\\\\.nf\\\\.in+4\\\\.ti-2\\\\.sk 3\\\\.ce\\\
                \\C2842\\\\M2442\\\\M242842\\ \\Q\\ end\\\r";
    let msg = Tokenized::parse(text).unwrap();
    let d = *msg.delimiters();
    assert_eq!(d.truncation, Some('#'));
    assert_eq!(msg.encoding_characters(), "^~\\&#");
    assert_eq!(msg.line_report().style(), TerminatorStyle::Cr);

    let pid = msg.segment("PID").unwrap();
    assert!(pid.field(5).unwrap().component(1).unwrap().is_null());
    assert!(!pid.field(5).unwrap().is_null());
    assert!(pid.field(7).unwrap().is_null());
    assert!(pid.field(6).unwrap().is_empty());

    let value = msg.segment("OBX").unwrap().field(5).unwrap().as_str();
    let decoded = decode(value, &d);
    assert_eq!(
        decoded.text,
        "|^&~\\# Hé \\H\\bold\\N\\\\.br\\\\.sp 2\\\\.fi\\\\.nf\\\\.in+4\\\\.ti-2\\\\.sk 3\\\
         \\.ce\\\\C2842\\\\M2442\\\\M242842\\ \\Q\\ end\\"
    );
    let problems: Vec<_> = decoded.findings.iter().map(|f| f.problem).collect();
    assert_eq!(
        problems,
        [EscapeProblem::Unknown, EscapeProblem::Unterminated]
    );
    // Sent back as it came: every kept sequence passes through, nothing is escaped twice.
    let back = escape_formatted(&decoded.text, &d);
    assert_eq!(
        back,
        value
            .replace("\\X48C3A9\\", "Hé")
            .replace("\\Q\\", "\\E\\Q\\E\\")
            .replace(" end\\", " end\\E\\")
    );
    let kinds: Vec<EscapeKind<'_>> = pieces(value, &d)
        .filter_map(|p| match p {
            Piece::Escape(e) => Some(e.kind),
            Piece::Text(_) => None,
        })
        .collect();
    assert_eq!(kinds.len(), 22);
    assert_eq!(kinds[6], EscapeKind::Hex("48C3A9"));
    assert_eq!(kinds[9], EscapeKind::Format(Format::LineBreak));
    assert_eq!(kinds[14], EscapeKind::Format(Format::TemporaryIndent(-2)));
    assert_eq!(kinds[17], EscapeKind::SingleByteCharset("2842"));
    assert_eq!(kinds[19], EscapeKind::MultiByteCharset("242842"));
    assert_eq!(kinds[20], EscapeKind::Invalid(EscapeProblem::Unknown));
    assert_eq!(kinds[21], EscapeKind::Invalid(EscapeProblem::Unterminated));

    // Plain text escapes exactly the delimiters, including the declared truncation character.
    assert_eq!(
        escape::escape("a|b^c&d~e\\f#g", &d),
        "a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f\\P\\g"
    );
}

#[test]
fn custom_delimiters_and_lf_terminators() {
    let text = "MSH$%#!($LAB$FAC$HIS$FAC$20240101$$ADT%A01$1$P$2.5\n\
                PID$1$$123%%%HOSP%MR#456%%%NAT%NI$$DOE%JOHN(J$19700101\n\
                NTE$1$$a !F! b !S! c !T! d !R! e !E! f|^~\\&\n";
    let msg = Tokenized::parse(text).unwrap();
    let d = *msg.delimiters();
    assert_eq!(
        (d.field, d.component, d.repetition, d.escape, d.subcomponent),
        ('$', '%', '#', '!', '(')
    );
    assert_eq!(msg.line_report().style(), TerminatorStyle::Lf);
    assert!(!msg.line_report().unterminated);
    let h = msg.header();
    assert_eq!(h.field(1).unwrap().as_str(), "$");
    assert_eq!(h.field(2).unwrap().as_str(), "%#!(");
    assert_eq!(h.field(9).unwrap().component(2).unwrap().as_str(), "A01");
    let pid = msg.segment("PID").unwrap();
    let ids = pid.field(3).unwrap();
    assert_eq!(ids.repetition_count(), 2);
    assert_eq!(
        ids.repetition(1).unwrap().component(5).unwrap().as_str(),
        "NI"
    );
    let name = pid.field(5).unwrap().component(2).unwrap();
    assert_eq!(name.subcomponents().collect::<Vec<_>>(), ["JOHN", "J"]);
    let note = msg.segment("NTE").unwrap().field(3).unwrap().as_str();
    assert_eq!(unescape(note, &d), "a $ b % c ( d # e ! f|^~\\&");
    assert_eq!(escape::escape(&unescape(note, &d), &d), note);
    assert_eq!(msg.to_er7(), text.replace('\n', "\r"));
}

#[test]
fn mixed_terminators_blank_lines_and_no_final_terminator() {
    let text = "MSH|^~\\&|A\r\n\r\nEVN|A01\n\nPID|1\r\x0b\rPV1|1";
    let msg = Tokenized::parse(text).unwrap();
    let r = msg.line_report();
    assert_eq!(r.style(), TerminatorStyle::Mixed);
    assert_eq!(
        (r.cr, r.lf, r.crlf, r.blank_lines, r.noise_lines),
        (2, 2, 2, 2, 1)
    );
    assert!(r.unterminated);
    let ids: Vec<_> = msg.segments().iter().map(|s| s.id()).collect();
    assert_eq!(ids, ["MSH", "EVN", "PID", "PV1"]);
    assert_eq!(
        msg.findings().iter().map(|f| f.kind).collect::<Vec<_>>(),
        [FindingKind::NoiseLine { len: 1 }]
    );
}

#[test]
fn short_and_long_encoding_characters() {
    // Three characters: no subcomponent separator, `&` is text.
    let msg = Tokenized::parse("MSH|^~\\|A\rPID|1||Fish&Chips^x").unwrap();
    let c = msg
        .segment("PID")
        .unwrap()
        .field(3)
        .unwrap()
        .component(1)
        .unwrap();
    assert_eq!(c.subcomponent_count(), 1);
    assert_eq!(c.as_str(), "Fish&Chips");
    // Six characters: an error at the MSH.
    let e = Tokenized::parse("PID|1\rMSH|^~\\&#!|A").unwrap_err();
    assert_eq!((e.segment(), e.offset()), (Some(2), Some(6)));
    assert_eq!(error_kind(&e), "BadHeader(TooManyEncodingCharacters)");
}

#[test]
fn corpus_messages_tokenize_and_join_back() {
    let files = files_under(&corpus().join("messages"), Some("hl7"));
    assert!(files.len() > 300, "corpus not found: {} files", files.len());
    let (mut messages, mut segments, mut leaves, mut envelopes) = (0, 0, 0, 0);
    let mut findings: BTreeMap<String, usize> = BTreeMap::new();
    let mut styles: BTreeMap<String, usize> = BTreeMap::new();
    for file in &files {
        let text = read_lossy(file);
        let batch = Batch::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert_eq!(
            rejoin_batch(&batch),
            normalised(&text),
            "{}",
            file.display()
        );
        let mut er7 = String::new();
        batch.write_er7(&mut er7);
        assert_eq!(er7.trim_end_matches('\r'), normalised(&text));
        leaves += walk_escapes(&batch);
        messages += batch.messages().count();
        segments += batch.segments().count();
        envelopes += usize::from(batch.is_enveloped());
        *styles
            .entry(format!("{:?}", batch.line_report().style()))
            .or_default() += 1;
        for f in batch.all_findings() {
            let k = format!("{:?}", f.kind);
            *findings
                .entry(k.split([' ', '{']).next().unwrap().to_string())
                .or_default() += 1;
        }
        // A file with one message and no envelope reads the same as one tokenized message.
        if !batch.is_enveloped() && batch.messages().count() == 1 {
            let m = Tokenized::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            assert_eq!(m.segments(), batch.messages().next().unwrap().segments());
        }
        // Written back with the original terminators, the text comes back byte for byte
        // (less the skipped lines and byte order mark).
        let r = batch.line_report();
        if r.blank_lines == 0 && r.noise_lines == 0 && !text.starts_with('\u{feff}') {
            let mut orig = String::new();
            batch.write_original(&mut orig);
            assert_eq!(orig, text, "{}", file.display());
        }
    }
    eprintln!(
        "corpus: {} files, {messages} messages, {segments} segments, {leaves} values, \
         {envelopes} with an envelope; terminators {styles:?}; findings {findings:?}",
        files.len()
    );
    assert!(messages >= files.len());
}

#[test]
fn corpus_batches_keep_their_envelope() {
    let root = corpus().join("messages");
    let text = read_lossy(&root.join("ruby-hl7/realm-bad-batch.hl7"));
    let batch = Batch::parse(&text).unwrap();
    let ids: Vec<_> = batch.envelope().map(|s| s.id()).collect();
    assert_eq!(ids, ["FHS", "BHS", "BTS", "FTS"]);
    assert_eq!(batch.messages().count(), 2);
    for item in batch.items() {
        if let Item::Envelope(s) = item {
            assert!(text.contains(s.as_str()));
        }
    }
}

#[test]
fn edge_cases_tokenize_or_fail_with_a_typed_error() {
    let files = files_under(&corpus().join("edge_cases"), None);
    assert!(files.len() >= 60, "edge cases not found: {}", files.len());
    let (mut ok, mut failed) = (0, 0);
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for file in &files {
        let text = read_lossy(file);
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let _ = Tokenized::parse(&text);
            match Batch::parse(&text) {
                Ok(b) => {
                    assert_eq!(rejoin_batch(&b), normalised(&text));
                    walk_escapes(&b);
                    Ok(())
                }
                Err(e) => {
                    // A typed error points into the text.
                    if let Some(off) = e.offset() {
                        assert!(off <= text.len() && text.is_char_boundary(off));
                    }
                    assert!(!e.to_string().is_empty());
                    Err(error_kind(&e))
                }
            }
        }));
        match outcome {
            Ok(Ok(())) => ok += 1,
            Ok(Err(kind)) => {
                failed += 1;
                eprintln!("{}: {kind}", file.display());
                *kinds.entry(kind).or_default() += 1;
            }
            Err(_) => panic!("{} panicked", file.display()),
        }
    }
    eprintln!(
        "edge cases: {} files, {ok} tokenized, {failed} typed errors: {kinds:?}",
        files.len()
    );
    assert_eq!(ok + failed, files.len());
}

/// Every view, iterator and escape function on whatever the parsers accept.
fn exercise(text: &str) {
    if let Ok(m) = Tokenized::parse(text) {
        assert_eq!(m.header().id(), "MSH");
        for s in m.segments() {
            rejoin(s);
        }
    }
    match Batch::parse(text) {
        Ok(b) => {
            assert_eq!(rejoin_batch(&b), normalised(text));
            walk_escapes(&b);
            let _ = b.all_findings();
        }
        Err(e) => {
            let _ = (e.segment(), e.offset(), e.to_string());
        }
    }
    let d = Delimiters::default();
    let _ = decode(text, &d);
    let _ = escape_formatted(text, &d);
}

fn corpus_texts() -> Vec<String> {
    files_under(&corpus().join("messages"), Some("hl7"))
        .iter()
        .map(|p| read_lossy(p))
        .collect()
}

/// Characters that matter to the tokenizer, and a few that test UTF-8 boundaries.
fn interesting_char() -> impl Strategy<Value = char> {
    prop_oneof![
        prop::sample::select(vec![
            '|', '^', '~', '\\', '&', '#', '\r', '\n', '"', 'M', 'S', 'H', 'X', '.', '0', 'é', '€',
            '\u{feff}', '\u{b}', '\u{1c}', ' ', 'F', 'B', 'T',
        ]),
        any::<char>(),
    ]
}

#[derive(Debug, Clone)]
enum Edit {
    Insert(usize, String),
    Delete(usize, usize),
    Replace(usize, char),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (
            any::<usize>(),
            prop::collection::vec(interesting_char(), 1..6)
        )
            .prop_map(|(at, cs)| Edit::Insert(at, cs.into_iter().collect())),
        (any::<usize>(), 1usize..20).prop_map(|(at, n)| Edit::Delete(at, n)),
        (any::<usize>(), interesting_char()).prop_map(|(at, c)| Edit::Replace(at, c)),
    ]
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for e in edits {
        let len = chars.len();
        match e {
            Edit::Insert(at, s) => {
                let at = at % (len + 1);
                chars.splice(at..at, s.chars());
            }
            Edit::Delete(at, n) if len > 0 => {
                let at = at % len;
                chars.drain(at..(at + n).min(len));
            }
            Edit::Replace(at, c) if len > 0 => chars[at % len] = *c,
            _ => {}
        }
    }
    chars.into_iter().collect()
}

const POOL: &str = "|^~\\&#$%!(@*+:;/?<>=_{}[]¦€";

/// Characters that make up escape sequences, delimiters of any [`delimiters`], and line ends.
fn wire_char() -> impl Strategy<Value = char> {
    let mut set: Vec<char> = POOL.chars().collect();
    set.extend("XFSTREPHNCM.0123456789ABCDEFabrspinftkce+- é\r\n".chars());
    prop::sample::select(set)
}

fn delimiters() -> impl Strategy<Value = Delimiters> {
    let pool = POOL;
    prop::sample::subsequence(pool.chars().collect::<Vec<_>>(), 6)
        .prop_shuffle()
        .prop_flat_map(|c| {
            (Just(c), any::<bool>(), any::<bool>()).prop_map(|(c, sub, trunc)| Delimiters {
                field: c[0],
                component: c[1],
                repetition: c[2],
                escape: c[3],
                subcomponent: if sub {
                    c[4]
                } else {
                    Delimiters::NO_SUBCOMPONENT
                },
                truncation: (sub && trunc).then_some(c[5]),
            })
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        exercise(&text);
    }

    #[test]
    fn header_like_text_never_panics(
        head in prop::collection::vec(interesting_char(), 0..12),
        body in prop::collection::vec(interesting_char(), 0..80),
    ) {
        let text: String = "MSH".chars().chain(head).chain("\rPID|".chars()).chain(body).collect();
        exercise(&text);
        let _ = Delimiters::read_header(&text);
    }

    #[test]
    fn plain_escape_round_trips(text in any::<String>(), d in delimiters()) {
        prop_assert!(d.validate().is_ok());
        let wire = escape::escape(&text, &d);
        prop_assert!(!wire.contains(['\r', '\n']));
        prop_assert!(!wire.contains(d.field) && !wire.contains(d.component));
        let back = unescape(&wire, &d).into_owned();
        prop_assert_eq!(back, text);
    }

    #[test]
    fn formatted_escape_round_trips_decoded_values(
        wire in prop::collection::vec(wire_char(), 0..40),
        d in delimiters(),
    ) {
        let wire: String = wire.into_iter().collect();
        let once = unescape(&wire, &d);
        let back = escape_formatted(&once, &d);
        let again = unescape(&back, &d).into_owned();
        prop_assert_eq!(again.as_str(), once.as_ref());
        let plain = escape::escape(&once, &d);
        let again = unescape(&plain, &d).into_owned();
        prop_assert_eq!(again.as_str(), once.as_ref());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 384, ..ProptestConfig::default() })]

    #[test]
    fn mutated_corpus_messages_never_panic(
        pick in any::<prop::sample::Index>(),
        edits in prop::collection::vec(edit(), 1..8),
    ) {
        thread_local! {
            static TEXTS: Vec<String> = corpus_texts();
        }
        let text = TEXTS.with(|t| apply(&t[pick.index(t.len())], &edits));
        exercise(&text);
    }
}

/// A capture of MLLP frames (the corpus's `mllp_raw`): each frame's start block is skipped
/// and reported, end blocks are noise, and every message parses into its typed structure.
#[test]
fn mllp_captures_read_as_their_messages() {
    let files = files_under(&corpus().join("mllp_raw"), None);
    assert!(!files.is_empty());
    for file in files {
        let text = read_lossy(&file);
        // A frame begins with its start block and an MSH; a last, empty start block is noise.
        let frames = text.matches("\u{b}MSH").count();
        let batch = Batch::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert_eq!(batch.messages().count(), frames, "{}", file.display());
        for m in batch.messages() {
            assert_eq!(m.segments()[0].id(), "MSH");
            assert!(
                m.findings()
                    .iter()
                    .any(|f| f.kind == FindingKind::MllpStartBlock)
            );
            let parsed = hl7_model::message::parse(m.as_str())
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            // What is written back is the frame's content, without the framing.
            let content: String = m
                .segments()
                .iter()
                .map(|s| format!("{}\r", s.as_str()))
                .collect();
            assert_eq!(parsed.to_er7(), content, "{}", file.display());
        }
    }
    let framed = "\u{b}MSH|^~\\&|A||||||ADT^A01|1|P|2.5\rPID|1\r\u{1c}\r\u{b}MSH|^~\\&|A||||||ADT^A01|2|P|2.5\rPID|2\r\u{1c}\r";
    let all = hl7_model::message::parse_all(framed, &Default::default()).unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[1].to_er7(), "MSH|^~\\&|A||||||ADT^A01|2|P|2.5\rPID|2\r");
}
