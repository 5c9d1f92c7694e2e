//! The JSON form of the lean message (`hl7_model::json::MessageJson`, `Serialize` for
//! `Message`): on every corpus message (tests/corpus/messages), on the hostile edge cases,
//! on messages made for the form's corners and on generated ones, the JSON re-parses and holds
//! every segment of the message, each value where the ER7 tokenizer finds it in the text; values
//! of real messages come out as the form promises; and the documents are those recorded in
//! `tests/golden/json_digests.tsv` and the snapshots.

use std::fmt::Write as _;

use crate::common::{corpus, corpus_messages, files_under, read_lossy};

use hl7_model::delimiters::Delimiters;
use hl7_model::descriptor::{SegmentDesc, VersionDesc};
use hl7_model::er7::escape::unescape;
use hl7_model::json::MessageJson;
use hl7_model::message::{Message, ParseOptions};
use proptest::prelude::*;
use serde_json::{Value, json};

/// The one message `text`, read lean with the default options.
fn parse_text(text: &str) -> Message {
    Message::parse(text, &ParseOptions::default()).unwrap_or_else(|e| panic!("{e}: {text:?}"))
}

/// The one message of corpus file `rel` (under `messages/`), parsed.
fn parse(rel: &str) -> Message {
    let text = read_lossy(&corpus().join("messages").join(rel));
    Message::parse(&text, &ParseOptions::default()).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The message's JSON, written as text and read back.
fn to_json(m: &Message) -> Value {
    let text = serde_json::to_string(m).expect("serialises");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// The JSON of corpus file `rel`'s message.
fn json_of(rel: &str) -> Value {
    to_json(&parse(rel))
}

/// The JSON of `m` with its keys in the order they were written.
fn doc_of(m: &Message) -> Doc {
    Doc::read(&serde_json::to_string(m).expect("serialises")).expect("reads back")
}

/// A JSON document with the keys of its objects in the order they were written
/// (`serde_json::Value` sorts them): what the tests of order read.
#[derive(Debug, Clone, PartialEq)]
enum Doc {
    Null,
    Bool(bool),
    Number(String),
    Str(String),
    Array(Vec<Doc>),
    Object(Vec<(String, Doc)>),
}

impl Doc {
    /// The document `text`, which must be JSON and nothing else.
    fn read(text: &str) -> Result<Doc, String> {
        let mut r = DocReader { text, at: 0 };
        let doc = r.value()?;
        r.skip_space();
        if r.at != text.len() {
            return Err(format!("JSON followed by more at byte {}", r.at));
        }
        Ok(doc)
    }

    /// The value of key `key`, when this is an object that has it.
    fn get(&self, key: &str) -> Option<&Doc> {
        match self {
            Doc::Object(items) => items.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The keys of an object, in the order they were written.
    fn keys(&self) -> Vec<&str> {
        match self {
            Doc::Object(items) => items.iter().map(|(k, _)| k.as_str()).collect(),
            _ => Vec::new(),
        }
    }
}

/// Reads a [`Doc`]; its strings are decoded by `serde_json`.
struct DocReader<'t> {
    text: &'t str,
    at: usize,
}

impl DocReader<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn skip_space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\n' | b'\r' | b'\t')) {
            self.at += 1;
        }
    }

    /// Skips space, then `b` if it is next.
    fn eat(&mut self, b: u8) -> bool {
        self.skip_space();
        let found = self.peek() == Some(b);
        if found {
            self.at += 1;
        }
        found
    }

    fn expect(&mut self, b: u8) -> Result<(), String> {
        if self.eat(b) {
            Ok(())
        } else {
            Err(format!("`{}` expected at byte {}", b as char, self.at))
        }
    }

    fn string(&mut self) -> Result<String, String> {
        let start = self.at;
        self.expect(b'"')?;
        loop {
            match self.peek() {
                Some(b'\\') => self.at += 2,
                Some(b'"') => break,
                Some(_) => self.at += 1,
                None => return Err("unterminated string".to_owned()),
            }
        }
        self.at += 1;
        let raw = &self.text[start..self.at];
        serde_json::from_str(raw).map_err(|e| format!("{e}: {raw}"))
    }

    /// A sequence of `item`s between `open` and `close`, separated by commas.
    fn sequence<T>(
        &mut self,
        open: u8,
        close: u8,
        mut item: impl FnMut(&mut Self) -> Result<T, String>,
    ) -> Result<Vec<T>, String> {
        self.expect(open)?;
        let mut items = Vec::new();
        if self.eat(close) {
            return Ok(items);
        }
        loop {
            items.push(item(self)?);
            if !self.eat(b',') {
                self.expect(close)?;
                return Ok(items);
            }
        }
    }

    fn value(&mut self) -> Result<Doc, String> {
        self.skip_space();
        let rest = &self.text[self.at..];
        for (word, doc) in [
            ("null", Doc::Null),
            ("true", Doc::Bool(true)),
            ("false", Doc::Bool(false)),
        ] {
            if rest.starts_with(word) {
                self.at += word.len();
                return Ok(doc);
            }
        }
        match self.peek() {
            Some(b'{') => self
                .sequence(b'{', b'}', |r| {
                    let key = r.string()?;
                    r.expect(b':')?;
                    Ok((key, r.value()?))
                })
                .map(Doc::Object),
            Some(b'[') => self.sequence(b'[', b']', Self::value).map(Doc::Array),
            Some(b'"') => self.string().map(Doc::Str),
            _ => {
                let n = rest
                    .find(|c: char| !matches!(c, '0'..='9' | '-' | '+' | '.' | 'e' | 'E'))
                    .unwrap_or(rest.len());
                if n == 0 {
                    return Err(format!("a value expected at byte {}", self.at));
                }
                self.at += n;
                Ok(Doc::Number(rest[..n].to_owned()))
            }
        }
    }
}

