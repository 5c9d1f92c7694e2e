//! v2 → v3 → v2 over the vendored corpus and over generated values: the XML of every mapped
//! value reads back to the same value, and where the loss report is empty the v2 text comes
//! back unchanged.

use std::path::Path;

use hl7_model::Message;
use hl7_model::delimiters::Delimiters;
use hl7_model::view::SegmentView;
use hl7_v3::datatypes::{AnyValue, CD, II, PN};
use hl7_v3::map::{self, MapOptions, Mapped, V2Value, to_v2, to_v3};
use hl7_v3::{Mixed, NullFlavor, Nullable};
use proptest::prelude::*;

fn corpus() -> Vec<(String, Message)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/corpus/messages");
    let mut out = Vec::new();
    let mut dirs = vec![root];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "hl7") {
                let bytes = std::fs::read(&p).unwrap();
                let text = String::from_utf8_lossy(&bytes);
                if let Ok(m) = Message::parse(&text, &Default::default()) {
                    out.push((p.display().to_string(), m));
                }
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// ER7 text without trailing empty components or subcomponents, as `to_v2` writes it.
fn trimmed(text: &str, d: &Delimiters) -> String {
    let comps: Vec<String> = text
        .split(d.component)
        .map(|c| c.trim_end_matches(d.subcomponent).to_owned())
        .collect();
    let mut comps = comps;
    while comps.last().is_some_and(String::is_empty) {
        comps.pop();
    }
    comps.join(&d.component.to_string())
}

#[derive(Default, Debug)]
struct Tally {
    mapped: usize,
    lossless: usize,
    identical: usize,
    escaped_differently: usize,
    unwritable: usize,
}

/// Maps one repetition both ways and checks what can be checked.
fn check(text: &str, d: &Delimiters, value: V2Value, tally: &mut Tally, at: &str) {
    let dt = value.datatype().to_owned();
    let mapped = match to_v3(&value, &MapOptions::default()) {
        Ok(m) => m,
        Err(map::MapError::UnsupportedV2(_)) => return,
        Err(e) => panic!("{at}: {e}"),
    };
    let Some(v3) = mapped.value else { return };
    tally.mapped += 1;
    // The XML reads back to the same value (NP is never produced).
    let xml = match hl7_v3::to_xml("value", &v3) {
        Ok(xml) => xml,
        // XML 1.0 cannot carry a control character a v2 value may hold (`\X00E9\` is the
        // bytes 00 E9, a NUL and é): writing refuses it, as it must.
        Err(hl7_v3::xml::XmlError::Unwritable { char, .. }) => {
            let decoded = hl7_model::er7::escape::unescape(text, d);
            assert!(decoded.contains(char), "{at}: {char:?} not in {decoded:?}");
            tally.unwritable += 1;
            return;
        }
        Err(e) => panic!("{at}: {e}"),
    };
    let again: Nullable<AnyValue> =
        hl7_v3::from_xml(&xml).unwrap_or_else(|e| panic!("{at}: {xml}: {e}"));
    match &v3 {
        // The null's xsi:type is not kept; the flavor is.
        Nullable::Null { flavor, .. } => assert_eq!(again.null_flavor(), Some(*flavor)),
        Nullable::Value(_) => assert_eq!(again, v3, "{at}: {xml}"),
    }
    if mapped.losses.is_empty() {
        tally.lossless += 1;
        let back = to_v2(Some(&v3), &dt, d).unwrap_or_else(|e| panic!("{at}: {e}"));
        assert!(back.losses.is_empty(), "{at}: {text:?} → {xml} → {back:?}");
        let back = back.value.unwrap();
        let sent = trimmed(text, d);
        if back == sent {
            tally.identical += 1;
        } else {
            // Written escapes may differ from the sender's (a declared truncation character
            // sent in the clear is written \P\): the decoded text must not.
            let un = |t: &str| hl7_model::er7::escape::unescape(t, d).into_owned();
            assert_eq!(un(&back), un(&sent), "{at} {dt}: {xml}");
            tally.escaped_differently += 1;
        }
    }
}

#[test]
fn corpus_values_map_and_round_trip_where_nothing_is_lost() {
    let mut tally = Tally::default();
    let mut by_type: std::collections::BTreeMap<String, usize> = Default::default();
    for (path, m) in corpus() {
        let lean = m.lean();
        let d = lean.delimiters();
        let version = m.version();
        for i in 0..lean.segment_count() {
            let seg = SegmentView::new(lean.segment(i as u32), d);
            let Some(desc) = version.segments.iter().find(|s| s.id == seg.id()) else {
                continue;
            };
            let obx_type = (seg.id() == "OBX").then(|| seg.field(2).as_str().to_owned());
            let header = matches!(seg.id(), "MSH" | "BHS" | "FHS");
            for f in desc.fields {
                // MSH-1 and MSH-2 are the delimiters themselves, read verbatim.
                if header && f.seq <= 2 {
                    continue;
                }
                let field = seg.field(f.seq as usize);
                let dt: &str = match (&obx_type, f.seq) {
                    (Some(t), 5) if !t.is_empty() => t.as_str(),
                    _ => f.datatype,
                };
                let comp = version.datatypes.iter().find(|c| c.id == dt);
                for (r, rep) in field.repetitions().enumerate() {
                    let value = match comp {
                        Some(c) => V2Value::with_desc(hl7_model::typed::Piece::new(rep, d), c),
                        None => V2Value::new(rep, d, dt),
                    };
                    let at = format!("{path} {}-{}({r}) {dt}", seg.id(), f.seq);
                    let before = tally.mapped;
                    check(rep.as_str(), d, value, &mut tally, &at);
                    if tally.mapped > before {
                        *by_type.entry(dt.to_owned()).or_default() += 1;
                    }
                }
            }
        }
    }
    eprintln!("{tally:?} {by_type:?}");
    // The corpus has names, identifiers, times, codes, addresses and numbers by the hundred.
    assert!(tally.mapped > 1000, "{tally:?}");
    assert!(tally.identical > 500, "{tally:?}");
    for dt in [
        "CX", "XPN", "TS", "XAD", "XTN", "CE", "NM", "ST", "ID", "HD", "EI",
    ] {
        assert!(
            by_type.get(dt).copied().unwrap_or(0) > 0,
            "{dt}: {by_type:?}"
        );
    }
}

fn parse(text: &str) -> Message {
    Message::parse(text, &Default::default()).unwrap()
}

fn field<'m>(m: &'m Message, seg: &str, seq: usize, dt: &'static str) -> V2Value<'m> {
    let lean = m.lean();
    let d = lean.delimiters();
    let i = (0..lean.segment_count())
        .find(|&i| lean.segment(i as u32).starts_with(seg))
        .unwrap();
    let s = SegmentView::new(lean.segment(i as u32), d);
    let desc = m.version().datatypes.iter().find(|c| c.id == dt);
    let rep = s.field(seq).first();
    match desc {
        Some(c) => V2Value::with_desc(hl7_model::typed::Piece::new(rep, d), c),
        None => V2Value::new(rep, d, dt),
    }
}

fn msg(version: &str, segments: &str) -> Message {
    parse(&format!(
        "MSH|^~\\&|A|B|C|D|20240101||ADT^A01|1|P|{version}\r{segments}\r"
    ))
}

fn losses<T>(m: &Mapped<T>) -> Vec<String> {
    m.losses.iter().map(|l| l.to_string()).collect()
}

#[test]
fn cx_to_ii_reports_the_identifier_type() {
    let m = msg("2.5", "PID|1||12345^4^M10^HOSP&1.2.840.114350&ISO^MR^FAC");
    let r = to_v3(&field(&m, "PID", 3, "CX"), &MapOptions::default()).unwrap();
    let Some(Nullable::Value(AnyValue::II(ii))) = &r.value else {
        panic!("{r:?}")
    };
    assert_eq!(ii.root.as_deref(), Some("1.2.840.114350"));
    assert_eq!(ii.extension.as_deref(), Some("12345"));
    assert_eq!(ii.assigning_authority_name.as_deref(), Some("HOSP"));
    let l = losses(&r);
    assert_eq!(
        r.losses.iter().map(|l| l.at.as_str()).collect::<Vec<_>>(),
        ["CX.2", "CX.3", "CX.5", "CX.6"],
        "{l:?}"
    );
    assert!(
        l[2].contains("Identifier Type Code") && l[2].contains("MR"),
        "{l:?}"
    );
    // A namespace-only authority has no root: reported, not guessed.
    let m = msg("2.5", "PID|1||12345^^^HOSP^MR");
    let r = to_v3(&field(&m, "PID", 3, "CX"), &MapOptions::default()).unwrap();
    assert_eq!(r.losses.len(), 1, "{:?}", losses(&r));
    let m = msg("2.5", "PID|1||12345^^^&www.example.org&DNS");
    let r = to_v3(&field(&m, "PID", 3, "CX"), &MapOptions::default()).unwrap();
    assert!(losses(&r)[0].contains("OID registry"), "{:?}", losses(&r));
}

#[test]
fn the_same_mapping_serves_every_version() {
    // PID-5 as XPN in 2.5 (XPN.1 is FN) and as PN in 2.2 (PN.1 is ST): one family part.
    for (version, dt) in [("2.5", "XPN"), ("2.3", "XPN"), ("2.2", "PN")] {
        let m = msg(version, "PID|1||1||Levin^Henry^J^III^Dr^MD^L");
        let r = to_v3(&field(&m, "PID", 5, dt), &MapOptions::default()).unwrap();
        let Some(Nullable::Value(AnyValue::PN(pn))) = &r.value else {
            panic!("{r:?}")
        };
        let xml = hl7_v3::to_xml("name", &Nullable::Value(pn.clone())).unwrap();
        assert_eq!(
            xml,
            r#"<name xmlns="urn:hl7-org:v3" use="L"><prefix>Dr</prefix><given>Henry</given><given>J</given><family>Levin</family><suffix>III</suffix><suffix qualifier="AC">MD</suffix></name>"#,
            "{version}"
        );
    }
    // Through any version's typed composite view.
    let m = msg("2.5", "PID|1||1||Levin^Henry");
    let d = m.lean().delimiters();
    let s = SegmentView::new(m.lean().segment(1), d);
    let xpn: hl7_model::v2_5::datatypes::Xpn =
        hl7_model::typed::field(s, 5).expect("PID-5 is sent");
    let r = to_v3(&V2Value::of(xpn), &MapOptions::default()).unwrap();
    assert!(r.losses.is_empty());
    let back = to_v2(r.value.as_ref(), "XPN", d).unwrap();
    assert_eq!(back.value.as_deref(), Some("Levin^Henry"));
}

#[test]
fn time_precision_and_timezone() {
    let m = msg("2.4", "PID|1||1||X||19620114123000+0100^M");
    let r = to_v3(&field(&m, "PID", 7, "TS"), &MapOptions::default()).unwrap();
    let Some(Nullable::Value(AnyValue::TS(ts))) = &r.value else {
        panic!("{r:?}")
    };
    assert_eq!(ts.value.as_deref(), Some("196201141230+0100"));
    assert_eq!(r.losses[0].at, "TS.2");
    let m = msg("2.5", "PID|1||1||X||19620114+0100");
    let r = to_v3(&field(&m, "PID", 7, "TS"), &MapOptions::default()).unwrap();
    let Some(Nullable::Value(AnyValue::TS(ts))) = &r.value else {
        panic!("{r:?}")
    };
    assert_eq!(ts.value.as_deref(), Some("19620114"));
    assert!(losses(&r)[0].contains("timezone"), "{:?}", losses(&r));
}

#[test]
fn coded_values_use_the_oid_table_and_prefer_cwe_14() {
    let m = msg(
        "2.5",
        "OBX|1|CE|8480-6^Systolic BP^LN^271649006^Systolic^SCT",
    );
    let r = to_v3(&field(&m, "OBX", 3, "CE"), &MapOptions::default()).unwrap();
    assert!(r.losses.is_empty(), "{:?}", losses(&r));
    let xml = hl7_v3::to_xml("code", r.value.as_ref().unwrap()).unwrap();
    assert!(
        xml.contains(r#"code="8480-6" codeSystem="2.16.840.1.113883.6.1" codeSystemName="LN" displayName="Systolic BP"><translation code="271649006" codeSystem="2.16.840.1.113883.6.96" codeSystemName="SCT" displayName="Systolic"/>"#),
        "{xml}"
    );
    // A local mnemonic has no OID: said so.
    let m = msg("2.5", "OBX|1|CE|GLU^Glucose^99LAB");
    let r = to_v3(&field(&m, "OBX", 3, "CE"), &MapOptions::default()).unwrap();
    assert_eq!(r.losses.len(), 1);
    assert!(losses(&r)[0].contains("99LAB"));
    // CWE.14 wins over the table, and comes back.
    let m = msg("2.7", "OBX|1|CWE|GLU^Glucose^99LAB^^^^^^^^^^^1.2.3.4.5");
    let r = to_v3(&field(&m, "OBX", 3, "CWE"), &MapOptions::default()).unwrap();
    assert!(r.losses.is_empty(), "{:?}", losses(&r));
    let Some(Nullable::Value(AnyValue::CD(cd))) = &r.value else {
        panic!()
    };
    assert_eq!(cd.code_system.as_deref(), Some("1.2.3.4.5"));
    let back = to_v2(r.value.as_ref(), "CWE", m.lean().delimiters()).unwrap();
    assert_eq!(
        back.value.as_deref(),
        Some("GLU^Glucose^99LAB^^^^^^^^^^^1.2.3.4.5")
    );
}

#[test]
fn text_only_coded_value_is_a_null_with_original_text() {
    let m = msg("2.7", "OBX|1|CWE|^^^^^^^^Burnt toast syndrome");
    let r = map::to_cd(&field(&m, "OBX", 3, "CWE"), &MapOptions::default()).unwrap();
    assert!(r.losses.is_empty(), "{:?}", losses(&r));
    let cd: &Nullable<CD> = r.value.as_ref().unwrap();
    assert_eq!(
        hl7_v3::to_xml("code", cd).unwrap(),
        r#"<code xmlns="urn:hl7-org:v3" nullFlavor="OTH"><originalText>Burnt toast syndrome</originalText></code>"#
    );
    let back = map::cd_to_v2_text(cd, "CWE", m.lean().delimiters()).unwrap();
    assert_eq!(back.value.as_deref(), Some("^^^^^^^^Burnt toast syndrome"));
}

#[test]
fn present_but_null_maps_to_the_configured_flavor() {
    let m = msg("2.5", "PID|1||1||\"\"");
    let v = field(&m, "PID", 5, "XPN");
    let r = to_v3(&v, &MapOptions::default()).unwrap();
    assert_eq!(
        r.value.as_ref().unwrap().null_flavor(),
        Some(NullFlavor::NI)
    );
    let opts = MapOptions {
        null_flavor: NullFlavor::UNK,
        ..MapOptions::default()
    };
    let r = to_v3(&v, &opts).unwrap();
    assert_eq!(
        r.value.as_ref().unwrap().null_flavor(),
        Some(NullFlavor::UNK)
    );
    // Back: "" again, with the flavor's nuance reported.
    let back = to_v2(r.value.as_ref(), "XPN", m.lean().delimiters()).unwrap();
    assert_eq!(back.value.as_deref(), Some("\"\""));
    assert_eq!(back.losses.len(), 1);
    // Absent stays absent.
    let absent = to_v3(&field(&m, "PID", 6, "XPN"), &opts).unwrap();
    assert!(absent.value.is_none() && absent.losses.is_empty());
    assert_eq!(
        to_v2(None, "XPN", m.lean().delimiters()).unwrap().value,
        None
    );
    // A null component is a null part.
    let m = msg("2.5", "PID|1||1||Levin^\"\"");
    let r = to_v3(&field(&m, "PID", 5, "XPN"), &MapOptions::default()).unwrap();
    let Some(Nullable::Value(AnyValue::PN(pn))) = &r.value else {
        panic!()
    };
    assert!(matches!(&pn.parts[0], Mixed::Part(_, n) if n.null_flavor() == Some(NullFlavor::NI)));
}

#[test]
fn tables_map_codes_and_report_the_rest() {
    let m = msg(
        "2.5",
        "PID|1||1||X||||||1050 W Wishard Blvd^^Indianapolis^IN^46240^USA^O",
    );
    let r = to_v3(&field(&m, "PID", 11, "XAD"), &MapOptions::default()).unwrap();
    assert!(losses(&r)[0].contains("\"O\""), "{:?}", losses(&r));
    let m = msg("2.5", "PID|1||1||X||||||Main St^^Town^^^^N");
    let r = to_v3(&field(&m, "PID", 11, "XAD"), &MapOptions::default()).unwrap();
    assert!(
        losses(&r)[0].contains("no PostalAddressUse"),
        "{:?}",
        losses(&r)
    );
    let m = msg("2.5", "PID|1||1||X||||||||^PRN^PH^^1^555^5551234^12");
    let r = to_v3(&field(&m, "PID", 13, "XTN"), &MapOptions::default()).unwrap();
    assert!(r.losses.is_empty(), "{:?}", losses(&r));
    assert_eq!(
        hl7_v3::to_xml("telecom", r.value.as_ref().unwrap()).unwrap(),
        r#"<telecom xmlns="urn:hl7-org:v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="TEL" value="tel:+1-555-5551234;ext=12" use="HP"/>"#
    );
    let m = msg("2.5", "PID|1||1||X||||||||^NET^Internet^henry@example.org");
    let r = to_v3(&field(&m, "PID", 13, "XTN"), &MapOptions::default()).unwrap();
    let back = to_v2(r.value.as_ref(), "XTN", m.lean().delimiters()).unwrap();
    assert_eq!(
        back.value.as_deref(),
        Some("^NET^Internet^henry@example.org")
    );
}

/// The way back of XTN reads the same tables as the way there: every telecom use row and
/// every equipment type row of `codetables.yaml` comes back from the v3 use and URL scheme,
/// a marked lossy type (CP) from its marker use, and anything else is reported.
#[test]
fn telecom_codes_come_back_by_the_code_tables() {
    use hl7_v3::code_tables::{
        EQUIPMENT_TYPE, EQUIPMENT_TYPE_LOSSY, EQUIPMENT_TYPE_MARKED, TELECOM_USE,
    };
    use hl7_v3::datatypes::TEL;
    let d = Delimiters::default();
    let back = |value: &str, uses: &[&str]| {
        let tel = TEL {
            value: Some(value.to_owned()),
            use_: uses.iter().map(|u| (*u).to_owned()).collect(),
            ..TEL::default()
        };
        to_v2(Some(&Nullable::Value(AnyValue::TEL(tel))), "XTN", &d).unwrap()
    };
    for (v2, v3) in TELECOM_USE {
        let b = back("tel:+1-555-5551234", &[v3]);
        assert_eq!(b.value.unwrap(), format!("^{v2}^PH^^1^555^5551234"));
        assert!(b.losses.is_empty(), "{v3}: {:?}", b.losses);
    }
    for (v2, scheme) in EQUIPMENT_TYPE {
        let b = back(&format!("{scheme}x@example.org"), &["WP"]);
        let comps: Vec<String> = b.value.unwrap().split('^').map(str::to_owned).collect();
        assert_eq!(comps[2], *v2, "{scheme}");
        assert!(b.losses.is_empty(), "{scheme}: {:?}", b.losses);
    }
    assert!(!EQUIPMENT_TYPE_MARKED.is_empty());
    for (v2, mark) in EQUIPMENT_TYPE_MARKED {
        let scheme = EQUIPMENT_TYPE_LOSSY
            .iter()
            .find(|(c, _)| c == v2)
            .unwrap()
            .1;
        let b = back(&format!("{scheme}+1-555-5551234"), &["WP", mark]);
        assert_eq!(b.value.unwrap(), format!("^WPN^{v2}^^1^555^5551234"));
        assert!(b.losses.is_empty(), "{v2}: {:?}", b.losses);
        // Without its marker the lossy type reads back as the row that owns the scheme.
        let b = back(&format!("{scheme}+1-555-5551234"), &["WP"]);
        assert!(!b.value.unwrap().contains(v2));
    }
    // A marker on a URL whose scheme it does not mark is a use with no v2 code, reported;
    // so is a URL of no table 0202 scheme.
    let b = back("fax:+1-555-5551234", &["MC"]);
    assert_eq!(b.value.as_deref(), Some("^^FX^^1^555^5551234"));
    assert_eq!(b.losses.len(), 1, "{:?}", b.losses);
    let b = back("http://example.org/contact", &[]);
    assert_eq!(b.losses.len(), 1, "{:?}", b.losses);
    assert_eq!(b.losses[0].at, "TEL.value");
}

#[test]
fn numbers_quantities_and_structured_numerics() {
    let m = msg("2.5", "OBX|1|NM|X||1.50|mg/dL^^UCUM");
    let r = to_v3(&field(&m, "OBX", 5, "NM"), &MapOptions::default()).unwrap();
    assert!(
        matches!(&r.value, Some(Nullable::Value(AnyValue::REAL(x))) if x.value.as_deref() == Some("1.50"))
    );
    let m = msg("2.5", "OBX|1|SN|X||<^10");
    let r = to_v3(&field(&m, "OBX", 5, "SN"), &MapOptions::default()).unwrap();
    let xml = hl7_v3::to_xml("value", r.value.as_ref().unwrap()).unwrap();
    assert!(
        xml.contains(r#"xsi:type="IVL_REAL"><high value="10" inclusive="false"/>"#),
        "{xml}"
    );
    let m = msg("2.5", "OBX|1|SN|X||^1^:^128");
    let r = to_v3(&field(&m, "OBX", 5, "SN"), &MapOptions::default()).unwrap();
    assert!(matches!(
        &r.value,
        Some(Nullable::Value(AnyValue::RTO_PQ_PQ(_)))
    ));
    let back = to_v2(r.value.as_ref(), "SN", m.lean().delimiters()).unwrap();
    assert_eq!(back.value.as_deref(), Some("^1^:^128"));
    let m = msg("2.5", "OBX|1|SN|X||<>^10");
    let r = to_v3(&field(&m, "OBX", 5, "SN"), &MapOptions::default()).unwrap();
    assert!(losses(&r)[0].contains("not expressible"));
}

#[test]
fn v3_only_content_is_reported_on_the_way_back() {
    let pn: Nullable<PN> = hl7_v3::from_xml(
        r#"<name use="L"><given>A</given><given>B</given><given>C</given><family>D</family><family>E</family></name>"#,
    )
    .unwrap();
    let Nullable::Value(pn) = pn else { panic!() };
    let r = to_v2(
        Some(&Nullable::Value(AnyValue::PN(pn))),
        "XPN",
        &Delimiters::default(),
    )
    .unwrap();
    assert_eq!(r.value.as_deref(), Some("D^A^B C^^^^L"));
    assert_eq!(r.losses.len(), 2, "{:?}", losses(&r));
    let ii: Nullable<II> =
        hl7_v3::from_xml(r#"<id root="1.2.3" extension="9" displayable="true"/>"#).unwrap();
    let Nullable::Value(ii) = ii else { panic!() };
    let r = to_v2(
        Some(&Nullable::Value(AnyValue::II(ii))),
        "HD",
        &Delimiters::default(),
    )
    .unwrap();
    assert_eq!(r.value.as_deref(), Some("^1.2.3^ISO"));
    assert_eq!(r.losses.len(), 2, "{:?}", losses(&r));
}

/// Text that survives ER7 escaping: printable, no separators in the clear.
fn word() -> impl Strategy<Value = String> {
    "[A-Za-z0-9 .'|&~^\\\\-]{1,12}"
        .prop_map(|s| s.trim().to_owned())
        .prop_filter("non-empty", |s| !s.is_empty())
}

fn esc(s: &str) -> String {
    hl7_model::er7::escape::escape(s, &Delimiters::default()).into_owned()
}

proptest! {
    /// Generated CX, XPN, CE, TS, XAD, XTN, SN, DR, TM, TQ and XCN values: v2 → v3 → v2 is the identity
    /// whenever the loss report is empty, and never silent otherwise. TS, DR, SN, TM and TQ
    /// (its timing with `to_v3`, with its dose and priority too with `to_v3_act`) always map
    /// without loss.
    #[test]
    fn v2_v3_v2_is_the_identity_where_nothing_is_lost(
        id in word(), fam in word(), given in proptest::option::of(word()),
        oid in "[12](\\.[1-9][0-9]{0,3}){1,6}", code in word(),
        system in prop::sample::select(vec!["LN", "SCT", "I10", "99LOC", "L"]),
        ts in "(19|20)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|1[0-9]|2[0-8])([01][0-9][0-5][0-9])?",
        use_code in prop::sample::select(vec!["L", "A", "S", "D", "B", ""]),
        addr_type in prop::sample::select(vec!["H", "B", "O", "M", "N", ""]),
        tel in prop::sample::select(vec!["^PRN^PH^^1^555^5551234", "^WPN^CP^^^555^5551234^12", "^NET^Internet^a@b.org", "(555)555-1234^ORN", "^BPN^BP^^^^123"]),
        n1 in "[0-9]{1,4}(\\.[0-9]{1,2})?", n2 in "[0-9]{1,4}",
        sn_form in 0usize..4,
        tm in "([01][0-9]|2[0-3])([0-5][0-9]([0-5][0-9](\\.[0-9]{1,4})?)?)?",
        tq_form in 0usize..7, n3 in "[1-9][0-9]{0,2}",
        tq_unit in prop::sample::select(vec!["S", "M", "H", "D", "W", "L"]),
        event in prop::sample::select(vec!["AC", "PC", "HS", "WAKE", "ACM", "PCV"]),
        institution in prop::sample::select(vec!["QD", "BID", "TID", "QID", "QOD"]),
        dose in proptest::option::of(("[1-9][0-9]{0,2}(\\.[0-9]{1,2})?", prop::sample::select(vec!["", "&mg", "&mL", "&{tbl}"]))),
        priority in prop::sample::select(vec!["S", "A", "R", "P", "T", ""]),
    ) {
        let given = given.map(|g| esc(&g)).unwrap_or_default();
        let tq_text = match tq_form {
            0 => format!("^Q{n3}H"),
            1 => format!("^^^{ts}^{ts}"),
            2 => format!("^^D{n3}^{ts}"),
            3 => "^TID".to_owned(),
            // A repeat pattern within bounds: an SXPR of the IVL and the PIVL or EIVL.
            4 => format!("^Q{n3}{tq_unit}^^{ts}^{ts}"),
            5 => format!("^{event}^D{n3}^{ts}"),
            _ => format!("^{institution}^D{n3}"),
        };
        let cases = [
            ("PID", 3, "CX", format!("{}^^^&{oid}&ISO", esc(&id))),
            ("PID", 5, "XPN", format!("{}^{given}^^^^^{use_code}", esc(&fam))),
            ("OBX", 3, "CE", format!("{}^{}^{system}", esc(&code), esc(&fam))),
            ("PID", 7, "TS", ts.clone()),
            ("PID", 11, "XAD", format!("{}^^{}^^{n2}^^{addr_type}", esc(&fam), esc(&code))),
            ("PID", 13, "XTN", tel.to_owned()),
            ("OBX", 5, "SN", match sn_form {
                0 => format!("^{n1}"),
                1 => format!("<^{n1}"),
                2 => format!("^{n1}^-^{n2}"),
                _ => format!("^{n1}^:^{n2}"),
            }),
            ("PV1", 45, "DR", format!("{ts}^{ts}")),
            ("OBX", 5, "TM", tm.clone()),
            ("ORC", 7, "TQ", tq_text.clone()),
        ];
        for (seg, seq, dt, text) in cases {
            let fields = "|".repeat(seq);
            let m = msg("2.5", &format!("{seg}{fields}{text}"));
            let d = *m.lean().delimiters();
            let v = field(&m, seg, seq, dt);
            let r = to_v3(&v, &MapOptions::default()).unwrap();
            let back = to_v2(r.value.as_ref(), dt, &d).unwrap();
            // These shapes lose nothing, so the identity below is checked on every case.
            // (A literal backslash is reported: decoded text cannot tell it from a kept
            // formatting escape.)
            if matches!(dt, "TS" | "DR" | "SN" | "TM" | "TQ") || (dt == "CX" && !id.contains('\\')) {
                prop_assert!(r.losses.is_empty() && back.losses.is_empty(), "{} {:?} {:?}", text, r.losses, back.losses);
            }
            if r.losses.is_empty() && back.losses.is_empty() {
                let expected = trimmed(&text, &d);
                prop_assert_eq!(back.value.as_deref(), Some(expected.as_str()), "{}", dt);
            } else {
                // Something was reported: it names a position of this datatype.
                prop_assert!(r.losses.iter().chain(&back.losses).all(|l| !l.at.is_empty() && !l.what.is_empty()));
            }
        }
        // The same timing with a dose and a priority, through to_v3_act: nothing is lost.
        let pad = "^".repeat(6 - tq_text.split('^').count());
        let qty = dose.map(|(n, u)| format!("{n}{u}")).unwrap_or_default();
        let text = format!("{qty}{tq_text}{pad}{priority}");
        let m = msg("2.5", &format!("ORC|NW||||||{text}"));
        let d = *m.lean().delimiters();
        let r = map::to_v3_act(&field(&m, "ORC", 7, "TQ"), &MapOptions::default()).unwrap();
        let back = map::act_to_v2(r.value.as_ref(), &d).unwrap();
        prop_assert!(r.losses.is_empty() && back.losses.is_empty(), "{} {:?} {:?}", text, r.losses, back.losses);
        let expected = trimmed(&text, &d);
        prop_assert_eq!(back.value.as_deref(), Some(expected.as_str()));
        // A practitioner's identifier and name together (XCN), through to_v3_entity.
        let text = format!("{}^{}^{given}^^^^^^&{oid}&ISO^{use_code}", esc(&id), esc(&fam));
        let m = msg("2.5", &format!("ORC|NW|||||||||||{text}"));
        let d = *m.lean().delimiters();
        let r = map::to_v3_entity(&field(&m, "ORC", 12, "XCN"), &MapOptions::default()).unwrap();
        let back = map::entity_to_v2(r.value.as_ref(), desc(&m, "XCN"), &d).unwrap();
        if r.losses.is_empty() && back.losses.is_empty() {
            let expected = trimmed(&text, &d);
            prop_assert_eq!(back.value.as_deref(), Some(expected.as_str()));
        } else {
            prop_assert!(r.losses.iter().chain(&back.losses).all(|l| l.at.starts_with("XCN") || l.at.starts_with("PN")), "{:?}", r.losses);
        }
    }
}

#[test]
fn practitioner_and_organization_names() {
    // ORC-12 ordering provider (XCN): the name maps to PN, the identifier is reported.
    let m = msg(
        "2.5",
        "ORC|NW|||||||||||1234^Slide^Stan^S^^Dr^MD^^NPI&2.16.840.1.113883.4.6&ISO^L",
    );
    let r = to_v3(&field(&m, "ORC", 12, "XCN"), &MapOptions::default()).unwrap();
    let Some(Nullable::Value(AnyValue::PN(pn))) = &r.value else {
        panic!("{r:?}")
    };
    let xml = hl7_v3::to_xml("name", &Nullable::Value(pn.clone())).unwrap();
    assert_eq!(
        xml,
        r#"<name xmlns="urn:hl7-org:v3" use="L"><prefix>Dr</prefix><given>Stan</given><given>S</given><family>Slide</family><suffix qualifier="AC">MD</suffix></name>"#
    );
    let at: Vec<&str> = r.losses.iter().map(|l| l.at.as_str()).collect();
    assert_eq!(at, ["XCN.1", "XCN.9"], "{:?}", losses(&r));
    // Back, the name lands where XCN keeps it.
    let back = to_v2(r.value.as_ref(), "XCN", m.lean().delimiters()).unwrap();
    assert_eq!(back.value.as_deref(), Some("^Slide^Stan^S^^Dr^MD^^^L"));
    // XON (PD1-3, the primary facility): the organisation name is the ON's text.
    let m = msg(
        "2.5",
        "PD1|||Good Health Clinic^L^^^^CLIA&2.16.840.1.113883.19.4.6&ISO^XX^^^1236",
    );
    let v = field(&m, "PD1", 3, "XON");
    let r = to_v3(&v, &MapOptions::default()).unwrap();
    assert!(
        matches!(&r.value, Some(Nullable::Value(AnyValue::ON(on))) if matches!(&on.parts[..], [Mixed::Text(t)] if t == "Good Health Clinic")),
        "{r:?}"
    );
    assert!(
        r.losses.iter().any(|l| l.at == "XON.10"),
        "{:?}",
        losses(&r)
    );
}

#[test]
fn encapsulated_data() {
    let m = msg("2.5", "OBX|1|ED|PDF^Report||LAB^AP^pdf^Base64^JVBERi0xLjQK");
    let r = to_v3(&field(&m, "OBX", 5, "ED"), &MapOptions::default()).unwrap();
    assert_eq!(
        hl7_v3::to_xml("value", r.value.as_ref().unwrap()).unwrap(),
        r#"<value xmlns="urn:hl7-org:v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="ED" representation="B64" mediaType="application/pdf">JVBERi0xLjQK</value>"#
    );
    // ED.1, the source application, has no place in ED.
    assert_eq!(r.losses.len(), 1, "{:?}", losses(&r));
    assert_eq!(r.losses[0].at, "ED.1");
    let back = to_v2(r.value.as_ref(), "ED", m.lean().delimiters()).unwrap();
    assert_eq!(back.value.as_deref(), Some("^AP^pdf^Base64^JVBERi0xLjQK"));
    // Hex would need re-encoding: reported, not written as text.
    let m = msg("2.5", "OBX|1|ED|X||^AP^pdf^Hex^25504446");
    let r = to_v3(&field(&m, "OBX", 5, "ED"), &MapOptions::default()).unwrap();
    assert!(losses(&r)[0].contains("Hex"), "{:?}", losses(&r));
}

#[test]
fn time_of_day_is_a_quantity_since_midnight() {
    for (tm, value, unit) in [
        ("07", "7", "h"),
        ("1430", "870", "min"),
        ("143015.25", "52215.25", "s"),
        ("000000", "0", "s"),
    ] {
        let m = msg("2.5", &format!("OBX|1|TM|X||{tm}"));
        let r = to_v3(&field(&m, "OBX", 5, "TM"), &MapOptions::default()).unwrap();
        let Some(Nullable::Value(AnyValue::PQ(pq))) = &r.value else {
            panic!("{r:?}")
        };
        assert_eq!(
            (pq.value.as_deref(), pq.unit.as_deref()),
            (Some(value), Some(unit))
        );
        assert!(r.losses.is_empty(), "{:?}", losses(&r));
        let back = to_v2(r.value.as_ref(), "TM", m.lean().delimiters()).unwrap();
        assert_eq!(back.value.as_deref(), Some(tm));
        assert!(back.losses.is_empty());
    }
    // A zone has nowhere to go; a time that is not one is reported, not guessed.
    let m = msg("2.5", "OBX|1|TM|X||0930-0500");
    let r = to_v3(&field(&m, "OBX", 5, "TM"), &MapOptions::default()).unwrap();
    assert!(losses(&r)[0].contains("-0500"), "{:?}", losses(&r));
    let m = msg("2.5", "OBX|1|TM|X||2561");
    let r = to_v3(&field(&m, "OBX", 5, "TM"), &MapOptions::default()).unwrap();
    assert!(
        losses(&r)[0].contains("not a time of day"),
        "{:?}",
        losses(&r)
    );
}

#[test]
fn v2_1_telephone_numbers_become_tel_urls() {
    // PID-13 is TN in 2.2.
    let cases = [
        ("(555)555-1234", "tel:(555)555-1234", 0),
        ("1 (555)555-1234 X12", "tel:+1-(555)555-1234;ext=12", 0),
        ("555-1234 B77 C after six", "tel:555-1234", 2),
    ];
    for (tn, url, lost) in cases {
        let m = msg("2.2", &format!("PID|||1||Doe^John||||||||{tn}"));
        let r = to_v3(&field(&m, "PID", 13, "TN"), &MapOptions::default()).unwrap();
        let Some(Nullable::Value(AnyValue::TEL(tel))) = &r.value else {
            panic!("{r:?}")
        };
        assert_eq!(tel.value.as_deref(), Some(url));
        assert_eq!(r.losses.len(), lost, "{:?}", losses(&r));
        if lost == 0 {
            let back = to_v2(r.value.as_ref(), "TN", m.lean().delimiters()).unwrap();
            assert_eq!(back.value.as_deref(), Some(tn));
        }
    }
    let m = msg("2.2", "PID|||1||Doe^John||||||||call the ward");
    let r = to_v3(&field(&m, "PID", 13, "TN"), &MapOptions::default()).unwrap();
    assert!(losses(&r)[0].contains("not a telephone number"));
}

#[test]
fn reference_pointer_from_the_corpus() {
    // HAPI's parser test sends an RP observation whose pointer is a URL.
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/corpus/messages/hapi-hl7v2/ParserTest_L189.hl7");
    let text = String::from_utf8_lossy(&std::fs::read(path).unwrap()).into_owned();
    let m = parse(&text);
    let lean = m.lean();
    let d = lean.delimiters();
    let obx = (0..lean.segment_count())
        .map(|i| SegmentView::new(lean.segment(i as u32), d))
        .find(|s| s.id() == "OBX" && s.field(2).as_str() == "RP")
        .unwrap();
    let v = V2Value::new(obx.field(5).first(), d, "RP");
    let r = to_v3(&v, &MapOptions::default()).unwrap();
    assert_eq!(
        hl7_v3::to_xml("value", r.value.as_ref().unwrap()).unwrap(),
        r#"<value xmlns="urn:hl7-org:v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="ED"><reference value="http://TRACEMASTERVUE/TMVWebAPIClient/ShowTIFFImage.aspx?ECGID=0595f00-317e-11e2-4823-00201fe00029"/></value>"#
    );
    assert!(r.losses.is_empty(), "{:?}", losses(&r));
    let back = to_v2(r.value.as_ref(), "RP", d).unwrap();
    assert_eq!(back.value.as_deref(), Some(obx.field(5).as_str()));
    // RP.2, the application that resolves the pointer, and a pointer that is no URL.
    let m = msg("2.5", "OBX|1|RP|X||IMG0042^PACS&1.2.3&ISO^IM^jpeg");
    let r = to_v3(&field(&m, "OBX", 5, "RP"), &MapOptions::default()).unwrap();
    let at: Vec<&str> = r.losses.iter().map(|l| l.at.as_str()).collect();
    assert_eq!(at, ["RP.1", "RP.2"], "{:?}", losses(&r));
    let Some(Nullable::Value(AnyValue::ED(ed))) = &r.value else {
        panic!()
    };
    assert_eq!(ed.media_type.as_deref(), Some("image/jpeg"));
}

#[test]
fn practitioner_and_organization_identifiers() {
    let m = msg(
        "2.5",
        "ORC|NW|||||||||||1234^Slide^Stan^S^^Dr^MD^^NPI&2.16.840.1.113883.4.6&ISO^L",
    );
    let d = *m.lean().delimiters();
    let r = map::to_v3_entity(&field(&m, "ORC", 12, "XCN"), &MapOptions::default()).unwrap();
    assert!(r.losses.is_empty(), "{:?}", losses(&r));
    let e = r.value.as_ref().unwrap();
    assert_eq!(
        e.id,
        Some(Nullable::Value(II {
            root: Some("2.16.840.1.113883.4.6".into()),
            extension: Some("1234".into()),
            assigning_authority_name: Some("NPI".into()),
            ..II::default()
        }))
    );
    assert!(matches!(&e.name, Some(Nullable::Value(AnyValue::PN(_)))));
    let back = map::entity_to_v2(Some(e), desc(&m, "XCN"), &d).unwrap();
    assert_eq!(
        back.value.as_deref(),
        Some("1234^Slide^Stan^S^^Dr^MD^^NPI&2.16.840.1.113883.4.6&ISO^L")
    );
    assert!(back.losses.is_empty());
    // XON: XON.10 is the identifier, XON.6 its authority; XON.2 and XON.7 are reported.
    let m = msg(
        "2.5",
        "PD1|||Good Health Clinic^L^^^^CLIA&2.16.840.1.113883.19.4.6&ISO^XX^^^1236",
    );
    let r = map::to_v3_entity(&field(&m, "PD1", 3, "XON"), &MapOptions::default()).unwrap();
    let at: Vec<&str> = r.losses.iter().map(|l| l.at.as_str()).collect();
    assert_eq!(at, ["XON.2", "XON.7"], "{:?}", losses(&r));
    let id = r.value.as_ref().unwrap().id.clone().unwrap();
    assert_eq!(
        hl7_v3::to_xml("id", &id).unwrap(),
        r#"<id xmlns="urn:hl7-org:v3" root="2.16.840.1.113883.19.4.6" extension="1236" assigningAuthorityName="CLIA"/>"#
    );
    // Back to 2.5: the identifier in XON.10, its authority in XON.6.
    let back = map::entity_to_v2(r.value.as_ref(), desc(&m, "XON"), m.lean().delimiters()).unwrap();
    assert_eq!(
        back.value.as_deref(),
        Some("Good Health Clinic^^^^^CLIA&2.16.840.1.113883.19.4.6&ISO^^^^1236")
    );
    assert!(back.losses.is_empty(), "{:?}", back.losses);
    // Before 2.5 the ID number is XON.3, both ways.
    let m = msg("2.3", "PD1|||Good Health Clinic^^1236");
    let r = map::to_v3_entity(&field(&m, "PD1", 3, "XON"), &MapOptions::default()).unwrap();
    let id = r.value.as_ref().unwrap().id.clone().unwrap();
    assert_eq!(id.value().unwrap().extension.as_deref(), Some("1236"));
    let back = map::entity_to_v2(r.value.as_ref(), desc(&m, "XON"), m.lean().delimiters()).unwrap();
    assert_eq!(back.value.as_deref(), Some("Good Health Clinic^^1236"));
    assert!(back.losses.is_empty(), "{:?}", back.losses);
    // The same organisation written for 2.5 has its identifier in XON.10.
    let v25 = msg("2.5", "PD1");
    let back =
        map::entity_to_v2(r.value.as_ref(), desc(&v25, "XON"), m.lean().delimiters()).unwrap();
    assert_eq!(
        back.value.as_deref(),
        Some("Good Health Clinic^^^^^^^^^1236")
    );
}

/// A 2.3 order from the corpus (`PD1|||FACILITY(EAST)^^12345`): the primary facility's ID
/// number, XON.3, becomes the II extension and goes back to XON.3, not to XON.10, which 2.3
/// does not have.
#[test]
fn organization_identifier_before_2_5_from_the_corpus() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/corpus/messages/node-hl7-complete/orm-example.hl7");
    let text = String::from_utf8_lossy(&std::fs::read(path).unwrap()).into_owned();
    let m = parse(&text);
    assert_eq!(m.version().version, "2.3");
    let d = *m.lean().delimiters();
    let r = map::to_v3_entity(&field(&m, "PD1", 3, "XON"), &MapOptions::default()).unwrap();
    assert!(r.losses.is_empty(), "{:?}", losses(&r));
    let e = r.value.as_ref().unwrap();
    assert_eq!(
        e.id.as_ref().unwrap().value().unwrap().extension.as_deref(),
        Some("12345")
    );
    let back = map::entity_to_v2(Some(e), desc(&m, "XON"), &d).unwrap();
    assert_eq!(back.value.as_deref(), Some("FACILITY(EAST)^^12345"));
    assert!(back.losses.is_empty(), "{:?}", back.losses);
}

/// The message's version's definition of datatype `id`.
fn desc(m: &Message, id: &str) -> &'static hl7_model::descriptor::DatatypeDesc {
    m.version().datatypes.iter().find(|c| c.id == id).unwrap()
}

/// ORC-7 of a corpus message, as a TQ.
fn corpus_orc_7(file: &str, f: impl FnOnce(V2Value, &Delimiters)) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/corpus/messages")
        .join(file);
    let text = String::from_utf8_lossy(&std::fs::read(path).unwrap()).into_owned();
    let m = parse(&text);
    let lean = m.lean();
    let d = lean.delimiters();
    let orc = (0..lean.segment_count())
        .map(|i| SegmentView::new(lean.segment(i as u32), d))
        .find(|s| s.id() == "ORC")
        .unwrap();
    f(V2Value::new(orc.field(7).first(), d, "TQ"), d);
}

#[test]
fn timing_quantity_to_general_timing() {
    // Q6H for ten days (a 2.6 PPR from the corpus, `^Q6H^D10^^^R`): an SXPR of the ten-day
    // interval and the six-hour period intersected with it; the priority R is reported.
    corpus_orc_7(
        "lfh-hl7v2-fhir/Hl7ServiceRequestFHIRConversionTest_L46.hl7",
        |v, d| {
            let r = to_v3(&v, &MapOptions::default()).unwrap();
            assert_eq!(
                hl7_v3::to_xml("effectiveTime", r.value.as_ref().unwrap()).unwrap(),
                r#"<effectiveTime xmlns="urn:hl7-org:v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="SXPR_TS"><comp xsi:type="IVL_TS"><width xsi:type="PQ" value="10" unit="d"/></comp><comp xsi:type="PIVL_TS" operator="A"><period value="6" unit="h"/></comp></effectiveTime>"#
            );
            let at: Vec<&str> = r.losses.iter().map(|l| l.at.as_str()).collect();
            assert_eq!(at, ["TQ.6"], "{:?}", losses(&r));
            let back = to_v2(r.value.as_ref(), "TQ", d).unwrap();
            assert_eq!(back.value.as_deref(), Some("^Q6H^D10"));
            assert!(back.losses.is_empty(), "{:?}", back.losses);
        },
    );
    // Start and end (a 2.5 ORM from the corpus): an IVL<TS>; the quantity is reported.
    corpus_orc_7("hapi-hl7v2/GroupGeneratorTest_L45.hl7", |v, d| {
        let r = to_v3(&v, &MapOptions::default()).unwrap();
        assert_eq!(
            hl7_v3::to_xml("effectiveTime", r.value.as_ref().unwrap()).unwrap(),
            r#"<effectiveTime xmlns="urn:hl7-org:v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="IVL_TS"><low value="20070228"/><high value="20120411"/></effectiveTime>"#
        );
        let at: Vec<&str> = r.losses.iter().map(|l| l.at.as_str()).collect();
        assert_eq!(at, ["TQ.1"], "{:?}", losses(&r));
        let back = to_v2(r.value.as_ref(), "TQ", d).unwrap();
        assert_eq!(back.value.as_deref(), Some("^^^20070228^20120411"));
    });
    // Institution-specified and meal-related patterns, a start with a duration, and what
    // has no GTS form.
    for (tq, xml_has, lossless) in [
        (
            "^BID",
            r#"institutionSpecified="true"><period value="12" unit="h"/>"#,
            true,
        ),
        ("^Q2D", r#"<period value="2" unit="d"/>"#, true),
        (
            "^HS",
            r#"<event code="HS" codeSystem="2.16.840.1.113883.5.139"/>"#,
            true,
        ),
        (
            "^^D10^20240101",
            r#"<low value="20240101"/><width xsi:type="PQ" value="10" unit="d"/>"#,
            true,
        ),
        (
            "^TID^^20240101^20240110",
            r#"xsi:type="SXPR_TS"><comp xsi:type="IVL_TS"><low value="20240101"/><high value="20240110"/></comp><comp xsi:type="PIVL_TS" operator="A" institutionSpecified="true"><period value="8" unit="h"/></comp>"#,
            true,
        ),
        (
            "^AC^D5",
            r#"<comp xsi:type="EIVL_TS" operator="A"><event code="AC" codeSystem="2.16.840.1.113883.5.139"/></comp>"#,
            true,
        ),
        ("^Once", "", false),
        ("^Q6H^^^^^^^^^S", "", false),
    ] {
        let m = msg("2.5", &format!("ORC|NW||||||{tq}"));
        let r = to_v3(&field(&m, "ORC", 7, "TQ"), &MapOptions::default()).unwrap();
        let xml = hl7_v3::to_xml("effectiveTime", r.value.as_ref().unwrap()).unwrap();
        assert!(xml.contains(xml_has), "{tq}: {xml}");
        let again: Nullable<AnyValue> = hl7_v3::from_xml(&xml).unwrap();
        assert_eq!(&again, r.value.as_ref().unwrap(), "{xml}");
        assert_eq!(r.losses.is_empty(), lossless, "{tq}: {:?}", losses(&r));
        if lossless {
            let back = to_v2(r.value.as_ref(), "TQ", m.lean().delimiters()).unwrap();
            assert_eq!(back.value.as_deref(), Some(tq));
            assert!(back.losses.is_empty());
        }
    }
}

#[test]
fn timing_quantity_with_its_act_level_parts() {
    // `^Q6H^D10^^^R` (the 2.6 corpus PPR): the priority R becomes the act's priorityCode,
    // so nothing is reported, and the TQ comes back whole.
    corpus_orc_7(
        "lfh-hl7v2-fhir/Hl7ServiceRequestFHIRConversionTest_L46.hl7",
        |v, d| {
            let r = map::to_v3_act(&v, &MapOptions::default()).unwrap();
            assert!(r.losses.is_empty(), "{:?}", losses(&r));
            let act = r.value.as_ref().unwrap();
            assert!(matches!(
                act.effective_time,
                Some(Nullable::Value(AnyValue::SXPR_TS(_)))
            ));
            assert_eq!(act.dose_quantity, None);
            assert_eq!(
                hl7_v3::to_xml("priorityCode", act.priority_code.as_ref().unwrap()).unwrap(),
                r#"<priorityCode xmlns="urn:hl7-org:v3" code="R" codeSystem="2.16.840.1.113883.5.7"/>"#
            );
            let back = map::act_to_v2(r.value.as_ref(), d).unwrap();
            assert_eq!(back.value.as_deref(), Some("^Q6H^D10^^^R"));
            assert!(back.losses.is_empty(), "{:?}", back.losses);
            // to_v3 still maps the timing alone, and reports the priority.
            let t = to_v3(&v, &MapOptions::default()).unwrap();
            assert_eq!(t.value, act.effective_time);
            assert_eq!(t.losses.len(), 1);
            assert_eq!(t.losses[0].at, "TQ.6");
        },
    );
    // `1^^^20070228^20120411` (the 2.5 corpus ORM): the quantity 1 is the dose.
    corpus_orc_7("hapi-hl7v2/GroupGeneratorTest_L45.hl7", |v, d| {
        let r = map::to_v3_act(&v, &MapOptions::default()).unwrap();
        assert!(r.losses.is_empty(), "{:?}", losses(&r));
        let act = r.value.as_ref().unwrap();
        assert_eq!(
            hl7_v3::to_xml("doseQuantity", act.dose_quantity.as_ref().unwrap()).unwrap(),
            r#"<doseQuantity xmlns="urn:hl7-org:v3" value="1"/>"#
        );
        assert!(matches!(
            act.effective_time,
            Some(Nullable::Value(AnyValue::IVL_TS(_)))
        ));
        let back = map::act_to_v2(r.value.as_ref(), d).unwrap();
        assert_eq!(back.value.as_deref(), Some("1^^^20070228^20120411"));
    });
    for (tq, lost, back) in [
        // A dose with its unit, a stat priority, no timing.
        ("2&mg^^^^^S", &[][..], Some("2&mg^^^^^S")),
        // Callback and as-needed have no ActPriority code; the condition has no place.
        ("^Q4H^^^^C", &["TQ.6"][..], None),
        ("^Q4H^^^^PRN^take with food", &["TQ.6", "TQ.7"][..], None),
        ("abc^QD", &["TQ.1.1"][..], None),
        ("\"\"^^^^^\"\"", &[][..], Some("\"\"^^^^^\"\"")),
    ] {
        let m = msg("2.5", &format!("ORC|NW||||||{tq}"));
        let d = *m.lean().delimiters();
        let r = map::to_v3_act(&field(&m, "ORC", 7, "TQ"), &MapOptions::default()).unwrap();
        let at: Vec<&str> = r.losses.iter().map(|l| l.at.as_str()).collect();
        assert_eq!(at, lost, "{tq}: {:?}", losses(&r));
        if let Some(expected) = back {
            let b = map::act_to_v2(r.value.as_ref(), &d).unwrap();
            assert_eq!(b.value.as_deref(), Some(expected), "{tq}");
            assert!(b.losses.is_empty(), "{tq}: {:?}", b.losses);
        }
    }
    // A whole TQ sent as "" is a null timing, and comes back as "".
    let m = msg("2.5", "ORC|NW||||||\"\"");
    let r = map::to_v3_act(&field(&m, "ORC", 7, "TQ"), &MapOptions::default()).unwrap();
    let act = r.value.as_ref().unwrap();
    assert_eq!(
        act.effective_time.as_ref().unwrap().null_flavor(),
        Some(NullFlavor::NI)
    );
    let b = map::act_to_v2(r.value.as_ref(), m.lean().delimiters()).unwrap();
    assert_eq!(b.value.as_deref(), Some("\"\""));
    // Another datatype is refused; an ActPriority code outside table 0027's rows is
    // reported on the way back.
    assert!(map::to_v3_act(&field(&m, "ORC", 1, "ID"), &MapOptions::default()).is_err());
    let rush = map::TqAct {
        priority_code: Some(Nullable::Value(hl7_v3::datatypes::CE {
            code: Some("RR".into()),
            code_system: Some(map::ACT_PRIORITY_SYSTEM.into()),
            ..Default::default()
        })),
        ..Default::default()
    };
    let b = map::act_to_v2(Some(&rush), m.lean().delimiters()).unwrap();
    assert_eq!(b.value.as_deref(), Some(""));
    assert_eq!(b.losses.len(), 1, "{:?}", b.losses);
}
