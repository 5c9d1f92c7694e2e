//! The typed views over a lean message (`v2_x::typed`) read what paths read
//! (`Message::get_er7`, a walk of the same group tree written apart from the views), on
//! every corpus message read as ORU_R01 or ADT_A01, in every version: group occurrences (as
//! many as paths find, each with the same segments), segments, repeating fields, components
//! and subcomponents.

use hl7_model::message::{Message, ParseOptions};
use hl7_model::typed::{Group, Items, Reps, Segment, TypedElement, TypedGroup, TypedSegment};

/// What an accessor gives for an item: `Option` of a view when the item occurs at most once
/// in the version, [`Items`] when it repeats.
trait Occurrences<T> {
    fn all(&self) -> Vec<T>;
}

impl<T: Copy> Occurrences<T> for Option<T> {
    fn all(&self) -> Vec<T> {
        self.iter().copied().collect()
    }
}

impl<'m, T: TypedSegment<'m>> Occurrences<T> for Items<'m, Segment<T>> {
    fn all(&self) -> Vec<T> {
        let all: Vec<T> = self.iter().collect();
        assert_eq!(all.len(), self.len());
        assert_eq!(all.is_empty(), self.is_empty());
        assert_eq!(
            all.first().map(|s| s.segment()),
            self.first().map(|s| s.segment())
        );
        all
    }
}

impl<'m, T: TypedGroup<'m>> Occurrences<T> for Items<'m, Group<T>> {
    fn all(&self) -> Vec<T> {
        let all: Vec<T> = self.iter().collect();
        assert_eq!(all.len(), self.len());
        assert_eq!(all.is_empty(), self.is_empty());
        all
    }
}

/// What an accessor gives for a field: `Option` of a view when the field does not repeat in
/// the version, [`Reps`] when it does.
trait Field<'m, T> {
    const REPEATS: bool;
    fn repetitions(&self) -> Vec<T>;
}

impl<'m, T: TypedElement<'m>> Field<'m, T> for Option<T> {
    const REPEATS: bool = false;
    fn repetitions(&self) -> Vec<T> {
        self.iter().copied().collect()
    }
}

impl<'m, T: TypedElement<'m>> Field<'m, T> for Reps<'m, T> {
    const REPEATS: bool = true;
    fn repetitions(&self) -> Vec<T> {
        let all: Vec<T> = self.iter().collect();
        assert_eq!(all.len(), self.len());
        all
    }
}

/// Compares views with path reads of one message, counting the values that were sent.
struct Paths<'m> {
    m: &'m Message,
    at: String,
    values: usize,
}

impl<'m> Paths<'m> {
    /// The wire text at `path`, `None` when nothing was sent there.
    fn er7(&self, path: &str) -> Option<String> {
        self.m
            .get_er7(path)
            .unwrap_or_else(|e| panic!("{}: {path}: {e}", self.at))
            .filter(|s| !s.is_empty())
    }

    fn same(&mut self, path: &str, view: Option<&str>) {
        let want = self.er7(path);
        assert_eq!(
            view.filter(|s| !s.is_empty()),
            want.as_deref(),
            "{}: {path}",
            self.at
        );
        self.values += usize::from(want.is_some());
    }

