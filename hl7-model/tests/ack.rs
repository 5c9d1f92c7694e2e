//! Acknowledgements by version and the receiver cases of HL7 table 0357, on corpus messages.
#![cfg(feature = "v2_5")]

use hl7_model::ack::{Ack, AckCode, AckMode, Checks, Condition, Issue, Received};
use hl7_model::validate::Severity;

fn corpus(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../tests/corpus/messages/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn segments(er7: &str) -> Vec<&str> {
    er7.split('\r').filter(|s| !s.is_empty()).collect()
}

fn fields(segment: &str) -> Vec<&str> {
    segment.split('|').collect()
}

/// The one ERR segment's ERR-2 (location) and ERR-3.1 (code) from 2.5 on.
fn err_location_and_code(ack: &Ack) -> Vec<(String, String)> {
    let er7 = ack.to_er7();
    segments(&er7)
        .into_iter()
        .filter(|s| s.starts_with("ERR"))
        .map(|s| {
            let f = fields(s);
            (f[2].to_owned(), f[3].split('^').next().unwrap().to_owned())
        })
        .collect()
}

#[test]
fn accepted_message_swaps_applications_and_echoes_control_id() {
    let sent = corpus("hapi-hl7v2/ReadOnlyMessageIteratorTest_L58.hl7");
    let checked = Checks::default().acknowledge(&sent);
    assert!(checked.accepted(), "{:?}", checked.issues);
    let ack = checked.ack().control_id("A1").timestamp("20240101");
    assert_eq!(ack.code(), AckCode::AA);
    let er7 = ack.to_er7();
    let segs = segments(&er7);
    assert_eq!(segs.len(), 2, "{er7}");
    let msh = fields(segs[0]);
    // Received MSH-3 LABGL1, MSH-4 empty, MSH-5 DMCRES: swapped.
    assert_eq!(&msh[2..6], ["DMCRES", "", "LABGL1", ""]);
    assert_eq!(msh[8], "ACK^R01^ACK");
    assert_eq!(msh[9], "A1");
    assert_eq!(msh[10], "P");
    assert_eq!(msh[11], "2.5");
    assert_eq!(segs[1], "MSA|AA|LABGL1199510021807427");
    // The ACK itself parses and is an ACK of v2.5.
    let parsed = hl7_model::parse(er7.as_bytes()).unwrap();
    assert_eq!(parsed.structure().id, "ACK");
    assert_eq!(
        parsed.get("MSA-2").unwrap().as_deref(),
        Some("LABGL1199510021807427")
    );
}

#[test]
fn msh9_and_err_follow_the_received_version() {
    // 2.2: MSH-9 has no structure component; ERR-1 carries code and location.
    let sent = corpus("hapi-hl7v2/ExampleUseTerser_L55.hl7");
    let r = Received::read(&sent).unwrap();
    assert_eq!(r.version, "2.2");
    let ack = Ack::original(
        &r,
        vec![
            Issue::in_header(101, 10, None, "MSH-10 is required"),
            Issue::new(207, None, "store down"),
        ],
    )
    .control_id("X")
    .timestamp("20240101");
    assert_eq!(ack.code(), AckCode::AR);
    let er7 = ack.to_er7();
    let segs = segments(&er7);
    assert_eq!(fields(segs[0])[8], "ACK^A01");
    assert_eq!(fields(segs[0])[2..6], ["EKG", "EKG", "HIS", "RIH"]);
    // MSH-10 was empty in this message: MSA-2 is empty too, never made up.
    assert_eq!(segs[1], "MSA|AR|");
    assert_eq!(
        segs[2],
        "ERR|MSH^1^10^101&Required field missing&HL70357~^^^207&Application internal error&HL70357"
    );

    // 2.3.1 and on: MSH-9.3 ACK.
    let sent = b"MSH|^~\\&|A|B|C|D|20240101||ADT^A04|9|T|2.3.1\r";
    let er7 = Ack::new(&Received::read(sent).unwrap(), AckCode::AA).to_er7();
    assert_eq!(fields(segments(&er7)[0])[8], "ACK^A04^ACK");
    assert_eq!(fields(segments(&er7)[0])[10], "T");
}

#[test]
fn err_from_2_5_has_location_code_severity_and_user_message() {
    let sent = corpus("hapi-hl7v2/CustomModelClassTest_L22.hl7");
    let r = Received::read(&sent).unwrap();
    let mut warning = Issue::in_header(103, 5, Some(1), "receiving application unknown");
    warning.severity = Severity::Warning;
    let ack = Ack::original(&r, vec![warning]).text("see ERR");
    assert_eq!(
        ack.code(),
        AckCode::AA,
        "a warning does not turn AA into AE"
    );
    let er7 = ack.to_er7();
    let segs = segments(&er7);
    assert_eq!(
        segs[1],
        "MSA|AA|9c906177-dfca-4bbe-9abd-d8eb43df93a0|see ERR"
    );
    assert_eq!(
        segs[2],
        "ERR||MSH^1^5^1^1|103^Table value not found^HL70357|W||||receiving application unknown"
    );
}

#[test]
fn required_header_fields_missing_give_101_at_their_location() {
    // Neither application nor facility nor time: the IHE header rules.
    let sent = corpus("hapi-hl7v2/NewPipeParserTest_L989.hl7");
    let mut checks = Checks::ihe();
    checks.parse.fall_back_to_lower_version = true;
    let mut sent_without_time = String::from_utf8(sent).unwrap();
    sent_without_time = sent_without_time.replace("|20080627102031.292+0100|", "||");
    let checked = checks.acknowledge(sent_without_time.as_bytes());
    let locations: Vec<String> = checked
        .issues
        .iter()
        .filter(|i| i.code == 101)
        .map(|i| i.location.as_ref().unwrap().to_string())
        .collect();
    assert_eq!(
        locations,
        [
            "MSH^1^3^1^1",
            "MSH^1^4^1^1",
            "MSH^1^5^1^1",
            "MSH^1^6^1^1",
            "MSH^1^7"
        ]
    );
    // Content errors, not a reject.
    assert!(
        checked
            .issues
            .iter()
            .filter(|i| i.code == 101)
            .all(|i| !i.rejects())
    );
}

#[test]
fn missing_control_id_and_type_give_101() {
    let checked = Checks::default().acknowledge(b"MSH|^~\\&|A||B||20240101|||||2.5\r");
    let got: Vec<(u16, String)> = checked
        .issues
        .iter()
        .map(|i| (i.code, i.location.as_ref().unwrap().to_string()))
        .collect();
    assert!(got.contains(&(101, "MSH^1^9^1^1".into())), "{got:?}");
    assert!(got.contains(&(101, "MSH^1^10".into())), "{got:?}");
}

#[test]
fn unknown_applications_give_103_and_reject() {
    let sent = corpus("hapi-hl7v2/ReadOnlyMessageIteratorTest_L58.hl7");
    let checks = Checks {
        sending_applications: Some(vec!["ADT".into()]),
        receiving_applications: Some(vec!["LIS".into()]),
        ..Checks::default()
    };
    let checked = checks.acknowledge(&sent);
    assert!(!checked.accepted());
    let ack = checked.ack();
    assert_eq!(ack.code(), AckCode::AR);
    assert_eq!(
        err_location_and_code(&ack),
        [
            ("MSH^1^3^1^1".to_owned(), "103".to_owned()),
            ("MSH^1^5^1^1".to_owned(), "103".to_owned())
        ]
    );
    // Listed: accepted.
    let checks = Checks {
        sending_applications: Some(vec!["LABGL1".into()]),
        receiving_applications: Some(vec!["DMCRES".into()]),
        ..Checks::default()
    };
    assert_eq!(checks.acknowledge(&sent).ack().code(), AckCode::AA);
}

#[test]
fn unsupported_type_and_event_give_200_and_201_with_ar() {
    let ack = Checks::default()
        .acknowledge(b"MSH|^~\\&|A||B||20240101||ZZZ^A01|1|P|2.5\r")
        .ack();
    assert_eq!(ack.code(), AckCode::AR);
    assert_eq!(
        err_location_and_code(&ack),
        [("MSH^1^9^1^1".to_owned(), "200".to_owned())]
    );
    let ack = Checks::default()
        .acknowledge(b"MSH|^~\\&|A||B||20240101||ADT^Z99|1|P|2.5\r")
        .ack();
    assert_eq!(ack.code(), AckCode::AR);
    assert_eq!(
        err_location_and_code(&ack),
        [("MSH^1^9^1^2".to_owned(), "201".to_owned())]
    );
    // A receiver's own list: only ORU^R01 handled.
    let checks = Checks {
        message_types: Some(vec!["ORU^R01".into()]),
        ..Checks::default()
    };
    let sent = corpus("hapi-hl7v2/CustomModelClassTest_L22.hl7");
    assert_eq!(checks.acknowledge(&sent).issues[0].code, 200);
    let sent = corpus("hapi-hl7v2/ReadOnlyMessageIteratorTest_L58.hl7");
    assert_eq!(checks.acknowledge(&sent).ack().code(), AckCode::AA);
}

#[test]
fn unsupported_processing_id_and_version_give_202_and_203() {
    let ack = Checks::default()
        .acknowledge(b"MSH|^~\\&|A||B||20240101||ADT^A01|1|X|2.5\r")
        .ack();
    assert_eq!(ack.code(), AckCode::AR);
    assert_eq!(
        err_location_and_code(&ack),
        [("MSH^1^11".to_owned(), "202".to_owned())]
    );
    let checks = Checks {
        versions: Some(vec!["2.5".into()]),
        ..Checks::default()
    };
    let ack = checks
        .acknowledge(b"MSH|^~\\&|A||B||20240101||ADT^A01|1|P|2.4\r")
        .ack();
    assert_eq!(ack.code(), AckCode::AR);
    // A 2.4 message is answered in 2.4: ERR-1.
    assert!(
        ack.to_er7()
            .ends_with("\rERR|MSH^1^12^203&Unsupported version id&HL70357\r")
    );
    // A version the parser cannot read at all.
    let mut checks = Checks::default();
    checks.parse.fall_back_to_lower_version = false;
    let checked = checks.acknowledge(b"MSH|^~\\&|A||B||20240101||ADT^A01|1|P|2.9\r");
    assert!(checked.message.is_none());
    assert_eq!(checked.ack().code(), AckCode::AR);
    assert_eq!(checked.issues[0].code, 203);
}

#[test]
fn validation_findings_make_ae_with_their_locations() {
    let checks = Checks {
        validate: true,
        ..Checks::default()
    };
    // PV1-2 patient class `X` is not in table 0004.
    let checked = checks.acknowledge(
        b"MSH|^~\\&|A||B||20240101||ADT^A01|1|P|2.5\rEVN|A01\rPID|1||7||Doe\rPV1|1|X\r",
    );
    assert!(checked.accepted());
    let ack = checked.ack();
    assert_eq!(ack.code(), AckCode::AE);
    assert!(
        err_location_and_code(&ack).contains(&("PV1^1^2^1".to_owned(), "103".to_owned())),
        "{}",
        ack.to_er7()
    );
}

#[test]
fn application_internal_error_is_207_and_reject() {
    let r = Received::read(b"MSH|^~\\&|A||B||20240101||ADT^A01|55|P|2.5\r").unwrap();
    let ack = Ack::original(
        &r,
        vec![Issue::new(207, None, "no message handler configured")],
    );
    assert_eq!(ack.code(), AckCode::AR);
    let er7 = ack.to_er7();
    assert!(er7.contains("MSA|AR|55\r"));
    assert!(er7.ends_with(
        "ERR|||207^Application internal error^HL70357|E||||no message handler configured\r"
    ));
}

#[test]
fn unparseable_but_identifiable_messages_are_answered() {
    // Latin-1 bytes after the header: not readable as UTF-8, but the header is.
    let sent = b"MSH|^~\\&|A|F|B|G|20240101||ADT^A01|77|P|2.5\rPID|1||7||M\xfcller\r";
    let checked = Checks::default().acknowledge(sent);
    assert!(checked.message.is_none());
    let er7 = checked.ack().to_er7();
    assert!(er7.contains("MSA|AR|77\r"), "{er7}");
    // Nothing to identify: AR with empty MSA-2 rather than no answer.
    let checked = Checks::default().acknowledge(b"garbage");
    let er7 = checked.ack().to_er7();
    assert!(er7.contains("\rMSA|AR|\r"), "{er7}");
}

#[test]
fn delimiters_and_escapes_follow_the_received_message() {
    let sent = b"MSH$%*\\($APP%X$FAC$RCV$RF$20240101$$ADT%A01$1$P$2.5\r";
    let r = Received::read(sent).unwrap();
    let er7 = Ack::new(&r, AckCode::AE)
        .text("bad $ value")
        .control_id("9")
        .timestamp("20240101")
        .to_er7();
    assert_eq!(
        er7,
        "MSH$%*\\($RCV$RF$APP%X$FAC$20240101$$ACK%A01%ACK$9$P$2.5\rMSA$AE$1$bad \\F\\ value\r"
    );
}

/// Delimiters that are not ASCII (here `¦` and `§`, UTF-8) are not kept: a reader finds an
/// answer's MSH-18 by an ASCII scan of its bytes. The answer has the standard delimiters, and
/// what it echoes is re-delimited: the same components, the `^` that was text escaped.
#[test]
fn non_ascii_delimiters_are_answered_with_the_standard_ones() {
    let sent =
        "MSH¦§~\\&¦APP§X¦FAC^1¦RCV¦RF¦20240101¦¦ADT§A01¦C1¦P¦2.5¦¦¦¦¦¦UNICODE UTF-8\rPID¦1\r";
    let r = Received::read(sent.as_bytes()).unwrap();
    assert_eq!(r.delimiters.field, '¦');
    let ack = Ack::new(&r, AckCode::AA)
        .control_id("9")
        .timestamp("20240101");
    let er7 = ack.to_er7();
    assert_eq!(
        segments(&er7)[0],
        "MSH|^~\\&|RCV|RF|APP^X|FAC\\S\\1|20240101||ACK^A01^ACK|9|P|2.5||||||UNICODE UTF-8"
    );
    assert_eq!(segments(&er7)[1], "MSA|AA|C1");
    // Its bytes read back as the same text, by the MSH-18 they declare.
    let bytes = ack.to_bytes().unwrap();
    let back = hl7_model::charset::decode(&bytes, &Default::default()).unwrap();
    assert_eq!(back.text, er7);
    assert_eq!(back.charset.hl7, "UNICODE UTF-8");
}

/// ESC in what an answer echoes (a UTF-16 header can carry it, found by fuzzing the MLLP
/// receiver) is written `\X1B\`, so that the answer's bytes hold no escape sequence.
#[test]
fn esc_echoed_is_written_as_a_hex_escape() {
    let mut r = Received::unidentified("2.5");
    r.sending_application = "A\u{1b}$B".into();
    r.control_id = "C\u{1b}1".into();
    let ack = Ack::new(&r, AckCode::AR)
        .control_id("9")
        .timestamp("20240101");
    let er7 = ack.to_er7();
    assert!(!er7.contains('\u{1b}'), "{er7:?}");
    assert_eq!(fields(segments(&er7)[0])[4], "A\\X1B\\$B");
    assert_eq!(segments(&er7)[1], "MSA|AR|C\\X1B\\1");
    let bytes = ack.to_bytes().unwrap();
    let back = hl7_model::charset::decode(&bytes, &Default::default()).unwrap();
    assert_eq!(back.text, er7);
    let m = hl7_model::parse(&back.text).unwrap();
    assert_eq!(m.get("MSA-2").unwrap().as_deref(), Some("C\u{1b}1"));
}

#[test]
fn enhanced_mode_commit_acks() {
    let sent = b"MSH|^~\\&|A||B||20240101||ADT^A01|5|P|2.5|||AL|NE\r";
    let r = Received::read(sent).unwrap();
    assert_eq!(
        r.mode(),
        AckMode::Enhanced {
            accept: Condition::Always,
            application: Condition::Never
        }
    );
    let ack = Ack::commit(&r, vec![])
        .timestamp("20240101")
        .control_id("c");
    assert_eq!(ack.code(), AckCode::CA);
    assert_eq!(
        ack.to_er7(),
        "MSH|^~\\&|B||A||20240101||ACK^A01^ACK|c|P|2.5|||NE|NE\rMSA|CA|5\r"
    );
    let failed = Ack::commit(&r, vec![Issue::new(101, None, "x")]);
    assert_eq!(failed.code(), AckCode::CE);
    let rejected = Ack::commit(&r, vec![Issue::in_header(200, 9, Some(1), "x")]);
    assert_eq!(rejected.code(), AckCode::CR);

    // ER: a commit ACK only when something went wrong; SU only on success.
    let on_error = Received::read(b"MSH|^~\\&|A||B||20240101||ADT^A01|5|P|2.5|||ER|AL\r").unwrap();
    let AckMode::Enhanced { accept, .. } = on_error.mode() else {
        panic!("enhanced mode expected")
    };
    assert!(!accept.wants(AckCode::CA));
    assert!(accept.wants(AckCode::CE));
    assert!(Condition::OnSuccess.wants(AckCode::CA));
    assert!(!Condition::OnSuccess.wants(AckCode::CR));
    // Original mode when neither field is valued.
    assert_eq!(
        Received::read(b"MSH|^~\\&|A||B||20240101||ADT^A01|5|P|2.5\r")
            .unwrap()
            .mode(),
        AckMode::Original
    );
}

#[test]
fn messages_are_read_by_their_declared_character_set() {
    // ISO 8859-1 bytes (MSH-18 `8859/1`): read through the charset decoder, not refused as
    // bytes that are not UTF-8.
    let path = format!(
        "{}/../tests/charsets/latin1-de.hl7",
        env!("CARGO_MANIFEST_DIR")
    );
    let sent = std::fs::read(&path).unwrap();
    assert!(std::str::from_utf8(&sent).is_err(), "the file is Latin-1");
    let checked = Checks::default().acknowledge(&sent);
    assert!(checked.accepted(), "{:?}", checked.issues);
    let name = checked.message.as_ref().unwrap().get("PID-5-1").unwrap();
    assert_eq!(name.as_deref(), Some("M\u{fc}ller"));
}
