//! The JSON form of typed messages (`hl7_model::json`, `Serialize` for `Parsed`) on the corpus
//! (tests/corpus/messages): every message serialises to JSON that re-parses and holds every
//! segment, and values of real messages come out as the form promises. The lean message
//! (`LeanJson`) writes the same document as the typed one, on every corpus message, on
//! messages made for the form's corner cases and on generated ones.

use crate::common::{corpus, corpus_messages, files_under};

use hl7_model::group::{Visit, walk};
use hl7_model::json::LeanJson;
use hl7_model::message::{ParseOptions, Parsed};
use proptest::prelude::*;
use serde_json::{Value, json};

/// The one message of corpus file `rel` (under `messages/`), parsed.
fn parse(rel: &str) -> Parsed {
    let path = corpus().join("messages").join(rel);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    hl7_model::message::parse(&String::from_utf8_lossy(&bytes))
        .unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The message's JSON, written as text and read back.
fn to_json(p: &Parsed) -> Value {
    let text = serde_json::to_string(p).expect("serialises");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// The JSON of corpus file `rel`'s message.
fn json_of(rel: &str) -> Value {
    to_json(&parse(rel))
}

/// How many segments the typed message holds, unexpected ones included.
fn typed_segments(p: &Parsed) -> usize {
    let mut n = 0;
    walk(p.message.as_group(), &mut |v| {
        if matches!(v, Visit::Segment(_) | Visit::Unexpected(..)) {
            n += 1;
        }
    });
    n
}

/// How many segments a JSON group holds. A segment's keys all hold a dot (`PID.3`) and a
/// group's never do, and a group that occurred holds something: `{}` is a segment with no
/// field.
fn json_segments(group: &Value) -> usize {
    let Some(items) = group.as_object() else {
        panic!("a group is an object: {group}")
    };
    let mut n = 0;
    for (key, value) in items {
        if key == "unexpected" || key == "segments" {
            let raw = value.as_array().expect("an array of wire text");
            assert!(raw.iter().all(Value::is_string), "{key}: {value}");
            n += raw.len();
            continue;
        }
        let occurrences = match value {
            Value::Array(a) => a.iter().collect(),
            other => vec![other],
        };
        for o in occurrences {
            let fields = o.as_object().expect("an item occurrence is an object");
            if fields.is_empty() || fields.keys().any(|k| k.contains('.')) {
                n += 1;
            } else {
                n += json_segments(o);
            }
        }
    }
    n
}

#[test]
fn every_corpus_message_serialises_to_json_that_reparses_with_every_segment() {
    let mut messages = 0;
    for file in files_under(&corpus().join("messages"), Some("hl7")) {
        let text = String::from_utf8_lossy(&std::fs::read(&file).unwrap()).into_owned();
        // Batches and files of several messages: each message is a document.
        let Ok(all) = hl7_model::message::parse_all(&text, &Default::default()) else {
            // Whether every file parses is corpus_messages.rs's concern.
            continue;
        };
        for p in &all {
            let v = to_json(p);
            let at = file.display();
            assert_eq!(v["version"], p.message.version().version, "{at}");
            assert_eq!(v["structure"], p.message.structure().id, "{at}");
            assert_eq!(v.as_object().map(|o| o.len()), Some(3), "{at}");
            // Nothing dropped, and no key written twice (a repeated key would read back as
            // one, and its segments would be missing here).
            assert_eq!(json_segments(&v["message"]), typed_segments(p), "{at}: {v}");
            // The indented form is the same document.
            let pretty = serde_json::to_string_pretty(p).unwrap();
            assert_eq!(serde_json::from_str::<Value>(&pretty).unwrap(), v, "{at}");
            messages += 1;
        }
    }
    eprintln!("messages serialised: {messages}");
    assert!(
        messages >= 400,
        "the corpus holds over 400 messages; {messages} serialised"
    );
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
    let keys: Vec<&String> = m.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["MSH", "PATIENT_RESULT"]);
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
    let keys: Vec<&String> = last.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["OBX", "unexpected"]);
    assert!(
        observations[..13]
            .iter()
            .all(|o| o.get("unexpected").is_none())
    );
}

