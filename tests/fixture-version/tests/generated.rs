//! The fixture version's generated models work like hl7-model's own.

use hl7_fixture_version::v2_99::{Message, VERSION, segments::Obx, structures::OruR01};
use hl7_model::delimiters::Delimiters;
use hl7_model::element::SegmentType;
use hl7_model::group::StructureType;

#[test]
fn the_folder_became_a_module_with_its_descriptors() {
    assert_eq!(VERSION.version, "2.99");
    let ids: Vec<_> = VERSION.segments.iter().map(|s| s.id).collect();
    assert_eq!(ids, ["MSH", "NTE", "OBR", "OBX", "PID"]);
    assert_eq!(
        VERSION.resolve_structure("ORU", "W01", None).map(|s| s.id),
        Some("ORU_R01")
    );
    assert_eq!(OruR01::STRUCTURE.id, "ORU_R01");
    assert_eq!(
        Message::new("ORU_R01").map(|m| m.structure().id),
        Some("ORU_R01")
    );
}

#[test]
fn generated_segments_parse_and_encode() {
    let d = Delimiters::default();
    let line = "OBX|1|CE|8302-2^Height^LN||^cm|0.9|F|beyond";
    let obx = Obx::parse(line, &d).unwrap();
    assert_eq!(obx.observation_identifier.text.as_str(), Some("Height"));
    assert_eq!(obx.units.text.as_str(), Some("cm"));
    assert_eq!(obx.tail.extra(), [Box::from("beyond")]);
    assert_eq!(obx.to_er7(&d), line);
}
