//! Validation of a parsed message against its version's definitions, separate from parsing:
//! parsing keeps everything, validation reports every departure, each with its HL7 error code
//! (table 0357), severity and location in ERL form.
//!
//! What is checked, and the code given:
//! - **100** segment sequence error: a segment kept outside the grammar (out of order, not in
//!   the structure, a Z-segment), a required segment or group missing (not a segment kept as
//!   unexpected in that same group occurrence: it is reported once, where it is), or more
//!   occurrences than the cardinality allows;
//! - **101** required field missing: a field or component of usage `R` with no value;
//! - **102** data type error: an NM, SI, DT, TM or DTM value (the first component of TS too)
//!   not in its format, a value longer than its length, more repetitions than the field
//!   allows, a field of usage `X` that is valued (a warning);
//! - **103** table value not found: an ID value not in its HL7 table (an error), an IS value
//!   not in the user-defined table's suggested values (a warning). Tables without values are
//!   not checked.
//!
//! Locations follow ERL: segment id, occurrence of that segment id in the message (from 1),
//! field, repetition, component, subcomponent (`MSH^1^10^1^1`).

use std::fmt;

use crate::delimiters::Delimiters;
use crate::descriptor::{Card, DatatypeDesc, ElementDesc, ItemDesc, Usage, VersionDesc};
use crate::er7::escape::unescape;
use crate::grammar::{ANY_SEGMENT_ID, segment_id};

/// How serious a finding is (ERR-4: E, W, I).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
    Information,
}

impl Severity {
    /// The code ERR-4 uses (table 0516).
    pub fn code(self) -> &'static str {
        match self {
            Severity::Error => "E",
            Severity::Warning => "W",
            Severity::Information => "I",
        }
    }
}

/// Where a finding is, in ERL form: segment id ^ occurrence ^ field ^ repetition ^ component ^
/// subcomponent; trailing parts are absent when the finding is about a larger element.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Location {
    pub segment: String,
    /// Occurrence of this segment id in the message, from 1.
    pub sequence: u32,
    pub field: Option<u32>,
    pub repetition: Option<u32>,
    pub component: Option<u32>,
    pub subcomponent: Option<u32>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}^{}", self.segment, self.sequence)?;
        for part in [
            self.field,
            self.repetition,
            self.component,
            self.subcomponent,
        ]
        .into_iter()
        .map_while(|p| p)
        {
            write!(f, "^{part}")?;
        }
        Ok(())
    }
}

/// One departure from the definitions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// HL7 table 0357 code (100, 101, 102, 103).
    pub code: u16,
    pub severity: Severity,
    pub location: Location,
    /// What is wrong, for a person.
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} at {}: {}",
            self.severity.code(),
            self.code,
            self.location,
            self.message
        )
    }
}

/// Strict mode: the findings of severity error, when there are any.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the message has {} error(s); the first: {}", .0.len(), .0[0])]
pub struct Invalid(pub Vec<Finding>);

/// Every finding of `message` ([`crate::tree::Lean`], as `hl7_model::Message` holds it), a
/// structure of `version`, in message order.
///
/// ```
/// let m = hl7_model::parse("MSH|^~\\&|A||||||ADT^A01|1|P|2.5\rEVN|A01\rPID|1||7||Doe\rPV1|1|X\r")
///     .unwrap();
/// let findings = hl7_model::validate::validate(m.lean(), m.version());
/// assert!(findings.iter().any(|f| f.code == 103 && f.location.to_string() == "PV1^1^2^1"));
/// ```
pub fn validate(message: &crate::tree::Lean, version: &VersionDesc) -> Vec<Finding> {
    let d = message.delimiters();
    let mut v = Validator::new(version, d);
    v.group(message, message.root(), 0..message.tree().entries.len());
    v.findings
}

/// [`validate`], failing when any finding is an error.
pub fn validate_strict(
    message: &crate::tree::Lean,
    version: &VersionDesc,
) -> Result<Vec<Finding>, Invalid> {
    strict(validate(message, version))
}

fn strict(findings: Vec<Finding>) -> Result<Vec<Finding>, Invalid> {
    let errors: Vec<Finding> = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .cloned()
        .collect();
    if errors.is_empty() {
        Ok(findings)
    } else {
        Err(Invalid(errors))
    }
}

/// A location while validating: the segment id by its index in [`Validator::ids`], so that
/// locations are copied without allocating; a [`Location`] is made only for a finding.
#[derive(Debug, Clone, Copy)]
struct Loc {
    segment: u32,
    sequence: u32,
    field: Option<u32>,
    repetition: Option<u32>,
    component: Option<u32>,
    subcomponent: Option<u32>,
}

