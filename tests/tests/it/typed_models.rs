//! Every structure of every version has a typed struct, reachable through the version's
//! `Message` enum, whose grammar (as the `Group` derive records it) is exactly the schema's:
//! same segments, groups, order, cardinalities and choices.

use std::path::Path;

use hl7_codegen::schema::{Card, Item, Max};
use hl7_model::descriptor::{self, ItemDesc};

fn same_card(a: descriptor::Card, b: Card) -> bool {
    a.min == b.min
        && match b.max {
            Max::Bounded(m) => a.max == Some(m),
            Max::Unbounded => a.max.is_none(),
        }
}

/// Compares a body generated from the types with the schema's, reporting the first difference
/// with its path.
fn same_body(path: &str, got: &[ItemDesc], want: &[Item]) -> Result<(), String> {
    if got.len() != want.len() {
        return Err(format!(
            "{path}: {} items, schema has {}",
            got.len(),
            want.len()
        ));
    }
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        match (g, w) {
            (ItemDesc::Segment { id, card }, Item::Segment(s)) => {
                if *id != s.segment || !same_card(*card, s.card) {
                    return Err(format!("{path}[{i}]: {id} {card:?} vs {s:?}"));
                }
            }
            (ItemDesc::Group { group, card }, Item::Group(s)) => {
                if group.name != s.name || group.choice != s.choice || !same_card(*card, s.card) {
                    return Err(format!("{path}[{i}]: group {} vs {}", group.name, s.name));
                }
                same_body(&format!("{path}/{}", s.name), group.items, &s.body)?;
            }
            _ => return Err(format!("{path}[{i}]: {g:?} vs {w:?}")),
        }
    }
    Ok(())
}

macro_rules! check_versions {
    ($($module:ident => $folder:literal,)*) => {
        #[test]
        fn every_structure_of_every_version_is_a_typed_message() {
            let schemas = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
            let mut report = Vec::new();
            $({
                use hl7_model::$module::{Message, VERSION};
                let (schema, _) = hl7_codegen::load::load_version(&schemas.join($folder)).unwrap();
                let mut built = 0;
                for (id, st) in &schema.structures {
                    let msg = Message::new(id)
                        .unwrap_or_else(|| panic!("{} {id}: no typed message", $folder));
                    assert_eq!(msg.structure().id, id.as_str());
                    assert_eq!(msg.as_group().desc().items, msg.structure().items);
                    if let Err(e) = same_body(&format!("{} {id}", $folder), msg.structure().items, &st.body) {
                        panic!("{e}");
                    }
                    built += 1;
                }
                assert!(Message::new("ZZZ_Z99").is_none());
                assert_eq!(VERSION.structures.len(), built, $folder);
                report.push(format!("{}={built}", $folder));
            })*
            // The figures are the schema's (schemas/README.md): 13 versions, none empty.
            assert_eq!(report.len(), 13, "{report:?}");
        }
    };
}

check_versions! {
    v2_1 => "v2.1",
    v2_2 => "v2.2",
    v2_3 => "v2.3",
    v2_3_1 => "v2.3.1",
    v2_4 => "v2.4",
    v2_5 => "v2.5",
    v2_5_1 => "v2.5.1",
    v2_6 => "v2.6",
    v2_7 => "v2.7",
    v2_7_1 => "v2.7.1",
    v2_8 => "v2.8",
    v2_8_1 => "v2.8.1",
    v2_8_2 => "v2.8.2",
}

#[test]
fn typed_access_follows_the_standard_nesting() {
    use hl7_model::v2_5::structures::{OruR01, oru_r01};
    let mut m = OruR01::default();
    m.patient_result.push(oru_r01::PatientResult::default());
    let pr = &mut m.patient_result[0];
    pr.order_observation
        .push(oru_r01::OrderObservation::default());
    pr.order_observation[0]
        .observation
        .push(oru_r01::Observation::default());
    let obx = &mut pr.order_observation[0].observation[0].obx;
    obx.value_type = hl7_model::value::Id::from("NM");
    assert_eq!(
        m.patient_result[0].order_observation[0].observation[0]
            .obx
            .value_type
            .as_str(),
        Some("NM")
    );
}