/// One segment as the JSON holds it, in document order.
enum JsonSegment<'v> {
    /// A segment placed at an item keyed `key` (`PID`, `ROL_6`): its fields.
    Placed {
        key: &'v str,
        fields: &'v [(String, Doc)],
    },
    /// A segment of a generic message (`"segments"`): its wire text.
    Generic(&'v str),
}

/// The segments of JSON group `group`, in document order, and the wire text of those kept
/// outside the grammar (`"unexpected"`). A segment's keys all hold a dot (`PID.3`) and a
/// group's never do, and a group that occurred holds something: `{}` is a segment with no
/// field.
fn json_segments<'v>(
    group: &'v Doc,
    placed: &mut Vec<JsonSegment<'v>>,
    unexpected: &mut Vec<&'v str>,
) -> Result<(), String> {
    let Doc::Object(items) = group else {
        return Err(format!("a group is an object: {group:?}"));
    };
    for (key, value) in items {
        if key == "unexpected" || key == "segments" {
            let Doc::Array(raw) = value else {
                return Err(format!("{key} is an array: {value:?}"));
            };
            for r in raw {
                let Doc::Str(text) = r else {
                    return Err(format!("{key} holds wire text: {value:?}"));
                };
                if key == "unexpected" {
                    unexpected.push(text);
                } else {
                    placed.push(JsonSegment::Generic(text));
                }
            }
            continue;
        }
        let occurrences = match value {
            Doc::Array(a) => a.iter().collect(),
            other => vec![other],
        };
        for o in occurrences {
            let Doc::Object(fields) = o else {
                return Err(format!("an occurrence of {key} is an object: {o:?}"));
            };
            if fields.is_empty() || fields.iter().any(|(k, _)| k.contains('.')) {
                placed.push(JsonSegment::Placed { key, fields });
            } else {
                json_segments(o, placed, unexpected)?;
            }
        }
    }
    Ok(())
}

/// Where a value sits in a field: a repetition, a component, a subcomponent (or below, in a
/// composite a subcomponent's datatype names, where the only part is the text itself).
#[derive(Clone, Copy, Debug)]
enum Depth {
    Repetition,
    Component,
    Subcomponent,
}

/// The parts of `text` at `depth`, from 1: the components of a repetition, the subcomponents
/// of a component; a subcomponent is its own only part.
fn parts<'t>(text: &'t str, depth: Depth, d: &Delimiters) -> (Vec<&'t str>, Depth) {
    match depth {
        Depth::Repetition => (text.split(d.component).collect(), Depth::Component),
        Depth::Component => (text.split(d.subcomponent).collect(), Depth::Subcomponent),
        Depth::Subcomponent => (vec![text], Depth::Subcomponent),
    }
}

/// Checks JSON value `v` against the wire text `text` it was written from, at `depth`: `""`
/// is null and nothing else is; a string is the text decoded, or as sent (text beyond a
/// definition); an object has a key (`CE.2`, or `2` where no datatype names the parts) for
/// each part sent, in order, each checked in turn.
fn check_value(v: &Doc, text: &str, depth: Depth, d: &Delimiters, at: &str) -> Result<(), String> {
    let null = text == "\"\"";
    match v {
        Doc::Null if null => Ok(()),
        _ if null => Err(format!("{at}: `\"\"` sent, {v:?} written")),
        Doc::Null => Err(format!("{at}: null written for {text:?}")),
        Doc::Str(s) => {
            if *s == unescape(text, d) || s == text {
                Ok(())
            } else {
                Err(format!("{at}: {s:?} written for {text:?}"))
            }
        }
        Doc::Object(o) => {
            let (parts, below) = parts(text, depth, d);
            let sent: Vec<usize> = (1..=parts.len())
                .filter(|&n| !parts[n - 1].is_empty())
                .collect();
            let mut prefix = None;
            let mut keys = Vec::new();
            for (k, value) in o {
                let (p, n) = k.rsplit_once('.').unwrap_or(("", k));
                if *prefix.get_or_insert(p) != p {
                    return Err(format!("{at}: keys of two datatypes in {v:?}"));
                }
                let n: usize = n
                    .parse()
                    .map_err(|_| format!("{at}: key {k:?} is not a position"))?;
                keys.push(n);
                let part = parts.get(n.wrapping_sub(1)).copied().unwrap_or("");
                check_value(value, part, below, d, &format!("{at}/{k}"))?;
            }
            if keys != sent {
                return Err(format!(
                    "{at}: parts {keys:?} written, parts {sent:?} sent in {text:?}"
                ));
            }
            Ok(())
        }
        other => Err(format!("{at}: {other:?} written for {text:?}")),
    }
}