struct Validator<'a> {
    version: &'a VersionDesc,
    d: &'a Delimiters,
    /// Each segment id met, with its occurrences so far: a handful per message, searched in
    /// order.
    ids: Vec<(Box<str>, u32)>,
    /// The last segment met, for locating missing segments.
    last: Option<Loc>,
    findings: Vec<Finding>,
}

impl<'a> Validator<'a> {
    fn new(version: &'a VersionDesc, d: &'a Delimiters) -> Self {
        Validator {
            version,
            d,
            ids: Vec::new(),
            last: None,
            findings: Vec::new(),
        }
    }

    fn id_index(&mut self, id: &str) -> usize {
        match self.ids.iter().position(|(known, _)| &**known == id) {
            Some(i) => i,
            None => {
                self.ids.push((id.into(), 0));
                self.ids.len() - 1
            }
        }
    }

    fn id(&self, loc: Loc) -> &str {
        self.ids.get(loc.segment as usize).map_or("", |(id, _)| id)
    }

    fn push(&mut self, code: u16, severity: Severity, loc: Loc, message: String) {
        let location = Location {
            segment: self.id(loc).to_owned(),
            sequence: loc.sequence,
            field: loc.field,
            repetition: loc.repetition,
            component: loc.component,
            subcomponent: loc.subcomponent,
        };
        self.findings.push(Finding {
            code,
            severity,
            location,
            message,
        });
    }

    fn next_location(&mut self, id: &str) -> Loc {
        let i = self.id_index(id);
        self.ids[i].1 += 1;
        let loc = Loc {
            segment: i as u32,
            sequence: self.ids[i].1,
            field: None,
            repetition: None,
            component: None,
            subcomponent: None,
        };
        self.last = Some(loc);
        loc
    }

    /// A segment kept where the grammar has no place for it: reported, and its fields checked
    /// when the version defines the segment (a PID out of place still needs its PID-3).
    fn unexpected(&mut self, raw: &str, at: &str) {
        let id = segment_id(raw);
        let loc = self.next_location(id);
        self.push(
            100,
            Severity::Error,
            loc,
            format!("segment {id} is not expected here ({at})"),
        );
        if let Some(seg) = self.version.segment(id) {
            self.fields(crate::view::SegmentView::new(raw, self.d), seg, loc);
        }
    }

    fn cardinality(&mut self, item: &ItemDesc, count: usize, group: &str) {
        let card: Card = match item {
            ItemDesc::Segment { card, .. } | ItemDesc::Group { card, .. } => *card,
        };
        let too_few = count < card.min as usize;
        let too_many = card.max.is_some_and(|m| count > m as usize);
        if !too_few && !too_many {
            return;
        }
        let what = match item {
            ItemDesc::Segment { id, .. } => format!("segment {id}"),
            ItemDesc::Group { group, .. } => format!("group {}", group.name),
        };
        let what = what.as_str();
        let loc = match self.last {
            Some(loc) => loc,
            None => Loc {
                segment: self.id_index(what) as u32,
                sequence: 1,
                field: None,
                repetition: None,
                component: None,
                subcomponent: None,
            },
        };
        if too_few {
            self.push(
                100,
                Severity::Error,
                loc,
                format!("required {what} missing in {group}"),
            );
        } else {
            self.push(
                100,
                Severity::Error,
                loc,
                format!(
                    "{what} occurs {count} times in {group}, at most {} allowed",
                    card.max.unwrap_or(0)
                ),
            );
        }
    }