#[test]
fn a_message_of_a_type_no_version_defines_is_its_segments() {
    let p = parse("lfh-hl7v2-fhir/Hl7CustomMessageTest_L89.hl7");
    let v = to_json(&p);
    assert_eq!(v["structure"], "GENERIC");
    let segments = v["message"]["segments"].as_array().unwrap();
    assert_eq!(segments.len(), typed_segments(&p));
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
    let p = hl7_model::message::parse(text).unwrap();
    let v = to_json(&p);
    let m = &v["message"];
    assert_eq!(m["ROL_6"], json!([{"ROL.1": {"EI.1": "1"}}]));
    assert_eq!(
        m["ROL_10"],
        json!([{"ROL.1": {"EI.1": "2"}}, {"ROL.1": {"EI.1": "3"}}])
    );
    assert!(m.get("ROL").is_none());
    assert_eq!(json_segments(m), typed_segments(&p));
}

#[test]
fn snapshot_of_a_small_oru() {
    let p = parse("rust-hl7/decoder_L64.hl7");
    let pretty = serde_json::to_string_pretty(&p).unwrap();
    insta::assert_snapshot!("oru_r01_v2_4_decoder_l64", pretty);
}

/// The lean message's JSON of the one message `text`, as written (not pretty).
fn lean_json(text: &str) -> String {
    let (lean, version, structure) = hl7_model::message::parse_lean(text, &ParseOptions::default())
        .unwrap_or_else(|e| panic!("the typed parse read it, the lean one fails: {e}"));
    serde_json::to_string(&LeanJson::new(&lean, version, structure)).expect("serialises")
}

/// Where two JSON documents first differ, as a path into them (`/message/PID/PID.5/0`), with
/// both values there: a readable failure where the documents are large.
fn first_difference(a: &Value, b: &Value, at: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let (kx, ky): (Vec<&String>, Vec<&String>) = (x.keys().collect(), y.keys().collect());
            if kx != ky {
                return Some(format!("{at}: keys {kx:?} and {ky:?}"));
            }
            x.iter()
                .find_map(|(k, v)| first_difference(v, &y[k], &format!("{at}/{k}")))
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (v, w))| first_difference(v, w, &format!("{at}/{i}"))),
        _ => (a != b).then(|| format!("{at}: {a} and {b}")),
    }
}

/// How the lean message of `text` and the typed message `typed` (parsed from `text`) differ in
/// JSON, if they do: as documents, or else as text (keys in another order).
fn lean_and_typed_difference(text: &str, typed: &Parsed) -> Option<String> {
    let typed_text = serde_json::to_string(typed).expect("serialises");
    let lean_text = lean_json(text);
    let typed_value: Value = serde_json::from_str(&typed_text).expect("reparses");
    let lean_value: Value = serde_json::from_str(&lean_text).expect("reparses");
    if let Some(diff) = first_difference(&lean_value, &typed_value, "") {
        return Some(format!("lean and typed JSON differ at {diff}"));
    }
    if lean_value != typed_value {
        return Some("lean and typed JSON differ".to_owned());
    }
    (lean_text != typed_text).then(|| format!("lean {lean_text}\ntyped {typed_text}"))
}

/// Asserts that the lean message of `text` writes what the typed message `typed` writes: the
/// same document, and the same text.
fn assert_lean_as_typed(text: &str, typed: &Parsed, what: &str) {
    if let Some(diff) = lean_and_typed_difference(text, typed) {
        panic!("{what}: {diff}");
    }
}

