//! The fixture version's generated views and descriptors work like hl7-model's own.

use hl7_fixture_version::v2_99::{self as fixture, VERSION};
use hl7_model::delimiters::Delimiters;
use hl7_model::descriptor::VersionDesc;
use hl7_model::descriptor::{Card, Usage};
use hl7_model::message::{Message, ParseOptions};
use hl7_model::tree::Lean;
use hl7_model::typed::{TypedComposite, TypedGroup, TypedSegment, TypedStructure};
use hl7_model::view::SegmentView;

type OruR01 = fixture::OruR01<'static>;

#[test]
fn the_folder_became_a_module_with_its_descriptors() {
    assert_eq!(VERSION.version, "2.99");
    let ids: Vec<_> = VERSION.segments.iter().map(|s| s.id).collect();
    assert_eq!(ids, ["MSH", "NTE", "OBR", "OBX", "PID"]);
    assert_eq!(
        VERSION.resolve_structure("ORU", "W01", None).map(|s| s.id),
        Some("ORU_R01")
    );
    // The version's tables hold the views' own descriptors.
    let oru = <OruR01 as TypedStructure>::STRUCTURE;
    assert_eq!(oru.id, "ORU_R01");
    assert_eq!(VERSION.structure("ORU_R01"), Some(oru));
    assert!(std::ptr::eq(oru.body, <OruR01 as TypedGroup>::DESC));
    let obx = <fixture::segments::Obx<'static> as TypedSegment>::DESC;
    assert_eq!(VERSION.segment("OBX"), Some(obx));
    let value = &obx.fields[3];
    assert_eq!(
        (value.seq, value.datatype, value.usage, value.card),
        (4, "varies", Usage::C, Card { min: 0, max: None })
    );
    let ce = <fixture::datatypes::Ce<'static> as TypedComposite>::DESC;
    assert_eq!(VERSION.datatype("CE"), Some(ce));
    assert_eq!(ce.components[2].table, Some("0396"));
}

#[test]
fn generated_segment_views_read_a_segment() {
    let d = Delimiters::default();
    let line = "OBX|1|CE|8302-2^Height^LN||^cm|0.9|F|beyond";
    let obx = fixture::segments::Obx::wrap(SegmentView::new(line, &d));
    assert_eq!(obx.as_str(), line);
    let id = obx.observation_identifier().unwrap();
    assert_eq!(id.identifier().unwrap().as_str(), "8302-2");
    assert_eq!(id.text().unwrap().as_str(), "Height");
    assert_eq!(id.name_of_coding_system().unwrap().as_str(), "LN");
    assert!(obx.observation_value().is_empty());
    let units = obx.units().unwrap();
    assert!(units.identifier().is_none());
    assert_eq!(units.text().unwrap().as_str(), "cm");
    assert_eq!(obx.probability().unwrap().as_str(), "0.9");
    assert_eq!(obx.observation_result_status().unwrap().as_str(), "F");
}

#[test]
fn a_message_is_read_into_the_generated_structure() {
    let text = "MSH|^~\\&|20240101|ORU^W01\rPID|1|Doe~Roe||F\rOBR|1|GLU^Glucose\rNTE|1|fasting\rOBX|1|NM|GLU|5.4|mmol/L||F\rOBX|2|ST|NOTE|high~low|||F\rZZZ|kept\r";
    let root = <OruR01 as TypedStructure>::STRUCTURE.body;
    let lean = Lean::parse(root, text, &Default::default())
        .unwrap()
        .with_version(&VERSION);
    assert_eq!(lean.to_er7(), text);
    let oru = fixture::OruR01::of(&lean).expect("read as the fixture's ORU_R01");
    let msh = oru.msh().unwrap();
    assert_eq!(msh.message_type().unwrap().as_str(), "ORU^W01");
    let result = oru.patient_result().first().unwrap();
    let pid = result.patient().and_then(|p| p.pid()).unwrap();
    let names: Vec<_> = pid.patient_name().iter().map(|n| n.as_str()).collect();
    assert_eq!(names, ["Doe", "Roe"]);
    assert_eq!(pid.administrative_sex().unwrap().as_str(), "F");
    let order = result.order_observation().first().unwrap();
    let service = order.obr().unwrap().universal_service_identifier().unwrap();
    assert_eq!(service.text().unwrap().as_str(), "Glucose");
    assert_eq!(order.nte().len(), 1);
    let values: Vec<Vec<_>> = order
        .observation()
        .iter()
        .map(|o| {
            let obx = o.obx().unwrap();
            obx.observation_value().iter().map(|v| v.as_str()).collect()
        })
        .collect();
    assert_eq!(values, [vec!["5.4"], vec!["high", "low"]]);
    // A segment the grammar has no place for stays in the group it followed.
    assert_eq!(oru.unexpected_segments().count(), 0);
    let last = order.observation().get(1).unwrap();
    let kept: Vec<_> = last.unexpected_segments().map(|s| s.as_str()).collect();
    assert_eq!(kept, ["ZZZ|kept"]);
}

