//! Every structure, segment and composite of every version has a view whose descriptor (as the
//! attribute macros record it, and as the version's `VERSION` table holds it) is exactly the
//! schema's: the same segments, groups, order, cardinalities and choices; the same fields and
//! components with their datatypes, usage, lengths and tables.

use std::path::Path;

use hl7_codegen::schema::{self, Card, Item, Max};
use hl7_model::descriptor::{self, ElementDesc, ItemDesc};

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

/// Compares a field's or component's descriptor with the schema's.
fn same_element(
    at: &str,
    got: &ElementDesc,
    (seq, name, datatype, usage, len, table): (
        u32,
        &str,
        &str,
        schema::Usage,
        Option<u32>,
        Option<&str>,
    ),
    card: Card,
) -> Result<(), String> {
    let same = got.seq == seq
        && got.name == name
        && got.datatype == datatype
        && format!("{:?}", got.usage) == usage.as_str()
        && got.len == len
        && got.table == table
        && same_card(got.card, card);
    if same {
        Ok(())
    } else {
        Err(format!(
            "{at}: {got:?} vs {seq} {name} {datatype} {usage:?} {card:?} {len:?} {table:?}"
        ))
    }
}

macro_rules! check_versions {
    ($($module:ident => $folder:literal,)*) => {
        #[test]
        fn every_structure_segment_and_composite_of_every_version_has_the_schema_s_definition() {
            use hl7_model::typed::{TypedGroup, TypedStructure};
            let schemas = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
            let mut report = Vec::new();
            $({
                use hl7_model::$module::{self as typed, VERSION};
                let (schema, _) = hl7_codegen::load::load_version(&schemas.join($folder)).unwrap();
                let mut checked = 0;
                for (id, st) in &schema.structures {
                    let desc = VERSION
                        .structure(id)
                        .unwrap_or_else(|| panic!("{} {id}: no structure", $folder));
                    assert_eq!(desc.id, id.as_str());
                    assert_eq!(desc.name, st.name);
                    assert_eq!((desc.body.name, desc.body.choice), (id.as_str(), false));
                    assert_eq!(desc.items, desc.body.items);
                    if let Err(e) = same_body(&format!("{} {id}", $folder), desc.items, &st.body) {
                        panic!("{e}");
                    }
                    checked += 1;
                }
                assert!(VERSION.structure("ZZZ_Z99").is_none());
                assert_eq!(VERSION.structures.len(), checked, $folder);
                // The table holds the views' own descriptors.
                for (view, body, id) in [
                    (
                        <typed::OruR01<'static> as TypedStructure<'static>>::STRUCTURE,
                        <typed::OruR01<'static> as TypedGroup<'static>>::DESC,
                        "ORU_R01",
                    ),
                    (
                        <typed::AdtA01<'static> as TypedStructure<'static>>::STRUCTURE,
                        <typed::AdtA01<'static> as TypedGroup<'static>>::DESC,
                        "ADT_A01",
                    ),
                    (
                        <typed::Ack<'static> as TypedStructure<'static>>::STRUCTURE,
                        <typed::Ack<'static> as TypedGroup<'static>>::DESC,
                        "ACK",
                    ),
                ] {
                    assert_eq!(Some(view), VERSION.structure(id), "{} {id}", $folder);
                    assert!(std::ptr::eq(view.body, body), "{} {id}", $folder);
                }

                for (id, seg) in &schema.segments {
                    let desc = VERSION
                        .segment(id)
                        .unwrap_or_else(|| panic!("{} {id}: no segment", $folder));
                    assert_eq!((desc.id, desc.name), (id.as_str(), seg.name.as_str()));
                    assert_eq!(desc.fields.len(), seg.fields.len(), "{} {id}", $folder);
                    for (got, f) in desc.fields.iter().zip(&seg.fields) {
                        let want = (f.seq, f.name.as_str(), f.datatype.as_str(), f.usage, f.len, f.table.as_deref());
                        if let Err(e) = same_element(&format!("{} {id}-{}", $folder, f.seq), got, want, f.card) {
                            panic!("{e}");
                        }
                    }
                }
                assert_eq!(VERSION.segments.len(), schema.segments.len(), $folder);

                for (id, c) in &schema.datatypes.composites {
                    let desc = VERSION
                        .datatype(id)
                        .unwrap_or_else(|| panic!("{} {id}: no datatype", $folder));
                    assert_eq!((desc.id, desc.name), (id.as_str(), c.name.as_str()));
                    assert_eq!(desc.components.len(), c.components.len(), "{} {id}", $folder);
                    for (got, m) in desc.components.iter().zip(&c.components) {
                        let want = (m.seq, m.name.as_str(), m.datatype.as_str(), m.usage, m.len, m.table.as_deref());
                        // A component occurs at most once, and is required when its usage says so.
                        let card = Card {
                            min: u32::from(m.usage == schema::Usage::R),
                            max: Max::Bounded(1),
                        };
                        if let Err(e) = same_element(&format!("{} {id}.{}", $folder, m.seq), got, want, card) {
                            panic!("{e}");
                        }
                    }
                }
                report.push(format!("{}={checked}", $folder));
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

/// Typed access on a message built by path and on one read from text: each group's view
/// reaches the items the standard nests in it.
#[test]
fn typed_access_follows_the_standard_nesting() {
    use hl7_model::message::{Message, ParseOptions};
    use hl7_model::typed::TypedStructure;
    use hl7_model::v2_5::OruR01;

    let mut m = Message::new(
        &hl7_model::v2_5::VERSION,
        <OruR01<'static> as TypedStructure<'static>>::STRUCTURE,
        hl7_model::delimiters::Delimiters::default(),
    );
    m.set("OBX-2", "NM").unwrap();
    assert_eq!(
        m.tree_lines(),
        [
            "ORU_R01",
            "  PATIENT_RESULT",
            "    ORDER_OBSERVATION",
            "      OBSERVATION",
            "        OBX"
        ]
    );
    let oru: OruR01 = m.typed().unwrap();
    let obx = oru
        .patient_result()
        .first()
        .unwrap()
        .order_observation()
        .first()
        .unwrap()
        .observation()
        .first()
        .unwrap()
        .obx()
        .unwrap();
    assert_eq!(obx.value_type().unwrap().as_str(), "NM");

    let text = "MSH|^~\\&|LAB||||20240101||ORU^R01|1|P|2.5\rPID|1||7\rOBR|1\rNTE|1||order note\rOBX|1|NM|GLU||5.4\rNTE|1||obs note\rOBX|2|NM|NA||140\r";
    let m = Message::parse(text, &ParseOptions::default()).unwrap();
    let oru: OruR01 = m.typed().unwrap();
    assert_eq!(oru.patient_result().len(), 1);
    let result = oru.patient_result().first().unwrap();
    let pid = result.patient().and_then(|p| p.pid()).unwrap();
    assert_eq!(pid.set_id_pid().unwrap().as_str(), "1");
    let order = result.order_observation().first().unwrap();
    assert_eq!(order.obr().unwrap().as_str(), "OBR|1");
    let comment =
        |nte: hl7_model::v2_5::segments::Nte| nte.comment().first().map(|c| c.as_str().to_owned());
    let order_notes: Vec<_> = order.nte().iter().map(comment).collect();
    assert_eq!(order_notes, [Some("order note".to_owned())]);
    let observations: Vec<_> = order.observation().iter().collect();
    assert_eq!(observations.len(), 2);
    let values: Vec<_> = observations
        .iter()
        .map(|o| {
            o.obx()
                .unwrap()
                .observation_value()
                .first()
                .unwrap()
                .as_str()
        })
        .collect();
    assert_eq!(values, ["5.4", "140"]);
    let notes: Vec<Vec<_>> = observations
        .iter()
        .map(|o| o.nte().iter().map(comment).collect())
        .collect();
    assert_eq!(notes, [vec![Some("obs note".to_owned())], vec![]]);
}
