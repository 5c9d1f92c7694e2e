//! Generated segment types on real messages: every MSH, PID, PV1, OBR and OBX of the corpus
//! (tests/corpus/messages) parses into the v2.5 types and encodes back byte for byte, with
//! the delimiters each message declares.

use std::path::PathBuf;

use hl7_model::delimiters::Delimiters;
use hl7_model::element::SegmentType;
use hl7_model::v2_5::segments::{Msh, Obr, Obx, Pid, Pv1};

fn corpus_files() -> Vec<PathBuf> {
    let out = crate::common::files_under(&crate::common::corpus().join("messages"), Some("hl7"));
    assert!(!out.is_empty(), "no corpus messages");
    out
}

/// The delimiters MSH-1 and MSH-2 declare.
fn delimiters(msh: &str) -> Option<Delimiters> {
    let mut c = msh.strip_prefix("MSH")?.chars();
    let field = c.next()?;
    let enc: Vec<char> = c.take_while(|&ch| ch != field).collect();
    Some(Delimiters {
        field,
        component: *enc.first()?,
        repetition: *enc.get(1)?,
        escape: *enc.get(2)?,
        subcomponent: *enc.get(3)?,
        truncation: enc.get(4).copied(),
    })
}

fn round_trip<T: SegmentType>(line: &str, d: &Delimiters) -> T {
    let seg = T::parse(line, d).unwrap_or_else(|e| panic!("{line}: {e}"));
    assert_eq!(seg.to_er7(d), line);
    seg
}

#[test]
fn corpus_segments_round_trip_through_v2_5_types() {
    let mut counts = [0usize; 5];
    for file in corpus_files() {
        let bytes = std::fs::read(&file).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        let mut d = None;
        for line in text.split(['\r', '\n']) {
            if line.starts_with("MSH") {
                d = delimiters(line);
                if let Some(d) = &d {
                    round_trip::<Msh>(line, d);
                    counts[0] += 1;
                }
                continue;
            }
            let Some(d) = &d else { continue };
            let id: String = line.chars().take(3).collect();
            if line.chars().nth(3) != Some(d.field) && line.len() != 3 {
                continue;
            }
            match id.as_str() {
                "PID" => {
                    round_trip::<Pid>(line, d);
                    counts[1] += 1;
                }
                "PV1" => {
                    round_trip::<Pv1>(line, d);
                    counts[2] += 1;
                }
                "OBR" => {
                    round_trip::<Obr>(line, d);
                    counts[3] += 1;
                }
                "OBX" => {
                    round_trip::<Obx>(line, d);
                    counts[4] += 1;
                }
                _ => {}
            }
        }
    }
    eprintln!("round-tripped MSH, PID, PV1, OBR, OBX: {counts:?}");
    assert!(counts.iter().all(|&n| n >= 50), "{counts:?}");
}

#[test]
fn typed_fields_of_a_pid() {
    let d = Delimiters::default();
    let pid = round_trip::<Pid>(
        "PID|1||555123^^^NH^MR~998^^^SSA^SS||DOE^JANE^Q^^DR||19800412|F|||1 MAIN ST^^SPRINGFIELD^IL^62701",
        &d,
    );
    assert_eq!(pid.patient_identifier_list.len(), 2);
    assert_eq!(
        pid.patient_identifier_list[1].id_number.as_str(),
        Some("998")
    );
    let name = &pid.patient_name[0];
    assert_eq!(name.family_name.surname.as_str(), Some("DOE"));
    assert_eq!(name.given_name.as_str(), Some("JANE"));
    assert_eq!(pid.administrative_sex.as_str(), Some("F"));
    assert_eq!(pid.patient_address[0].city.as_str(), Some("SPRINGFIELD"));
}

#[test]
fn msh_keeps_its_own_delimiters() {
    let d = delimiters("MSH$%#!($A$B").unwrap();
    let msh = round_trip::<Msh>("MSH$%#!($LAB$NORTH$$$20261123$$ORU%R01%ORU_R01$1$P$2.5", &d);
    assert_eq!(msh.message_type.message_code.as_str(), Some("ORU"));
    assert_eq!(msh.message_type.message_structure.as_str(), Some("ORU_R01"));
    assert_eq!(msh.encoding_characters.as_str(), Some("%#!("));
}