    /// The occurrences of the segment item at `path` (`…/OBX`): each one's text, and none
    /// beyond them.
    fn segments<T: TypedSegment<'m>>(
        &mut self,
        path: &str,
        item: impl Occurrences<T>,
    ) -> Vec<(String, T)> {
        let all = item.all();
        let n = all.len();
        let out: Vec<_> = all
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                let p = format!("{path}({i})");
                self.same(&p, Some(s.segment().as_str()));
                (p, s)
            })
            .collect();
        assert_eq!(self.er7(&format!("{path}({n})")), None, "{}", self.at);
        out
    }

    /// The occurrences of the group item at `path` (`…/ORDER_OBSERVATION`): each one's
    /// segments, nested groups' included, and none beyond them.
    fn groups<T: TypedGroup<'m>>(
        &mut self,
        path: &str,
        item: impl Occurrences<T>,
    ) -> Vec<(String, T)> {
        let all = item.all();
        let n = all.len();
        let out: Vec<_> = all
            .into_iter()
            .enumerate()
            .map(|(i, g)| {
                let p = format!("{path}({i})");
                let text: String = g
                    .group()
                    .segments()
                    .map(|s| s.as_str().to_owned() + "\r")
                    .collect();
                self.same(&p, Some(&text));
                (p, g)
            })
            .collect();
        assert_eq!(self.er7(&format!("{path}({n})")), None, "{}", self.at);
        out
    }

    /// Field `n` of the segment at `seg`: each repetition the view reads (the first one alone
    /// when the field does not repeat in the version), and none beyond a repeating field's.
    fn field<T: TypedElement<'m>, F: Field<'m, T>>(
        &mut self,
        seg: &str,
        n: usize,
        view: F,
    ) -> Vec<(String, T)> {
        let reps = view.repetitions();
        if reps.is_empty() {
            assert_eq!(self.er7(&format!("{seg}-{n}")), None, "{}", self.at);
        } else if F::REPEATS {
            assert_eq!(self.er7(&format!("{seg}-{n}({})", reps.len())), None);
        }
        reps.into_iter()
            .enumerate()
            .map(|(i, r)| {
                let p = format!("{seg}-{n}({i})");
                self.same(&p, Some(r.piece().as_str()));
                (p, r)
            })
            .collect()
    }

    /// Component `c` of the repetition at `rep` (`…-5(0)`), or subcomponent `c` of the
    /// component at `rep` (`…-5(0)-1`).
    fn part<T: TypedElement<'m>>(&mut self, rep: &str, c: usize, view: Option<T>) -> Option<T> {
        self.same(&format!("{rep}-{c}"), view.map(|v| v.piece().as_str()));
        view
    }
}

/// `fn $name`: reads the message of `p` as ORU_R01 of version module `$v` (whose top group is
/// `$result`, `$RESULT` in paths, and OBX-5 `$value`); with `parts`, components too (v2.4 and
/// later name them alike).
macro_rules! oru {
    ($name:ident, $v:ident, $result:ident, $RESULT:literal, $value:ident $(, $components:ident)?) => {
        fn $name<'m>(p: &mut Paths<'m>) {
            let m: &'m Message = p.m;
            let oru: hl7_model::$v::OruR01 = m.typed().expect("read as ORU_R01");
            for (msh_path, msh) in p.segments("/MSH", oru.msh()) {
                p.field(&msh_path, 1, msh.field_separator());
                p.field(&msh_path, 2, msh.encoding_characters());
                let _types = p.field(&msh_path, 9, msh.message_type());
                $(
                    let _ = stringify!($components);
                    for (at, ty) in &_types {
                        p.part(at, 2, ty.trigger_event());
                        p.part(at, 3, ty.message_structure());
                    }
                )?
                p.field(&msh_path, 10, msh.message_control_id());
            }
            for (r, result) in p.groups(concat!("/", $RESULT), oru.$result()) {
                for (pat, patient) in p.groups(&format!("{r}/PATIENT"), result.patient()) {
                    for (pid_path, pid) in p.segments(&format!("{pat}/PID"), patient.pid()) {
                        let _names = p.field(&pid_path, 5, pid.patient_name());
                        $(
                            let _ = stringify!($components);
                            for (at, name) in &_names {
                                if let Some(family) = p.part(at, 1, name.family_name()) {
                                    p.part(&format!("{at}-1"), 1, family.surname());
                                }
                                p.part(at, 2, name.given_name());
                            }
                        )?
                    }
                    p.segments(&format!("{pat}/NTE"), patient.nte());
                }
                for (o, order) in p.groups(&format!("{r}/ORDER_OBSERVATION"), result.order_observation()) {
                    for (obr_path, obr) in p.segments(&format!("{o}/OBR"), order.obr()) {
                        p.field(&obr_path, 7, obr.observation_date_time());
                    }
                    p.segments(&format!("{o}/NTE"), order.nte());
                    for (x, observation) in p.groups(&format!("{o}/OBSERVATION"), order.observation()) {
                        for (obx_path, obx) in p.segments(&format!("{x}/OBX"), observation.obx()) {
                            p.field(&obx_path, 2, obx.value_type());
                            let _ids = p.field(&obx_path, 3, obx.observation_identifier());
                            $(
                                let _ = stringify!($components);
                                for (at, id) in &_ids {
                                    p.part(at, 1, id.identifier());
                                    p.part(at, 2, id.text());
                                }
                            )?
                            for (at, value) in p.field(&obx_path, 5, obx.$value()) {
                                for c in 1..=3 {
                                    p.part(&at, c, value.component(c - 1));
                                }
                            }
                            p.field(&obx_path, 6, obx.units());
                            p.field(&obx_path, 7, obx.references_range());
                        }
                        p.segments(&format!("{x}/NTE"), observation.nte());
                    }
                }
            }
        }
    };
}

