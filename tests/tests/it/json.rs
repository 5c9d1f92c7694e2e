//! The JSON form of typed messages (`hl7_model::json`, `Serialize` for `Parsed`) on the corpus
//! (tests/corpus/messages): every message serialises to JSON that re-parses and holds every
//! segment, and values of real messages come out as the form promises.

use crate::common::{corpus, files_under};

use hl7_model::group::{Visit, walk};
use hl7_model::message::Parsed;
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
