//! The typed views over a lean message (`v2_x::typed`) read what the owned structs hold, on
//! the corpus's real ORU^R01 messages of v2.5, v2.5.1 and v2.6: group occurrences,
//! segments, repeating fields, components and subcomponents.

use hl7_model::message::{ParseOptions, parse, parse_lean};
use hl7_model::typed::TypedStructure;

/// The wire text of an owned primitive (`""` when absent), as a view gives it.
fn wire(v: &hl7_model::value::Value) -> String {
    let mut s = String::new();
    v.write(&mut s);
    s
}

/// Compares ORU_R01 as views and as structs, for the version module `$v`; gives how many
/// values were compared.
macro_rules! compare_oru {
    ($v:ident, $variant:ident, $parsed:expr, $lean:expr) => {{
        use hl7_model::$v as v;
        let mut n = 0usize;
        let hl7_model::Message::$variant(v::Message::OruR01(owned)) = &$parsed.message else {
            unreachable!()
        };
        let view = v::typed::OruR01::of($lean).expect("read as ORU_R01");
        assert_eq!(view.msh().map(|m| m.as_str().len()).is_some(), true);
        let results: Vec<_> = view.patient_result().iter().collect();
        assert_eq!(results.len(), owned.patient_result.len());
        for (r, o) in results.iter().zip(&owned.patient_result) {
            let pid = r.patient().and_then(|p| p.pid());
            assert_eq!(pid.is_some(), o.patient.is_some());
            if let (Some(pid), Some(p)) = (pid, &o.patient) {
                let names: Vec<_> = pid.patient_name().iter().collect();
                assert_eq!(names.len(), p.pid.patient_name.len());
                for (a, b) in names.iter().zip(&p.pid.patient_name) {
                    assert_eq!(
                        a.given_name()
                            .map_or(String::new(), |g| g.as_str().to_owned()),
                        wire(b.given_name.value())
                    );
                    n += 1;
                }
            }
            let orders: Vec<_> = r.order_observation().iter().collect();
            assert_eq!(orders.len(), o.order_observation.len());
            for (ord, oo) in orders.iter().zip(&o.order_observation) {
                let obs: Vec<_> = ord.observation().iter().collect();
                assert_eq!(obs.len(), oo.observation.len());
                for (x, ox) in obs.iter().zip(&oo.observation) {
                    let obx = x.obx().expect("OBX");
                    assert_eq!(
                        obx.value_type()
                            .map_or(String::new(), |t| t.as_str().to_owned()),
                        wire(ox.obx.value_type.value())
                    );
                    let values: Vec<String> = obx
                        .observation_value()
                        .iter()
                        .map(|v| v.as_str().to_owned())
                        .collect();
                    let owned: Vec<String> = ox
                        .obx
                        .observation_value
                        .iter()
                        .map(|v| wire(v.value()))
                        .collect();
                    assert_eq!(values, owned);
                    let id = obx.observation_identifier();
                    assert_eq!(
                        id.and_then(|c| c.identifier())
                            .map_or(String::new(), |s| s.as_str().to_owned()),
                        wire(ox.obx.observation_identifier.identifier.value())
                    );
                    n += 2 + values.len();
                }
            }
        }
        n
    }};
}

#[test]
fn views_read_what_the_structs_hold_on_corpus_oru_r01_messages() {
    let opts = ParseOptions::default();
    let mut per_version = std::collections::BTreeMap::<&str, (usize, usize)>::new();
    for (_, text) in crate::common::corpus_messages() {
        let Ok(parsed) = parse(&text) else { continue };
        if parsed.message.structure().id != "ORU_R01" {
            continue;
        }
        let (lean, version, _) = parse_lean(&text, &opts).unwrap();
        let version = version.version;
        let values = match version {
            "2.5" => compare_oru!(v2_5, V2_5, parsed, &lean),
            "2.5.1" => compare_oru!(v2_5_1, V2_5_1, parsed, &lean),
            "2.6" => compare_oru!(v2_6, V2_6, parsed, &lean),
            _ => continue,
        };
        let e = per_version.entry(version).or_default();
        e.0 += 1;
        e.1 += values;
    }
    for v in ["2.5", "2.5.1", "2.6"] {
        let (messages, values) = per_version.get(v).copied().unwrap_or_default();
        assert!(
            messages >= 5 && values >= 20,
            "v{v}: {messages} messages, {values} values"
        );
    }
}