/// `fn $name`: reads the message of `p` as ADT_A01 of version module `$v`; with `full`, the
/// items v2.3 and later define too.
macro_rules! adt {
    ($name:ident, $v:ident $(, $full:ident)?) => {
        fn $name<'m>(p: &mut Paths<'m>) {
            let m: &'m Message = p.m;
            let adt: hl7_model::$v::AdtA01 = m.typed().expect("read as ADT_A01");
            for (msh_path, msh) in p.segments("/MSH", adt.msh()) {
                p.field(&msh_path, 9, msh.message_type());
                p.field(&msh_path, 10, msh.message_control_id());
            }
            p.segments("/EVN", adt.evn());
            for (pid_path, pid) in p.segments("/PID", adt.pid()) {
                p.field(&pid_path, 5, pid.patient_name());
            }
            p.segments("/NK1", adt.nk1());
            for (pv1_path, pv1) in p.segments("/PV1", adt.pv1()) {
                p.field(&pv1_path, 2, pv1.patient_class());
            }
            p.segments("/DG1", adt.dg1());
            $(
                let _ = stringify!($full);
                p.segments("/PD1", adt.pd1());
                p.segments("/PV2", adt.pv2());
                p.segments("/OBX", adt.obx());
                p.segments("/AL1", adt.al1());
                for (g, procedure) in p.groups("/PROCEDURE", adt.procedure()) {
                    p.segments(&format!("{g}/PR1"), procedure.pr1());
                }
                for (g, insurance) in p.groups("/INSURANCE", adt.insurance()) {
                    p.segments(&format!("{g}/IN1"), insurance.in1());
                    p.segments(&format!("{g}/IN2"), insurance.in2());
                }
            )?
        }
    };
}

oru!(
    oru_2_1,
    v2_1,
    patient_result,
    "PATIENT_RESULT",
    observation_results
);
oru!(
    oru_2_2,
    v2_2,
    patient_result,
    "PATIENT_RESULT",
    observation_value
);
oru!(oru_2_3, v2_3, response, "RESPONSE", observation_value);
oru!(
    oru_2_3_1,
    v2_3_1,
    patient_result,
    "PATIENT_RESULT",
    observation_value
);
oru!(
    oru_2_4,
    v2_4,
    patient_result,
    "PATIENT_RESULT",
    observation_value,
    parts
);
oru!(
    oru_2_5,
    v2_5,
    patient_result,
    "PATIENT_RESULT",
    observation_value,
    parts
);
oru!(
    oru_2_5_1,
    v2_5_1,
    patient_result,
    "PATIENT_RESULT",
    observation_value,
    parts
);
oru!(
    oru_2_6,
    v2_6,
    patient_result,
    "PATIENT_RESULT",
    observation_value,
    parts
);
oru!(
    oru_2_7,
    v2_7,
    patient_result,
    "PATIENT_RESULT",
    observation_value,
    parts
);
oru!(
    oru_2_7_1,
    v2_7_1,
    patient_result,
    "PATIENT_RESULT",
    observation_value,
    parts
);
oru!(
    oru_2_8,
    v2_8,
    patient_result,
    "PATIENT_RESULT",
    observation_value,
    parts
);
oru!(
    oru_2_8_1,
    v2_8_1,
    patient_result,
    "PATIENT_RESULT",
    observation_value,
    parts
);
oru!(
    oru_2_8_2,
    v2_8_2,
    patient_result,
    "PATIENT_RESULT",
    observation_value,
    parts
);
adt!(adt_2_1, v2_1);
adt!(adt_2_2, v2_2);
adt!(adt_2_3, v2_3, full);
adt!(adt_2_3_1, v2_3_1, full);
adt!(adt_2_4, v2_4, full);
adt!(adt_2_5, v2_5, full);
adt!(adt_2_5_1, v2_5_1, full);
adt!(adt_2_6, v2_6, full);
adt!(adt_2_7, v2_7, full);
adt!(adt_2_7_1, v2_7_1, full);
adt!(adt_2_8, v2_8, full);
adt!(adt_2_8_1, v2_8_1, full);
adt!(adt_2_8_2, v2_8_2, full);