    /// The group occurrence whose entries are `range` in `m`, of definition `desc`: its
    /// children in message order, with each item's cardinality checked once the message has
    /// moved past the item.
    fn group(
        &mut self,
        m: &crate::tree::Lean,
        desc: &'static crate::descriptor::GroupDesc,
        range: std::ops::Range<usize>,
    ) {
        use crate::tree::EntryKind;
        let mut counts = vec![0usize; desc.items.len()];
        // The ids of the segments this occurrence keeps as unexpected: one of them is
        // reported as such, not also as missing here (the grammar's cost counts it so too).
        let mut kept: Vec<&str> = Vec::new();
        for (_, e) in m.tree().children(range.clone()) {
            if e.kind == EntryKind::Unexpected {
                kept.push(segment_id(m.segment(e.value)));
            } else if let Some(n) = counts.get_mut(e.item as usize) {
                *n += 1;
            }
        }
        // Items below `next` have had their cardinality checked.
        let mut next = 0;
        for (i, e) in m.tree().children(range) {
            if e.kind == EntryKind::Unexpected {
                self.unexpected(m.segment(e.value), desc.name);
                continue;
            }
            let item = e.item as usize;
            while next < item {
                self.item_cardinality(desc, next, counts[next], &kept);
                next += 1;
            }
            match (e.kind, desc.items.get(item)) {
                (EntryKind::Group, Some(ItemDesc::Group { group, .. })) => {
                    self.group(m, group, i + 1..e.value as usize);
                }
                (_, Some(ItemDesc::Segment { id, .. })) => {
                    let text = m.segment(e.value);
                    match self.version.segment(id) {
                        Some(seg) if *id != ANY_SEGMENT_ID => {
                            self.segment(crate::view::SegmentView::new(text, self.d), seg);
                        }
                        _ => {
                            self.next_location(segment_id(text));
                        }
                    }
                }
                _ => {}
            }
        }
        while next < desc.items.len() {
            self.item_cardinality(desc, next, counts[next], &kept);
            next += 1;
        }
    }

    fn item_cardinality(
        &mut self,
        desc: &'static crate::descriptor::GroupDesc,
        i: usize,
        count: usize,
        kept: &[&str],
    ) {
        // In a choice group one item is present per occurrence; the others are not missing.
        if desc.choice {
            return;
        }
        match desc.items.get(i) {
            // Sent, but out of place: reported where it is kept, as unexpected.
            Some(ItemDesc::Segment { id, card })
                if count < card.min as usize && kept.contains(id) => {}
            Some(item) => self.cardinality(item, count, desc.name),
            None => {}
        }
    }

    /// Repetitions were sent for field `seq`, which does not repeat.
    fn not_repeating(&mut self, segment: Loc, id: &str, seq: u32) {
        let mut at = segment;
        at.field = Some(seq);
        at.repetition = Some(2);
        self.push(
            102,
            Severity::Error,
            at,
            format!("{id}-{seq} does not repeat, but repetitions were sent"),
        );
    }

    /// A segment of definition `desc`, read from its text.
    fn segment(
        &mut self,
        s: crate::view::SegmentView<'_>,
        desc: &'static crate::descriptor::SegmentDesc,
    ) {
        let loc = self.next_location(desc.id);
        self.fields(s, desc, loc);
    }

    /// The fields of segment `s`, found at `loc`, by its definition `desc`.
    fn fields(
        &mut self,
        s: crate::view::SegmentView<'_>,
        desc: &'static crate::descriptor::SegmentDesc,
        loc: Loc,
    ) {
        let id = desc.id;
        let mut not_repeating = Vec::new();
        // One buffer for every field's repetitions, and one pass over the segment's fields.
        let mut reps: Vec<&str> = Vec::new();
        let mut fields = s.fields();
        for field in desc.fields {
            let seq = field.seq;
            let Some(view) = fields.next() else { break };
            // MSH-1 and MSH-2 are the delimiters themselves, checked by the tokenizer.
            if crate::delimiters::is_header(id) && seq <= 2 {
                continue;
            }
            reps.clear();
            reps.extend(view.repetitions().map(|r| r.as_str()));
            if !field.card.repeats() && reps.len() > 1 {
                not_repeating.push(seq);
                reps.truncate(1);
            }
            self.field(loc, field, &reps);
        }
        // Fields not sent are still checked (a required one is missing).
        for field in desc.fields.iter().skip(s.field_count()) {
            if !(crate::delimiters::is_header(id) && field.seq <= 2) {
                self.field(loc, field, &[]);
            }
        }
        for seq in not_repeating {
            self.not_repeating(loc, id, seq);
        }
    }

    fn field(&mut self, seg: Loc, desc: &ElementDesc, reps: &[&str]) {
        let mut at = seg;
        at.field = Some(desc.seq);
        if reps.iter().all(|t| t.is_empty()) {
            if desc.usage == Usage::R {
                at.repetition = Some(1);
                at.component = Some(1);
                let message = format!("{}-{} {} is required", self.id(seg), desc.seq, desc.name);
                self.push(101, Severity::Error, at, message);
            }
            return;
        }
        if desc.usage == Usage::X {
            let message = format!(
                "{}-{} {} is not supported, but valued",
                self.id(seg),
                desc.seq,
                desc.name
            );
            self.push(102, Severity::Warning, at, message);
        }
        if desc.card.max.is_some_and(|m| reps.len() > m as usize) {
            let message = format!(
                "{}-{} has {} repetitions, at most {} allowed",
                self.id(seg),
                desc.seq,
                reps.len(),
                desc.card.max.unwrap_or(0)
            );
            self.push(102, Severity::Error, at, message);
        }
        for (r, text) in reps.iter().enumerate() {
            let mut at = at;
            at.repetition = Some(r as u32 + 1);
            self.value(at, desc, text, 0);
        }
    }

