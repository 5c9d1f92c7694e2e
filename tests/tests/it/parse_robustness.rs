//! No input makes the parser panic: arbitrary text, mutated corpus messages and the corpus's
//! hostile edge cases either parse (and then encode, validate and serialise) or give a typed
//! error.

use hl7_model::message::{Message, ParseOptions, parse_all};
use proptest::prelude::*;

/// The text of every `.hl7` file under corpus folder `part`.
fn corpus(part: &str) -> Vec<String> {
    crate::common::files_under(&crate::common::corpus().join(part), Some("hl7"))
        .iter()
        .map(|p| crate::common::read_lossy(p))
        .collect()
}

/// Parses, and when that succeeds encodes, re-parses, validates and serialises: none of it
/// may panic, and what was encoded parses back to the same text and tree.
fn exercise(text: &str) {
    let opts = ParseOptions::default();
    if let Ok(all) = parse_all(text, &opts) {
        for m in all {
            let out = m.to_er7();
            let _ = m.validate();
            let _ = serde_json::to_string(&m).expect("serialises");
            let again = Message::parse(&out, &opts).expect("encoded output parses");
            assert_eq!(again.to_er7(), out);
            assert_eq!(again.tree_lines(), m.tree_lines());
        }
    }
    let _ = Message::parse(text, &opts);
}

#[test]
fn hostile_edge_cases_parse_or_fail_cleanly() {
    let cases = corpus("edge_cases");
    assert!(cases.len() > 50);
    for text in &cases {
        exercise(text);
    }
}

#[test]
fn every_escape_null_custom_delimiters_and_lf_round_trip() {
    // Delimiters redefined as $ % # ! ( ; every escape kind, a null, and LF terminators.
    let text = "MSH$%#!($SND$FAC$RCV$FAC$20240101$$ORU%R01%ORU_R01$1$P$2.5\nPID$1$$42%%%H$$Doe%Jane$\"\"\nOBR$1\nOBX$1$FT$X$$a!F!b!S!c!T!d!R!e!E!f!X0D0A!g!H!bold!N!!.br!!C2842!!M2442!$\n";
    // Delimiter escapes and hex data decoded; highlighting, formatting and character-set
    // switches kept as sent (HL7 v2.5 §2.7).
    const OBX_5: &str = "a$b%c(d#e!f\r\ng!H!bold!N!!.br!!C2842!!M2442!";
    let m = Message::parse(text, &ParseOptions::default()).unwrap();
    assert_eq!(m.to_er7(), text.replace('\n', "\r"));
    let d = m.lean().delimiters();
    assert_eq!(
        (d.field, d.component, d.repetition, d.escape, d.subcomponent),
        ('$', '%', '#', '!', '(')
    );
    // Each escape decodes to what it stands for; formatting escapes are kept as sent.
    assert_eq!(m.get("PID-3-4").unwrap().as_deref(), Some("H"));
    assert_eq!(m.get("PID-6").unwrap().as_deref(), Some("\"\""));
    assert_eq!(m.get("OBX-5").unwrap().as_deref(), Some(OBX_5));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,400}") {
        exercise(&text);
    }

    #[test]
    fn header_like_text_never_panics(body in "[|^~\\\\&$%#!A-Z0-9\"\r\n ]{0,300}") {
        exercise(&format!("MSH{body}"));
    }

    #[test]
    fn mutated_corpus_messages_never_panic(
        pick in 0usize..1000,
        edits in proptest::collection::vec((0usize..4000, any::<char>()), 1..8),
    ) {
        let messages = corpus("messages");
        let mut chars: Vec<char> = messages[pick % messages.len()].chars().collect();
        for (at, c) in edits {
            if !chars.is_empty() {
                let i = at % chars.len();
                chars[i] = c;
            }
        }
        exercise(&chars.into_iter().collect::<String>());
    }
}

/// `Message::parse` reads one message: text holding a second MSH or a batch envelope is
/// refused with where it is, not read as one message with another's segments out of place.
#[test]
fn one_message_parsing_refuses_several_messages_and_batches() {
    use hl7_model::er7::Er7Error;
    use hl7_model::message::ParseError;
    let read = |text: &str| Message::parse(text, &ParseOptions::default());
    let two = "MSH|^~\\&|A||||||ADT^A01|1|P|2.5\rPID|1\rMSH|^~\\&|A||||||ADT^A01|2|P|2.5\rPID|2\r";
    assert_eq!(
        read(two).unwrap_err(),
        ParseError::Er7(Er7Error::SecondMessage {
            segment: 3,
            offset: 38
        })
    );
    // The tokenizer says the same.
    assert_eq!(
        ParseError::Er7(hl7_model::er7::Tokenized::parse(two).unwrap_err()),
        read(two).unwrap_err()
    );
    assert_eq!(parse_all(two, &Default::default()).unwrap().len(), 2);
    let batch = format!("BHS|^~\\&|A\r{two}BTS|2\r");
    assert!(matches!(
        read(&batch),
        Err(ParseError::Er7(Er7Error::EnvelopeInMessage {
            segment: 1,
            offset: 0
        }))
    ));
    assert_eq!(parse_all(&batch, &Default::default()).unwrap().len(), 2);
}