type Check = for<'m> fn(&mut Paths<'m>);

/// The check of a message read as structure `id` of version `version`, when there is one.
fn check_for(version: &str, id: &str) -> Option<Check> {
    Some(match (version, id) {
        ("2.1", "ORU_R01") => oru_2_1,
        ("2.2", "ORU_R01") => oru_2_2,
        ("2.3", "ORU_R01") => oru_2_3,
        ("2.3.1", "ORU_R01") => oru_2_3_1,
        ("2.4", "ORU_R01") => oru_2_4,
        ("2.5", "ORU_R01") => oru_2_5,
        ("2.5.1", "ORU_R01") => oru_2_5_1,
        ("2.6", "ORU_R01") => oru_2_6,
        ("2.7", "ORU_R01") => oru_2_7,
        ("2.7.1", "ORU_R01") => oru_2_7_1,
        ("2.8", "ORU_R01") => oru_2_8,
        ("2.8.1", "ORU_R01") => oru_2_8_1,
        ("2.8.2", "ORU_R01") => oru_2_8_2,
        ("2.1", "ADT_A01") => adt_2_1,
        ("2.2", "ADT_A01") => adt_2_2,
        ("2.3", "ADT_A01") => adt_2_3,
        ("2.3.1", "ADT_A01") => adt_2_3_1,
        ("2.4", "ADT_A01") => adt_2_4,
        ("2.5", "ADT_A01") => adt_2_5,
        ("2.5.1", "ADT_A01") => adt_2_5_1,
        ("2.6", "ADT_A01") => adt_2_6,
        ("2.7", "ADT_A01") => adt_2_7,
        ("2.7.1", "ADT_A01") => adt_2_7_1,
        ("2.8", "ADT_A01") => adt_2_8,
        ("2.8.1", "ADT_A01") => adt_2_8_1,
        ("2.8.2", "ADT_A01") => adt_2_8_2,
        _ => return None,
    })
}

#[test]
fn views_read_what_paths_read_on_every_corpus_oru_r01_and_adt_a01_message() {
    let opts = ParseOptions::default();
    // (version, structure) → (messages, values sent).
    let mut read = std::collections::BTreeMap::<(&str, &str), (usize, usize)>::new();
    for (file, text) in crate::common::corpus_messages() {
        let messages = hl7_model::message::parse_all(&text, &opts)
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for (i, m) in messages.iter().enumerate() {
            let (version, id) = (m.version().version, m.structure().id);
            let Some(check) = check_for(version, id) else {
                continue;
            };
            let mut p = Paths {
                m,
                at: format!("{} message {i}", file.display()),
                values: 0,
            };
            check(&mut p);
            let e = read.entry((version, id)).or_default();
            e.0 += 1;
            e.1 += p.values;
        }
    }
    eprintln!("messages and values read by view: {read:?}");
    let total = |id: &str| {
        read.iter()
            .filter(|((_, s), _)| *s == id)
            .fold((0, 0), |(m, v), (_, (a, b))| (m + a, v + b))
    };
    let (oru, adt) = (total("ORU_R01"), total("ADT_A01"));
    assert!(oru.0 >= 150 && oru.1 >= 20 * oru.0, "ORU_R01: {oru:?}");
    assert!(adt.0 >= 85 && adt.1 >= 5 * adt.0, "ADT_A01: {adt:?}");
    // Every version has ORU_R01 messages in the corpus; each was read.
    let versions: std::collections::BTreeSet<_> = read
        .keys()
        .filter(|(_, s)| *s == "ORU_R01")
        .map(|(v, _)| *v)
        .collect();
    assert_eq!(versions.len(), 13, "{versions:?}");
}
