//! Generated segment views on real messages: every MSH, PID, PV1, OBR and OBX of the corpus
//! (tests/corpus/messages), read through the v2.5 views with the delimiters its message
//! declares, gives what the ER7 tokenizer (`hl7_model::er7`, an independent reading of the
//! same text) finds at the same positions: fields, repetitions, components and
//! subcomponents, each `None` exactly when nothing was sent there.

use hl7_model::er7::{Batch, Component, Repetition, Segment};
use hl7_model::message::{Message, ParseOptions};
use hl7_model::typed::{Reps, TypedElement, TypedSegment};
use hl7_model::v2_5::segments::{Msh, Obr, Obx, Pid, Pv1};
use hl7_model::v2_5::structures::OruR01;
use hl7_model::view::SegmentView;

/// The wire text of a view, when the view was given.
fn text<'m, T: TypedElement<'m>>(v: Option<T>) -> Option<&'m str> {
    v.map(|v| v.piece().as_str())
}

/// Compares a segment's view with the tokenizer's reading of the same segment, counting the
/// values that were sent.
struct Oracle<'a> {
    seg: Segment<'a>,
    at: String,
    values: usize,
}

impl<'a> Oracle<'a> {
    fn same(&mut self, what: String, view: Option<&str>, tokens: Option<&str>) {
        assert_eq!(view, tokens, "{}: {}-{what}", self.at, self.seg.id());
        self.values += usize::from(tokens.is_some());
    }

    /// Non-repeating field `n`: its first repetition, when the field was sent.
    fn field<T: TypedElement<'a>>(
        &mut self,
        n: usize,
        view: Option<T>,
    ) -> Option<(T, Repetition<'a>)> {
        let tokens = self
            .seg
            .field(n)
            .filter(|f| !f.is_empty())
            .and_then(|f| f.repetition(0));
        self.same(n.to_string(), text(view), tokens.map(|r| r.as_str()));
        view.zip(tokens)
    }

    /// Repeating field `n`: every repetition sent, empty ones included.
    fn reps<T: TypedElement<'a>>(
        &mut self,
        n: usize,
        view: Reps<'a, T>,
    ) -> Vec<(T, Repetition<'a>)> {
        let tokens: Vec<Repetition> = self
            .seg
            .field(n)
            .filter(|f| !f.is_empty())
            .map(|f| f.repetitions().collect())
            .unwrap_or_default();
        let views: Vec<T> = view.iter().collect();
        assert_eq!(
            views.iter().map(|v| v.piece().as_str()).collect::<Vec<_>>(),
            tokens.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
            "{}: {}-{n}",
            self.at,
            self.seg.id()
        );
        assert_eq!(view.len(), tokens.len());
        assert_eq!(view.is_empty(), tokens.is_empty());
        self.values += tokens.len();
        views.into_iter().zip(tokens).collect()
    }

    /// Component `c` (from 1) of repetition `rep`, when it was sent.
    fn component<T: TypedElement<'a>>(
        &mut self,
        (n, c): (usize, usize),
        view: Option<T>,
        rep: Repetition<'a>,
    ) -> Option<(T, Component<'a>)> {
        let tokens = rep.component(c).filter(|x| !x.is_empty());
        self.same(format!("{n}-{c}"), text(view), tokens.map(|x| x.as_str()));
        view.zip(tokens)
    }

    /// Subcomponent `s` (from 1) of component `comp`, when it was sent.
    fn subcomponent<T: TypedElement<'a>>(
        &mut self,
        (n, c, s): (usize, usize, usize),
        view: Option<T>,
        comp: Component<'a>,
    ) {
        let tokens = comp.subcomponent(s).filter(|x| !x.is_empty());
        self.same(format!("{n}-{c}-{s}"), text(view), tokens);
    }
}