    /// Checks `text`, the wire form of an element of `desc` at nesting `depth` (0: field,
    /// 1: component, 2: subcomponent).
    fn value(&mut self, at: Loc, desc: &ElementDesc, text: &str, depth: usize) {
        if text.is_empty() || text == "\"\"" {
            return;
        }
        // Most values are of a primitive type, which every version defines without
        // components: no need to look it up.
        let datatype: Option<&DatatypeDesc> = match desc.composite {
            Some(dt) => Some(dt),
            None if is_primitive(desc.datatype) => None,
            None => self.version.datatype(desc.datatype),
        };
        let separator = match depth {
            0 => Some(self.d.component),
            1 if self.d.has_subcomponent() => Some(self.d.subcomponent),
            _ => None,
        };
        if let (Some(dt), Some(sep)) = (datatype, separator)
            && !dt.components.is_empty()
        {
            let mut parts = text.split(sep);
            for (i, c) in dt.components.iter().enumerate() {
                let part = parts.next().unwrap_or("");
                let mut at = at;
                if depth == 0 {
                    at.component = Some(i as u32 + 1);
                } else {
                    at.subcomponent = Some(i as u32 + 1);
                }
                if part.is_empty() {
                    // A required component of a valued composite.
                    if c.usage == Usage::R {
                        self.push(
                            101,
                            Severity::Error,
                            at,
                            format!(
                                "{} component {} {} is required",
                                desc.datatype, c.seq, c.name
                            ),
                        );
                    }
                    continue;
                }
                self.value(at, c, part, depth + 1);
            }
            return;
        }
        let decoded = unescape(text, self.d);
        if let Some(len) = desc.len
            && decoded.chars().count() > len as usize
        {
            self.push(
                102,
                Severity::Warning,
                at,
                format!(
                    "{} is {} characters long, above its length {len}",
                    desc.name,
                    decoded.chars().count()
                ),
            );
        }
        let format = match desc.datatype {
            "NM" => crate::number::check_nm(&decoded).err(),
            "SI" => crate::number::parse_si(&decoded).err(),
            "DT" => crate::temporal::Date::parse(&decoded).err(),
            "TM" => crate::temporal::Time::parse(&decoded).err(),
            "DTM" => crate::temporal::DateTime::parse(&decoded).err(),
            _ => None,
        };
        if let Some(e) = format {
            self.push(102, Severity::Error, at, e.to_string());
        }
        if let Some(table) = desc.table
            && matches!(desc.datatype, "ID" | "IS")
            && let Some(t) = self.version.table(table)
            && !t.values.is_empty()
            && t.value(&decoded).is_none()
            && !in_event_map(self.version, table, &decoded)
        {
            let severity = if desc.datatype == "ID" {
                Severity::Error
            } else {
                Severity::Warning
            };
            self.push(
                103,
                severity,
                at,
                format!(
                    "`{decoded}` is not a value of table {table} ({})",
                    desc.name
                ),
            );
        }
    }
}

/// Whether `id` is a primitive datatype in every version (the ones with typed checks, the
/// text types, and `varies`).
fn is_primitive(id: &str) -> bool {
    matches!(
        id,
        "ST" | "TX" | "FT" | "ID" | "IS" | "NM" | "SI" | "DT" | "TM" | "DTM" | "varies"
    )
}

/// Whether `code` is a message type (table 0076), trigger event (0003) or message structure
/// (0354) that the version's own event map uses: several versions' tables lack entries their
/// event map has (2.5's `Q31`, `ADT_A12`), and a message the version defines is not wrong.
fn in_event_map(version: &VersionDesc, table: &str, code: &str) -> bool {
    match table {
        "0354" => version.structure(code).is_some(),
        "0003" => version
            .events
            .iter()
            .any(|(key, _)| key.split_once('^').is_some_and(|(_, e)| e == code)),
        "0076" => version
            .events
            .iter()
            .any(|(key, _)| key.split_once('^').is_some_and(|(t, _)| t == code)),
        _ => false,
    }
}