/// Checks the JSON of one segment (`key`, its `fields`) against the segment the tokenizer
/// read and its definition `def` in the message's version: the same segment id; a key `ID.n`
/// for each field sent and for no other, in order; MSH-1 and MSH-2 the delimiters verbatim; a
/// field beyond the definition its wire text; a repeating field an array of the repetitions
/// sent, any other field one value, or an array of that value and the other repetitions sent
/// as wire text; the values of a composite field keyed by its datatype; and every value where
/// the text holds it (see [`check_value`]).
fn check_segment(
    key: &str,
    fields: &[(String, Doc)],
    seg: &hl7_model::er7::Segment<'_>,
    def: Option<&SegmentDesc>,
) -> Result<(), String> {
    let id = match key.rsplit_once('_') {
        Some((id, n)) if n.parse::<usize>().is_ok() => id,
        _ => key,
    };
    if seg.id() != id {
        return Err(format!("{key} written for segment {:?}", seg.as_str()));
    }
    let d = seg.delimiters();
    let sent: Vec<usize> = (1..=seg.field_count())
        .filter(|&n| seg.field(n).is_some_and(|f| !f.is_empty()))
        .collect();
    let mut written = Vec::new();
    for (k, v) in fields {
        let n: usize = k
            .strip_prefix(id)
            .and_then(|k| k.strip_prefix('.'))
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| format!("{key}: key {k:?}"))?;
        written.push(n);
        let field = seg
            .field(n)
            .ok_or_else(|| format!("{k} written, not sent"))?;
        let text = field.as_str();
        let at = format!("{k} of {:?}", seg.as_str());
        let wire = |v: &Doc, text: &str| match v {
            Doc::Str(s) if s == text => Ok(()),
            _ => Err(format!("{at}: {v:?} written for wire text {text:?}")),
        };
        let Some(desc) = def.and_then(|def| def.fields.get(n - 1)) else {
            wire(v, text)?;
            continue;
        };
        if seg.is_header() && n <= 2 {
            // The delimiters themselves; MSH-2 sent as `""` is kept as the empty string.
            if !matches!(v, Doc::Str(s) if s == text || (text == "\"\"" && s.is_empty())) {
                return Err(format!("{at}: {v:?} written for the delimiters {text:?}"));
            }
            continue;
        }
        let reps: Vec<&str> = field.repetitions().map(|r| r.as_str()).collect();
        let values: Vec<&Doc> = match v {
            Doc::Array(values) if values.len() == reps.len() => values.iter().collect(),
            Doc::Array(values) => {
                return Err(format!(
                    "{at}: {} repetitions written, {} sent",
                    values.len(),
                    reps.len()
                ));
            }
            v if desc.card.repeats() => {
                return Err(format!("{at}: a repeating field written as {v:?}"));
            }
            v if reps.len() > 1 => {
                return Err(format!("{at}: one value written for repetitions {v:?}"));
            }
            v => vec![v],
        };
        for (i, (value, rep)) in values.into_iter().zip(reps).enumerate() {
            let at = format!("{at}/{i}");
            if i > 0 && !desc.card.repeats() {
                wire(value, rep)?;
                continue;
            }
            check_value(value, rep, Depth::Repetition, d, &at)?;
            if let Doc::Object(parts) = value
                && desc.datatype != "varies"
                && let Some((k, _)) = parts
                    .iter()
                    .find(|(k, _)| k.rsplit_once('.').map(|(p, _)| p) != Some(desc.datatype))
            {
                return Err(format!(
                    "{at}: key {k} in a field of datatype {}",
                    desc.datatype
                ));
            }
        }
    }
    if written != sent {
        return Err(format!(
            "{key}: fields {written:?} written, fields {sent:?} sent in {:?}",
            seg.as_str()
        ));
    }
    Ok(())
}

/// Checks JSON document `v` of a message against the segments the ER7 tokenizer reads from
/// its text `text`: every segment is in the JSON once, placed ones in message order with each
/// value where the text holds it, the others under `"unexpected"` as sent. Gives how many
/// segments were checked.
fn check_against_the_text(v: &Doc, text: &str, version: &VersionDesc) -> Result<usize, String> {
    let tokens = hl7_model::er7::Tokenized::parse(text).map_err(|e| e.to_string())?;
    let segments = tokens.segments();
    let (mut placed, mut unexpected) = (Vec::new(), Vec::new());
    let message = v.get("message").ok_or("no message")?;
    json_segments(message, &mut placed, &mut unexpected)?;
    let mut next = segments.iter();
    for p in &placed {
        // The segments before the one this JSON segment was written from went under
        // "unexpected".
        loop {
            let seg = next
                .next()
                .ok_or_else(|| "the JSON holds more segments than the text".to_owned())?;
            let matched = match p {
                JsonSegment::Placed { key, fields } => {
                    check_segment(key, fields, seg, version.segment(seg.id()))
                }
                JsonSegment::Generic(wire) if *wire == seg.as_str() => Ok(()),
                JsonSegment::Generic(wire) => Err(format!("{wire:?} written for {seg:?}")),
            };
            match matched {
                Ok(()) => break,
                Err(e) => match unexpected.iter().position(|u| *u == seg.as_str()) {
                    Some(i) => {
                        unexpected.swap_remove(i);
                    }
                    None => return Err(e),
                },
            }
        }
    }
    for seg in next {
        match unexpected.iter().position(|u| *u == seg.as_str()) {
            Some(i) => {
                unexpected.swap_remove(i);
            }
            None => return Err(format!("segment {:?} is not in the JSON", seg.as_str())),
        }
    }
    if !unexpected.is_empty() {
        return Err(format!("unexpected segments not sent: {unexpected:?}"));
    }
    Ok(segments.len())
}