fn check_msh<'a>(o: &mut Oracle<'a>, v: Msh<'a>) {
    o.field(1, v.field_separator());
    o.field(2, v.encoding_characters());
    if let Some((app, rep)) = o.field(3, v.sending_application()) {
        o.component((3, 1), app.namespace_id(), rep);
        o.component((3, 2), app.universal_id(), rep);
    }
    if let Some((ts, rep)) = o.field(7, v.date_time_of_message()) {
        o.component((7, 1), ts.time(), rep);
    }
    if let Some((ty, rep)) = o.field(9, v.message_type()) {
        o.component((9, 1), ty.message_code(), rep);
        o.component((9, 2), ty.trigger_event(), rep);
        o.component((9, 3), ty.message_structure(), rep);
    }
    o.field(10, v.message_control_id());
    if let Some((pt, rep)) = o.field(11, v.processing_id()) {
        o.component((11, 1), pt.processing_id(), rep);
    }
    if let Some((vid, rep)) = o.field(12, v.version_id()) {
        o.component((12, 1), vid.version_id(), rep);
    }
    o.reps(18, v.character_set());
}

fn check_pid<'a>(o: &mut Oracle<'a>, v: Pid<'a>) {
    o.field(1, v.set_id_pid());
    o.field(2, v.patient_id());
    for (cx, rep) in o.reps(3, v.patient_identifier_list()) {
        o.component((3, 1), cx.id_number(), rep);
        if let Some((hd, comp)) = o.component((3, 4), cx.assigning_authority(), rep) {
            o.subcomponent((3, 4, 1), hd.namespace_id(), comp);
            o.subcomponent((3, 4, 2), hd.universal_id(), comp);
        }
        o.component((3, 5), cx.identifier_type_code(), rep);
    }
    for (xpn, rep) in o.reps(5, v.patient_name()) {
        if let Some((family, comp)) = o.component((5, 1), xpn.family_name(), rep) {
            o.subcomponent((5, 1, 1), family.surname(), comp);
        }
        o.component((5, 2), xpn.given_name(), rep);
        o.component((5, 7), xpn.name_type_code(), rep);
    }
    if let Some((ts, rep)) = o.field(7, v.date_time_of_birth()) {
        o.component((7, 1), ts.time(), rep);
    }
    o.field(8, v.administrative_sex());
    for (xad, rep) in o.reps(11, v.patient_address()) {
        if let Some((street, comp)) = o.component((11, 1), xad.street_address(), rep) {
            o.subcomponent((11, 1, 1), street.street_or_mailing_address(), comp);
        }
        o.component((11, 3), xad.city(), rep);
        o.component((11, 5), xad.zip_or_postal_code(), rep);
    }
    o.reps(13, v.phone_number_home());
    if let Some((cx, rep)) = o.field(18, v.patient_account_number()) {
        o.component((18, 1), cx.id_number(), rep);
    }
    o.field(19, v.ssn_number_patient());
}

fn check_pv1<'a>(o: &mut Oracle<'a>, v: Pv1<'a>) {
    o.field(1, v.set_id_pv1());
    o.field(2, v.patient_class());
    if let Some((pl, rep)) = o.field(3, v.assigned_patient_location()) {
        o.component((3, 1), pl.point_of_care(), rep);
        o.component((3, 2), pl.room(), rep);
        o.component((3, 3), pl.bed(), rep);
        if let Some((hd, comp)) = o.component((3, 4), pl.facility(), rep) {
            o.subcomponent((3, 4, 1), hd.namespace_id(), comp);
        }
    }
    for (xcn, rep) in o.reps(7, v.attending_doctor()) {
        o.component((7, 1), xcn.id_number(), rep);
        if let Some((family, comp)) = o.component((7, 2), xcn.family_name(), rep) {
            o.subcomponent((7, 2, 1), family.surname(), comp);
        }
        o.component((7, 3), xcn.given_name(), rep);
    }
    o.field(10, v.hospital_service());
    if let Some((cx, rep)) = o.field(19, v.visit_number()) {
        o.component((19, 1), cx.id_number(), rep);
    }
    if let Some((ts, rep)) = o.field(44, v.admit_date_time()) {
        o.component((44, 1), ts.time(), rep);
    }
    o.reps(45, v.discharge_date_time());
}