/// The fixture's version, for parse options: a crate with a version of its own reads
/// messages with it.
static FIXTURE: [&VersionDesc; 1] = [&VERSION];

#[test]
fn a_message_is_parsed_with_the_fixture_version_as_its_structure() {
    let text =
        "MSH|^~\\&|20240101|ORU^W01\rPID|1|Doe\rOBR|1|GLU^Glucose\rOBX|1|NM|GLU|5.4|mmol/L||F\r";
    let opts = ParseOptions {
        versions: Some(&FIXTURE),
        // This version's MSH has no version field: the default names it.
        default_version: "2.99".to_owned(),
        ..ParseOptions::default()
    };
    let m = Message::parse_as::<OruR01>(text, &opts).expect("parsed as the fixture's ORU_R01");
    assert!(std::ptr::eq(m.version(), &VERSION));
    assert_eq!(m.version_fallback(), Some(""));
    assert_eq!(m.get("OBX-4").unwrap().as_deref(), Some("5.4"));
    let oru: fixture::OruR01 = m.typed().expect("the view of its structure");
    let pid = oru
        .patient_result()
        .first()
        .unwrap()
        .patient()
        .and_then(|p| p.pid());
    assert_eq!(pid.unwrap().patient_name().first().unwrap().as_str(), "Doe");
    assert_eq!(m.to_er7(), text);
    // Without the option, only the versions compiled into hl7-model are known (none, or
    // hl7-model's own when cargo unifies features in a workspace): never the fixture's.
    match Message::parse_as::<OruR01>(text, &ParseOptions::default()) {
        Ok(m) => assert!(!std::ptr::eq(m.version(), &VERSION)),
        Err(e) => assert!(
            matches!(e, hl7_model::ParseError::UnknownVersion { .. }),
            "{e}"
        ),
    }
}

#[test]
fn a_lean_message_of_the_fixture_version_is_built_by_path_and_read_by_view() {
    let mut m = Message::new(
        &VERSION,
        <OruR01 as TypedStructure>::STRUCTURE,
        Delimiters::default(),
    );
    m.set("PID-2", "Doe").unwrap();
    m.set("OBR-2-2", "Glucose").unwrap();
    m.set("OBX-4(1)", "high").unwrap();
    m.set("OBX-7", "F").unwrap();
    assert_eq!(m.version().version, "2.99");
    assert_eq!(m.get("OBR-2-2").unwrap().as_deref(), Some("Glucose"));
    let oru: fixture::OruR01 = m.typed().expect("the fixture's ORU_R01");
    let result = oru.patient_result().first().unwrap();
    let pid = result.patient().and_then(|p| p.pid()).unwrap();
    assert_eq!(pid.patient_name().first().unwrap().as_str(), "Doe");
    let order = result.order_observation().first().unwrap();
    let obr = order.obr().unwrap();
    assert_eq!(
        obr.universal_service_identifier()
            .and_then(|c| c.text())
            .unwrap()
            .as_str(),
        "Glucose"
    );
    let obx = order.observation().first().and_then(|o| o.obx()).unwrap();
    let values: Vec<_> = obx.observation_value().iter().map(|v| v.as_str()).collect();
    assert_eq!(values, ["", "high"]);
    assert_eq!(obx.observation_result_status().unwrap().as_str(), "F");
    assert_eq!(
        m.tree_lines(),
        [
            "ORU_R01",
            "  PATIENT_RESULT",
            "    PATIENT",
            "      PID",
            "    ORDER_OBSERVATION",
            "      OBR",
            "      OBSERVATION",
            "        OBX"
        ]
    );
}