/// Checks the JSON of one message `text` as read lean: the document re-parses, names the
/// version and structure the message was read as, holds every segment (see
/// [`check_against_the_text`]), and its indented form is the same document. Gives the number
/// of segments, or `None` when the message does not parse.
fn check_message_json(text: &str) -> Result<Option<usize>, String> {
    let Ok(m) = Message::parse(text, &ParseOptions::default()) else {
        return Ok(None);
    };
    let written = serde_json::to_string(&m).map_err(|e| e.to_string())?;
    let v: Value = serde_json::from_str(&written).map_err(|e| format!("{e}: {written}"))?;
    if v["version"] != m.version().version || v["structure"] != m.structure().id {
        return Err(format!("version and structure: {v}"));
    }
    let doc = Doc::read(&written)?;
    if doc.keys() != ["version", "structure", "message"] {
        return Err(format!("the keys of a message: {written}"));
    }
    let pretty = serde_json::to_string_pretty(&m).map_err(|e| e.to_string())?;
    if Doc::read(&pretty).as_ref() != Ok(&doc) {
        return Err(format!("the indented form differs: {pretty}"));
    }
    check_against_the_text(&doc, text, m.version())
        .map(Some)
        .map_err(|e| format!("{e}\nin {written}"))
}

/// Checks every message of `text` (one message, several, or a batch) with
/// [`check_message_json`]; gives how many messages and segments were checked.
fn check_every_message(text: &str, what: &str) -> (usize, usize) {
    let Ok(batch) = hl7_model::er7::Batch::parse(text) else {
        return (0, 0);
    };
    let (mut messages, mut segments) = (0, 0);
    for m in batch.messages() {
        match check_message_json(m.as_str()) {
            Ok(Some(n)) => {
                messages += 1;
                segments += n;
            }
            Ok(None) => {}
            Err(e) => panic!("{what}: {e}"),
        }
    }
    (messages, segments)
}