fn check_obr<'a>(o: &mut Oracle<'a>, v: Obr<'a>) {
    o.field(1, v.set_id_obr());
    if let Some((ei, rep)) = o.field(2, v.placer_order_number()) {
        o.component((2, 1), ei.entity_identifier(), rep);
        o.component((2, 2), ei.namespace_id(), rep);
    }
    if let Some((ei, rep)) = o.field(3, v.filler_order_number()) {
        o.component((3, 1), ei.entity_identifier(), rep);
    }
    if let Some((ce, rep)) = o.field(4, v.universal_service_identifier()) {
        o.component((4, 1), ce.identifier(), rep);
        o.component((4, 2), ce.text(), rep);
        o.component((4, 3), ce.name_of_coding_system(), rep);
    }
    if let Some((ts, rep)) = o.field(7, v.observation_date_time()) {
        o.component((7, 1), ts.time(), rep);
    }
    for (xcn, rep) in o.reps(16, v.ordering_provider()) {
        o.component((16, 1), xcn.id_number(), rep);
        if let Some((family, comp)) = o.component((16, 2), xcn.family_name(), rep) {
            o.subcomponent((16, 2, 1), family.surname(), comp);
        }
    }
    o.field(25, v.result_status());
}

fn check_obx<'a>(o: &mut Oracle<'a>, v: Obx<'a>) {
    o.field(1, v.set_id_obx());
    o.field(2, v.value_type());
    if let Some((ce, rep)) = o.field(3, v.observation_identifier()) {
        o.component((3, 1), ce.identifier(), rep);
        o.component((3, 2), ce.text(), rep);
        o.component((3, 3), ce.name_of_coding_system(), rep);
    }
    o.field(4, v.observation_sub_id());
    for (value, rep) in o.reps(5, v.observation_value()) {
        for c in 1..=rep.component_count() {
            o.component((5, c), value.component(c - 1), rep);
        }
    }
    if let Some((ce, rep)) = o.field(6, v.units()) {
        o.component((6, 1), ce.identifier(), rep);
    }
    o.field(7, v.references_range());
    o.reps(8, v.abnormal_flags());
    o.field(11, v.observation_result_status());
    if let Some((ts, rep)) = o.field(14, v.date_time_of_the_observation()) {
        o.component((14, 1), ts.time(), rep);
    }
}

#[test]
fn corpus_segments_read_through_v2_5_views_as_the_tokenizer_reads_them() {
    let ids = ["MSH", "PID", "PV1", "OBR", "OBX"];
    let (mut segments, mut values) = ([0usize; 5], [0usize; 5]);
    let mut unreadable = Vec::new();
    for (file, text) in crate::common::corpus_messages() {
        let Ok(batch) = Batch::parse(&text) else {
            unreadable.push(file);
            continue;
        };
        for msg in batch.messages() {
            let d = msg.delimiters();
            for seg in msg.segments() {
                let Some(k) = ids.iter().position(|id| *id == seg.id()) else {
                    continue;
                };
                let view = SegmentView::new(seg.as_str(), d);
                let mut o = Oracle {
                    seg: *seg,
                    at: format!("{} segment {}", file.display(), seg.number()),
                    values: 0,
                };
                // Nothing is lost: a view reads the segment's own text.
                let line = seg.as_str();
                match k {
                    0 => {
                        let v = Msh::wrap(view);
                        assert_eq!(v.as_str(), line);
                        check_msh(&mut o, v);
                    }
                    1 => {
                        let v = Pid::wrap(view);
                        assert_eq!(v.as_str(), line);
                        check_pid(&mut o, v);
                    }
                    2 => {
                        let v = Pv1::wrap(view);
                        assert_eq!(v.as_str(), line);
                        check_pv1(&mut o, v);
                    }
                    3 => {
                        let v = Obr::wrap(view);
                        assert_eq!(v.as_str(), line);
                        check_obr(&mut o, v);
                    }
                    _ => {
                        let v = Obx::wrap(view);
                        assert_eq!(v.as_str(), line);
                        check_obx(&mut o, v);
                    }
                }
                segments[k] += 1;
                values[k] += o.values;
            }
        }
    }
    eprintln!(
        "MSH, PID, PV1, OBR, OBX: {segments:?} segments, {values:?} values sent; {} files the tokenizer refused",
        unreadable.len()
    );
    assert!(segments.iter().all(|&n| n >= 50), "{segments:?}");
    assert!(
        values.iter().zip(&segments).all(|(&v, &n)| v >= 3 * n),
        "{values:?} values for {segments:?} segments"
    );
    assert!(unreadable.len() <= 10, "{unreadable:?}");
}