/// Compares the lean and typed JSON of every message of `text` (one message, several, or a
/// batch) that the typed parser reads; gives how many were compared.
fn compare_every_message(text: &str, what: &str) -> usize {
    let Ok(batch) = hl7_model::er7::Batch::parse(text) else {
        return 0;
    };
    let mut compared = 0;
    for m in batch.messages() {
        let Ok(typed) = hl7_model::message::parse(m.as_str()) else {
            continue;
        };
        assert_lean_as_typed(m.as_str(), &typed, what);
        compared += 1;
    }
    compared
}

#[test]
fn the_lean_message_writes_the_typed_json_on_every_corpus_message() {
    let mut compared = 0;
    for (file, text) in corpus_messages() {
        compared += compare_every_message(&text, &file.display().to_string());
    }
    eprintln!("corpus messages compared: {compared}");
    assert!(compared >= 415, "{compared} messages compared");
}

#[test]
fn the_lean_message_writes_the_typed_json_on_the_hostile_edge_cases() {
    let mut compared = 0;
    for file in files_under(&corpus().join("edge_cases"), None) {
        let text = crate::common::read_lossy(&file);
        compared += compare_every_message(&text, &file.display().to_string());
    }
    eprintln!("edge cases compared: {compared}");
    assert!(compared >= 1, "{compared} edge cases compared");
}

/// Messages made for the corners of the form, each read by both parsers.
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

#[test]
fn the_lean_message_writes_the_typed_json_on_the_corner_cases() {
    for (i, text) in CORNER_CASES.iter().enumerate() {
        let typed = hl7_model::message::parse(text)
            .unwrap_or_else(|e| panic!("corner case {i} does not parse: {e}"));
        assert_lean_as_typed(text, &typed, &format!("corner case {i}"));
    }
    // The cases reach what they are meant to: a few values, read from the lean form.
    let v: Value = serde_json::from_str(&lean_json(CORNER_CASES[1])).unwrap();
    let pid = &v["message"]["PID"];
    assert_eq!(pid["PID.1"], json!(["1", "2", "", "\\F\\"]));
    assert_eq!(pid["PID.2"], json!([{}, "x^y"]));
    assert_eq!(pid["PID.3"], json!([null, {"CX.1": "a"}]));
    assert_eq!(pid["PID.40"], "40");
    assert_eq!(pid["PID.41"], "\\T\\41");
    let v: Value = serde_json::from_str(&lean_json(CORNER_CASES[3])).unwrap();
    let observations = &v["message"]["PATIENT_RESULT"][0]["ORDER_OBSERVATION"][0]["OBSERVATION"];
    assert_eq!(
        observations[0]["OBX"]["OBX.5"][0],
        json!({"CE.1": "A&x", "CE.2": "B&C", "CE.3": "D&E", "CE.4": "x", "CE.5": "y", "CE.6": "z", "CE.7": "extra", "CE.9": "last"})
    );
    assert_eq!(
        observations[4]["OBX"]["OBX.5"][0]["CX.4"],
        json!({"HD.1": "H", "HD.2": "1.2", "HD.3": "ISO"})
    );
}

#[test]
fn the_lean_message_writes_the_snapshot() {
    let path = corpus().join("messages").join("rust-hl7/decoder_L64.hl7");
    let text = crate::common::read_lossy(&path);
    let (lean, version, structure) =
        hl7_model::message::parse_lean(&text, &ParseOptions::default()).unwrap();
    let pretty = serde_json::to_string_pretty(&LeanJson::new(&lean, version, structure)).unwrap();
    insta::assert_snapshot!("oru_r01_v2_4_decoder_l64", pretty);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Messages of known structures whose segments hold any mix of separators, escapes and
    /// nulls: the two forms write the same JSON.
    #[test]
    fn generated_messages_write_the_same_json(
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
        if let Ok(typed) = hl7_model::message::parse(&text) {
            prop_assert_eq!(lean_and_typed_difference(&text, &typed), None, "{:?}", text);
        }
    }
}