/// The check of a document against its text finds a value changed, moved, nulled or dropped,
/// a segment dropped, added or moved, and a repeating field written as one value.
#[test]
fn the_check_against_the_text_finds_what_a_document_gets_wrong() {
    let text = "MSH|^~\\&|A||||20240101||ADT^A01|1|P|2.5\rEVN|A01\rPID|1||7~8||Doe^John|\"\"\rPV1|1|I\rZPV|x\r";
    let m = parse_text(text);
    let written = serde_json::to_string(&m).unwrap();
    let check = |json: &str| check_against_the_text(&Doc::read(json).unwrap(), text, m.version());
    assert_eq!(check(&written), Ok(5));
    for (from, to) in [
        (r#""XPN.2":"John""#, r#""XPN.2":"Jon""#),
        (r#""XPN.2":"John""#, r#""XPN.3":"John""#),
        (r#""XPN.2":"John""#, r#""XPN.2":null"#),
        (r#","XPN.2":"John""#, ""),
        (r#""PID.6":[null]"#, r#""PID.6":[""]"#),
        (r#""PID.1":"1","#, ""),
        (
            r#""PID.3":[{"CX.1":"7"},{"CX.1":"8"}]"#,
            r#""PID.3":{"CX.1":"7"}"#,
        ),
        (
            r#""PID.3":[{"CX.1":"7"},{"CX.1":"8"}]"#,
            r#""PID.3":[{"CX.1":"8"},{"CX.1":"7"}]"#,
        ),
        (
            r#""PID.3":[{"CX.1":"7"},{"CX.1":"8"}]"#,
            r#""PID.3":[{"XPN.1":"7"},{"XPN.1":"8"}]"#,
        ),
        (r#","PV1":{"PV1.1":"1","PV1.2":"I"}"#, ""),
        (r#""ZPV|x""#, r#""ZPV|y""#),
        (r#","unexpected":["ZPV|x"]"#, ""),
        (
            r#""unexpected":["ZPV|x"]"#,
            r#""unexpected":["ZPV|x","ZPV|x"]"#,
        ),
        (r#""EVN":{"EVN.1":"A01"},"#, ""),
    ] {
        assert!(written.contains(from), "{from} is not in {written}");
        let wrong = written.replacen(from, to, 1);
        assert!(check(&wrong).is_err(), "{from} → {to} passes: {wrong}");
    }
    // Segments in another order.
    let swapped = written.replacen(r#""EVN":{"EVN.1":"A01"},"PID""#, r#""PID""#, 1);
    let swapped = swapped.replacen(r#","PV1""#, r#","EVN":{"EVN.1":"A01"},"PV1""#, 1);
    assert!(check(&swapped).is_err(), "{swapped}");
}

#[test]
fn every_corpus_message_serialises_to_json_that_reparses_with_every_segment() {
    let (mut messages, mut segments) = (0, 0);
    for (file, text) in corpus_messages() {
        // Batches and files of several messages: each message is a document.
        let (m, s) = check_every_message(&text, &file.display().to_string());
        messages += m;
        segments += s;
    }
    eprintln!("messages serialised: {messages}, segments: {segments}");
    assert!(
        messages >= 415,
        "the corpus holds over 415 messages; {messages} serialised"
    );
}

#[test]
fn every_hostile_edge_case_that_parses_serialises_with_every_segment() {
    let mut messages = 0;
    for file in files_under(&corpus().join("edge_cases"), None) {
        messages += check_every_message(&read_lossy(&file), &file.display().to_string()).0;
    }
    eprintln!("edge cases serialised: {messages}");
    assert!(messages >= 1, "{messages} edge cases serialised");
}

#[test]
fn pid5_names_have_their_parts_decoded_with_null_kept() {
    // 2.5: XPN.1 is the FN composite; `TEST\F\TEST` holds an escaped field separator and
    // XPN.6 was sent as `""`.
    let v = json_of("hl7-dotnetcore/Program_L837.hl7");
    assert_eq!(
        v["message"]["PID"]["PID.5"],
        json!([{"XPN.1": {"FN.1": "TEST|TEST"}, "XPN.2": "TEST2", "XPN.5": "SIG.", "XPN.6": null}])
    );
    // 2.3: XPN.1 is a plain string, and PID-5 does not repeat yet: an object.
    let v = json_of("python-hl7/samples_L319.hl7");
    assert_eq!(v["version"], "2.3");
    assert_eq!(
        v["message"]["PID"]["PID.5"],
        json!({"XPN.1": "RUFUSS", "XPN.2": "MELLODIAL", "XPN.7": "CURRENT"})
    );
}

#[test]
fn obx5_is_split_by_the_datatype_obx2_names() {
    let v = json_of("elixir-hl7/examples_L41.hl7");
    assert_eq!(v["version"], "2.5.1");
    let obx = &v["message"]["ORDER"][0]["OBSERVATION"][0]["OBX"];
    assert_eq!(obx["OBX.2"], "CE");
    assert_eq!(
        obx["OBX.5"],
        json!([{"CE.1": "V03", "CE.2": "VFC eligible - Uninsured", "CE.3": "HL70064"}])
    );
    // A value without component separators stays a string.
    let ts = &v["message"]["ORDER"][0]["OBSERVATION"][2]["OBX"];
    assert_eq!(
        (&ts["OBX.2"], &ts["OBX.5"]),
        (&json!("TS"), &json!(["20120702"]))
    );

    let v = json_of("node-hl7-complete/realm-cj.hl7");
    let obx = &v["message"]["PATIENT_RESULT"][0]["ORDER_OBSERVATION"][0]["OBSERVATION"][0]["OBX"];
    assert_eq!(obx["OBX.2"], "CWE");
    assert_eq!(
        obx["OBX.5"],
        json!([{"CWE.1": "66543000", "CWE.2": "Campylobacter jejuni", "CWE.3": "SCT", "CWE.7": "January 2007"}])
    );

    // SN (2.4): an empty comparator, then the number.
    let v = json_of("rust-hl7/decoder_L64.hl7");
    let obx = &v["message"]["PATIENT_RESULT"][0]["ORDER_OBSERVATION"][0]["OBSERVATION"][0]["OBX"];
    assert_eq!(obx["OBX.5"], json!([{"SN.2": "182"}]));
}

#[test]
fn repeating_fields_are_arrays() {
    let v = json_of("python-hl7/samples_L319.hl7");
    assert_eq!(
        v["message"]["PID"]["PID.3"],
        json!([
            {"CX.1": "2148790", "CX.4": {"HD.1": "MSH_MRN"}, "CX.5": "MR"},
            {"CX.1": "162840", "CX.4": {"HD.1": "MSH_EMPI"}, "CX.5": "CM"}
        ])
    );
    // PID-2 does not repeat: an object.
    assert!(v["message"]["PID"]["PID.2"].is_object());

    let v = json_of("hl7-parser-rs/sample_oru_r01_lab.hl7");
    let obx = &v["message"]["RESPONSE"][0]["ORDER_OBSERVATION"][0]["OBSERVATION"][0]["OBX"];
    // OBX-8 repeats in 2.3: an array even for one flag.
    assert_eq!(obx["OBX.8"], json!(["H"]));
    // OBX-10 does not repeat in 2.3, but `A~S` was sent: the typed first, then the rest.
    assert_eq!(obx["OBX.10"], json!(["A", "S"]));
    assert_eq!(obx["OBX.11"], "F");
}

#[test]
fn null_sent_as_two_quotes_is_json_null() {
    let v = json_of("simple-hl7/oru.hl7");
    let obx = &v["message"]["RESPONSE"][0]["ORDER_OBSERVATION"][0]["OBSERVATION"][0]["OBX"];
    assert_eq!(obx["OBX.8"], json!([null]));
    assert_eq!(obx["OBX.10"], Value::Null);
    assert!(
        obx.get("OBX.9").is_none(),
        "an empty field is left out: {obx}"
    );
    assert_eq!(obx["OBX.17"], json!([{"CE.4": null}]));
    // A composite field sent as `""` alone is null as a whole.
    let v = json_of("hl7-dotnetcore/Program_L837.hl7");
    assert_eq!(v["message"]["PID"]["PID.29"], Value::Null);
}

#[test]
fn escapes_are_decoded() {
    let v = json_of("hl7-parser-rs/sample_oru_r01_lab.hl7");
    let order = &v["message"]["RESPONSE"][0]["ORDER_OBSERVATION"][0];
    assert_eq!(
        order["OBSERVATION"][0]["OBX"]["OBX.6"],
        json!({"CE.1": "10^9/L"})
    );
    assert_eq!(order["OBR"]["OBR.4"]["CE.5"], "CBC & Auto Differential");
    // MSH-2 holds the escape character itself: verbatim.
    assert_eq!(v["message"]["MSH"]["MSH.2"], "^~\\&");

    let v = json_of("rust-hl7/decoder_L64.hl7");
    let pid = &v["message"]["PATIENT_RESULT"][0]["PATIENT"]["PID"];
    assert_eq!(pid["PID.3"], json!([{"CX.1": "|555-44-4444"}]));
}

#[test]
fn repeating_items_are_arrays_even_with_one_occurrence() {
    let v = json_of("rust-hl7/decoder_L64.hl7");
    let m = &v["message"];
    assert!(m["MSH"].is_object());
    let results = m["PATIENT_RESULT"]
        .as_array()
        .expect("PATIENT_RESULT repeats");
    assert_eq!(results.len(), 1);
    assert!(results[0]["PATIENT"].is_object(), "PATIENT does not repeat");
    let orders = results[0]["ORDER_OBSERVATION"].as_array().unwrap();
    assert_eq!(orders.len(), 1);
    assert!(orders[0]["OBR"].is_object());
    assert_eq!(orders[0]["OBSERVATION"].as_array().map(Vec::len), Some(1));
    // Keys follow the definition order of the items.
    let doc = doc_of(&parse("rust-hl7/decoder_L64.hl7"));
    let m = doc.get("message").unwrap();
    assert_eq!(m.keys(), ["MSH", "PATIENT_RESULT"]);
    let Some(Doc::Array(results)) = m.get("PATIENT_RESULT") else {
        panic!("{m:?}")
    };
    assert_eq!(results[0].keys(), ["PATIENT", "ORDER_OBSERVATION"]);
    let Some(Doc::Array(orders)) = results[0].get("ORDER_OBSERVATION") else {
        panic!("{results:?}")
    };
    assert_eq!(orders[0].keys(), ["OBR", "OBSERVATION"]);
}

#[test]
fn z_segments_land_under_unexpected() {
    let v = json_of("hl7-parser-rs/sample_oru_r01_lab.hl7");
    let observations = v["message"]["RESPONSE"][0]["ORDER_OBSERVATION"][0]["OBSERVATION"]
        .as_array()
        .unwrap();
    assert_eq!(observations.len(), 14);
    let last = &observations[13];
    assert_eq!(
        last["unexpected"],
        json!(["ZDR||^Xavarie^Sonna^^^^^XAVS^^^^^XX^^ATP|", "ZPR||"])
    );
    // After the items.
    let doc = doc_of(&parse("hl7-parser-rs/sample_oru_r01_lab.hl7"));
    let observations = [
        "message",
        "RESPONSE",
        "0",
        "ORDER_OBSERVATION",
        "0",
        "OBSERVATION",
    ]
    .iter()
    .try_fold(&doc, |d, k| match d {
        Doc::Array(a) => a.get(k.parse::<usize>().ok()?),
        d => d.get(k),
    });
    let Some(Doc::Array(observations)) = observations else {
        panic!("{doc:?}")
    };
    assert_eq!(observations[13].keys(), ["OBX", "unexpected"]);
    assert!(
        observations[..13]
            .iter()
            .all(|o| o.get("unexpected").is_none())
    );
}

#[test]
fn a_message_of_a_type_no_version_defines_is_its_segments() {
    let rel = "lfh-hl7v2-fhir/Hl7CustomMessageTest_L89.hl7";
    let m = parse(rel);
    let v = to_json(&m);
    assert_eq!(v["structure"], "GENERIC");
    let segments = v["message"]["segments"].as_array().unwrap();
    // Every segment the tokenizer reads, as sent, in order.
    let text = read_lossy(&corpus().join("messages").join(rel));
    let tokens = hl7_model::er7::Tokenized::parse(&text).unwrap();
    let sent: Vec<&str> = tokens.segments().iter().map(|s| s.as_str()).collect();
    assert_eq!(segments, &sent);
    assert!(sent.len() > 1, "{sent:?}");
    assert!(
        segments[0]
            .as_str()
            .is_some_and(|s| s.starts_with("MSH|^~\\&|||||20211005105125||CUSTOM^PAT|"))
    );
}

#[test]
fn an_item_defined_twice_in_a_group_carries_its_position() {
    // ADT_A01 (2.5) holds ROL at items 6 and 10: keys as the Rust fields `rol_6`, `rol_10`.
    let text =
        "MSH|^~\\&|A|B|||20240101||ADT^A01|1|P|2.5\rEVN|A01\rPID|1\rROL|1\rPV1|1|I\rROL|2\rROL|3\r";
    let lean = parse_text(text);
    let v = to_json(&lean);
    let m = &v["message"];
    assert_eq!(m["ROL_6"], json!([{"ROL.1": {"EI.1": "1"}}]));
    assert_eq!(
        m["ROL_10"],
        json!([{"ROL.1": {"EI.1": "2"}}, {"ROL.1": {"EI.1": "3"}}])
    );
    assert!(m.get("ROL").is_none());
    let doc = doc_of(&lean);
    assert_eq!(
        doc.get("message").unwrap().keys(),
        ["MSH", "EVN", "PID", "ROL_6", "PV1", "ROL_10"]
    );
    assert_eq!(check_against_the_text(&doc, text, lean.version()), Ok(7));
}

#[test]
fn snapshot_of_a_small_oru() {
    let m = parse("rust-hl7/decoder_L64.hl7");
    let pretty = serde_json::to_string_pretty(&m).unwrap();
    insta::assert_snapshot!("oru_r01_v2_4_decoder_l64", pretty);
}

/// `MessageJson` over a message's parts writes what `Message` writes.
#[test]
fn message_json_of_the_parts_writes_the_snapshot() {
    let text = read_lossy(&corpus().join("messages").join("rust-hl7/decoder_L64.hl7"));
    let m = Message::parse(&text, &ParseOptions::default()).unwrap();
    let (lean, version, structure) = (m.lean(), m.version(), m.structure());
    let pretty = serde_json::to_string_pretty(&MessageJson::new(lean, version, structure)).unwrap();
    insta::assert_snapshot!("oru_r01_v2_4_decoder_l64", pretty);
}

/// Messages made for the corners of the form.
const CORNER_CASES: &[&str] = &[
    // An item defined twice in a group (ROL_6, ROL_10), a Z-segment before the first item and
    // others in nested groups.
    "MSH|^~\\&|A|B|||20240101||ADT^A01|1|P|2.5\rZA1|first\rEVN|A01\rPID|1\rROL|1\rPV1|1|I\rROL|2\rZPV|x\rROL|3\r",
    // Repetitions of fields that do not repeat (PID-1, PID-2), the first empty or null; empty
    // repetitions of repeating fields, primitive and composite; fields beyond the definition.
    "MSH|^~\\&|A|B|||20240101||ADT^A01|1|P|2.5\rEVN|A01\rPID|1~2~~\\F\\|~x^y|\"\"~a|~~123^^^H&1.2&ISO^MR~~|\"\"||a~~b|||||||||||||||||||||||||||||||||40|\\T\\41||\rPV1|1|I\r",
    // Null composites: a whole field, a first component alone, a subcomponent composite;
    // components beyond the definition, with escapes and empty ones between.
    "MSH|^~\\&|A|B|||20240101||ADT^A01|1|P|2.5\rEVN|A01|\"\"\rPID|1||\"\"~\"\"^x~\"\"&y^^^H\"\"||\"\"&Doe^John^^^^^^^^^^^^^\\F\\x^^z~\"\"\rPV1|1|\"\"|\"\"^^\rNK1|1|Roe^Jim|\"\"^\"\"\r",
    // OBX-5 named by OBX-2: a composite with subcomponents of composite components, extra
    // components, nulls, empty and null repetitions; a primitive, an unknown type, a null type,
    // a padded type, a type with components, a repeated type.
    "MSH|^~\\&|LAB||||20240101||ORU^R01|1|P|2.5\rPID|1\rOBR|1\rOBX|1|CE|G||A&x^B&C^D\\T\\E^x^y^z^extra^^last~plain~~\"\"~\"\"^a\rOBX|2|NM|G||1^2&3\rOBX|3|QQ|G||1^2&3\rOBX|4|\"\"|G||1^2&3\rOBX|5| CX |G||123^^^H&1.2&ISO^MR\rOBX|6|CE^X|G||1^2\rOBX|7|CE~NM|G||1^2\rOBX|8||G||^&^\rOBX|9|XCN|G||1^Doe&Van^J^^^^^^H&2.16&ISO\rNTE|1||note\\.br\\kept\\H\\b\\N\\\r",
    // Other delimiters ($ % # ! ( ) and a truncation character, in 2.7.
    "MSH$%#!(*$A$B$$$20240101$$ORU%R01$1$P$2.7\rPID$1$$123%%%H(1.2(ISO#456$$Doe%John\rOBR$1\rOBX$1$CWE$GLU$$A%B(C%D!F!E!S!#x$\"\"\r",
    // A type no version defines: the generic structure, every segment as sent.
    "MSH|^~\\&|A||||20240101||ZZZ^Z99|1|P|2.5\rPID|1||\\F\\\rZZZ|x\r",
    // A version read as another, and a structure taken from a lower version.
    "MSH|^~\\&|A||||20240101||ADT^A04|1|P|2.9\rEVN|A04\rPID|1\rPV1|1\r",
    "MSH|^~\\&|A||||20240101||ORM^O01|1|P|2.7\rPID|1\rORC|NW\rOBR|1\r",
    // Segments with nothing or only separators.
    "MSH|^~\\&|A||||20240101||ORU^R01|1|P|2.4\rPID\rOBR|\rOBX||||||\rNTE\rZZ1|\r",
    // MSH fields null, empty, repeated and beyond the definition.
    "MSH|^~\\&|\"\"||A~B|^x||ACK|1|P|2.3||||||||||||||||||||||||||x\rMSA|AA|1\r",
];

/// Each corner case holds every segment where the text has it, and writes the document of its
/// snapshot (`corner_case_<n>`).
#[test]
fn the_corner_cases_write_their_snapshots() {
    for (i, text) in CORNER_CASES.iter().enumerate() {
        match check_message_json(text) {
            Ok(Some(_)) => {}
            Ok(None) => panic!("corner case {i} does not parse"),
            Err(e) => panic!("corner case {i}: {e}"),
        }
        let pretty = serde_json::to_string_pretty(&parse_text(text)).unwrap();
        // The snapshot's description is the message.
        insta::with_settings!({description => *text}, {
            insta::assert_snapshot!(format!("corner_case_{i}"), pretty);
        });
    }
    // The cases reach what they are meant to: a few values.
    let v = to_json(&parse_text(CORNER_CASES[1]));
    let pid = &v["message"]["PID"];
    assert_eq!(pid["PID.1"], json!(["1", "2", "", "\\F\\"]));
    assert_eq!(pid["PID.2"], json!([{}, "x^y"]));
    assert_eq!(pid["PID.3"], json!([null, {"CX.1": "a"}]));
    assert_eq!(pid["PID.40"], "40");
    assert_eq!(pid["PID.41"], "\\T\\41");
    let v = to_json(&parse_text(CORNER_CASES[3]));
    let observations = &v["message"]["PATIENT_RESULT"][0]["ORDER_OBSERVATION"][0]["OBSERVATION"];
    assert_eq!(
        observations[0]["OBX"]["OBX.5"][0],
        json!({"CE.1": "A&x", "CE.2": "B&C", "CE.3": "D&E", "CE.4": "x", "CE.5": "y", "CE.6": "z", "CE.7": "extra", "CE.9": "last"})
    );
    assert_eq!(
        observations[4]["OBX"]["OBX.5"][0]["CX.4"],
        json!({"HD.1": "H", "HD.2": "1.2", "HD.3": "ISO"})
    );
    // Z-segments of the message's root group, wherever they arrived, follow its items.
    let v = to_json(&parse_text(CORNER_CASES[0]));
    assert_eq!(v["message"]["unexpected"], json!(["ZA1|first", "ZPV|x"]));
    let v = to_json(&parse_text(CORNER_CASES[6]));
    assert_eq!(
        (&v["version"], &v["structure"]),
        (&json!("2.8.2"), &json!("ADT_A01"))
    );
    let v = to_json(&parse_text(CORNER_CASES[7]));
    assert_eq!(
        (&v["version"], &v["structure"]),
        (&json!("2.6"), &json!("ORM_O01"))
    );
}

const DIGESTS_HEADER: &str = "\
# The JSON documents (compact, as serde_json::to_string writes them) of every message of the
# corpus (tests/corpus: messages/ and edge_cases/), one line per message: file (under
# tests/corpus), message number in the file (from 1), length in bytes, 64-bit FNV-1a digest in
# hex; `not parsed` for a message that does not parse.
# Checked by json::the_json_of_every_corpus_message_is_the_recorded_document; rewritten from
# the lean message's JSON by running that test with UPDATE_GOLDEN=1.
";

/// The digests of every corpus message's JSON document (the golden file's content, header
/// included), each given by `json_of` (`None` when the message does not parse).
fn digests_table(json_of: impl Fn(&str) -> Option<String>) -> (String, usize) {
    let root = corpus();
    let mut out = DIGESTS_HEADER.to_owned();
    let mut written = 0;
    let files = files_under(&root.join("messages"), Some("hl7"))
        .into_iter()
        .chain(files_under(&root.join("edge_cases"), None));
    for file in files {
        let rel = crate::golden::relative(&file, &root);
        let text = read_lossy(&file);
        let Ok(batch) = hl7_model::er7::Batch::parse(&text) else {
            writeln!(out, "{rel}\t1\tnot parsed").unwrap();
            continue;
        };
        for (i, m) in batch.messages().enumerate() {
            let n = i + 1;
            match json_of(m.as_str()) {
                Some(json) => {
                    written += 1;
                    let digest = crate::golden::fnv1a64(json.as_bytes());
                    writeln!(out, "{rel}\t{n}\t{}\t{digest:016x}", json.len()).unwrap();
                }
                None => writeln!(out, "{rel}\t{n}\tnot parsed").unwrap(),
            }
        }
    }
    (out, written)
}

/// The lean message's JSON of the one message `text`, when it parses.
fn lean_json(text: &str) -> Option<String> {
    let m = Message::parse(text, &ParseOptions::default()).ok()?;
    Some(serde_json::to_string(&m).expect("serialises"))
}

/// The JSON of every message of the corpus and edge cases is, byte for byte, the document
/// recorded (first from the JSON of the typed structs): any change of the form shows here.
#[test]
fn the_json_of_every_corpus_message_is_the_recorded_document() {
    let (table, written) = digests_table(lean_json);
    crate::golden::check("json_digests.tsv", &table);
    assert!(written >= 420, "{written} documents");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Messages of known structures whose segments hold any mix of separators, escapes and
    /// nulls: the JSON holds every segment, each value where the text has it.
    #[test]
    fn generated_messages_write_every_segment_where_the_text_has_it(
        header in "(ORU\\^R01|ADT\\^A01|ORM\\^O01|ACK|ZZZ\\^Z01)\\|1\\|P\\|(2\\.3|2\\.4|2\\.5|2\\.6|2\\.8)",
        body in prop::collection::vec(
            ("(PID|PV1|OBR|OBX|NTE|ORC|EVN|ROL|MSA|ZXX)", "[|^~\\\\&\"A-C0-2FSTE.]{0,40}"),
            0..8,
        ),
    ) {
        let mut text = format!("MSH|^~\\&|A||||20240101||{header}\r");
        for (id, rest) in &body {
            text.push_str(id);
            text.push_str(rest);
            text.push('\r');
        }
        match check_message_json(&text) {
            Ok(Some(n)) => prop_assert_eq!(n, body.len() + 1, "{:?}", text),
            Ok(None) => {}
            Err(e) => prop_assert!(false, "{}: {:?}", e, text),
        }
    }
}