#[test]
fn typed_fields_of_a_pid() {
    let d = hl7_model::delimiters::Delimiters::default();
    let line = "PID|1||555123^^^NH^MR~998^^^SSA^SS||DOE^JANE^Q^^DR||19800412|F|||1 MAIN ST^^SPRINGFIELD^IL^62701";
    let pid = Pid::wrap(SegmentView::new(line, &d));
    assert_eq!(pid.as_str(), line);
    let ids = pid.patient_identifier_list();
    assert_eq!(ids.len(), 2);
    let ssa = ids.get(1).unwrap();
    assert_eq!(ssa.id_number().unwrap().as_str(), "998");
    assert_eq!(
        ssa.assigning_authority()
            .and_then(|h| h.namespace_id())
            .unwrap()
            .as_str(),
        "SSA"
    );
    let name = pid.patient_name().first().unwrap();
    assert_eq!(
        name.family_name()
            .and_then(|f| f.surname())
            .unwrap()
            .as_str(),
        "DOE"
    );
    assert_eq!(name.given_name().unwrap().as_str(), "JANE");
    assert_eq!(name.prefix().unwrap().as_str(), "DR");
    assert!(name.suffix().is_none());
    assert_eq!(pid.administrative_sex().unwrap().as_str(), "F");
    let dob = pid.date_time_of_birth().and_then(|t| t.time()).unwrap();
    assert_eq!(dob.as_str(), "19800412");
    assert!(dob.datetime().unwrap().is_ok());
    assert_eq!(
        pid.patient_address()
            .first()
            .unwrap()
            .city()
            .unwrap()
            .as_str(),
        "SPRINGFIELD"
    );
    assert!(pid.patient_id().is_none());
    assert!(pid.mother_s_maiden_name().is_empty());
}

#[test]
fn msh_keeps_its_own_delimiters() {
    let text = "MSH$%#!($LAB$NORTH$$$20261123$$ORU%R01%ORU_R01$1$P$2.5\rPID$1$$7%%%H#8%%%N$$Doe(Van%Jane\r";
    let m = Message::parse(text, &ParseOptions::default()).unwrap();
    assert_eq!(m.to_er7(), text);
    let oru: OruR01 = m.typed().unwrap();
    let msh = oru.msh().unwrap();
    assert_eq!(msh.field_separator().unwrap().as_str(), "$");
    assert_eq!(msh.encoding_characters().unwrap().as_str(), "%#!(");
    let ty = msh.message_type().unwrap();
    assert_eq!(ty.message_code().unwrap().as_str(), "ORU");
    assert_eq!(ty.message_structure().unwrap().as_str(), "ORU_R01");
    assert_eq!(
        msh.sending_application()
            .unwrap()
            .namespace_id()
            .unwrap()
            .as_str(),
        "LAB"
    );
    let pid = oru
        .patient_result()
        .first()
        .and_then(|r| r.patient())
        .and_then(|p| p.pid())
        .unwrap();
    let ids: Vec<_> = pid
        .patient_identifier_list()
        .iter()
        .map(|cx| cx.id_number().unwrap().as_str())
        .collect();
    assert_eq!(ids, ["7", "8"]);
    let name = pid.patient_name().first().unwrap();
    let family = name.family_name().unwrap();
    assert_eq!(family.as_str(), "Doe(Van");
    assert_eq!(family.surname().unwrap().as_str(), "Doe");
    assert_eq!(family.own_surname_prefix().unwrap().as_str(), "Van");
    assert_eq!(name.given_name().unwrap().as_str(), "Jane");
}
