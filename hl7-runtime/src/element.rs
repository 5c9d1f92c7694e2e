//! The traits typed models implement, and the generic decoding and encoding they share.
//!
//! A derive writes only the wiring (which struct field holds which position) and the
//! descriptor; splitting, joining, trailing delimiters and overflow are handled here once, over
//! `dyn` access, so no per-type copy of this logic is compiled.

use crate::delimiters::{Delimiters, Level};
use crate::descriptor::{DatatypeDesc, SegmentDesc};

/// Anything that occupies one field, component or subcomponent position.
pub trait Element {
    /// Replaces the content with the wire text `text` found at `level`.
    fn decode(&mut self, text: &str, level: Level, d: &Delimiters);
    /// Appends the wire form at `level`.
    fn encode(&self, out: &mut String, level: Level, d: &Delimiters);
    /// Whether nothing was sent.
    fn is_absent(&self) -> bool;
    /// The element as a composite, when it is one: generic code (paths, JSON) descends
    /// through this.
    fn as_composite(&self) -> Option<&dyn Composite> {
        None
    }
    fn as_composite_mut(&mut self) -> Option<&mut dyn Composite> {
        None
    }
    /// The element's value, when it is a primitive.
    fn as_value(&self) -> Option<&crate::value::Value> {
        None
    }
    fn as_value_mut(&mut self) -> Option<&mut crate::value::Value> {
        None
    }
}

/// What a typed element must remember besides its defined parts so that it encodes back to the
/// bytes it was read from: how many parts were sent (trailing empty parts included), and the
/// raw text of parts beyond its definition. Nothing sent is ever dropped.
///
/// Overflow is rare, so it lives behind one optional box: a tail costs 16 bytes in every
/// composite and segment that has nothing beyond its definition.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Tail {
    /// Parts present on the wire, empty ones included.
    pub sent: u32,
    /// For segments: whether the segment occurred (a required segment held as a plain field of
    /// its group is present only once it was parsed or added).
    pub present: bool,
    /// What was sent beyond the definition, when anything was.
    pub overflow: Option<Box<Overflow>>,
}

/// Parts sent beyond an element's definition, kept as sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Overflow {
    /// Parts beyond the definition, as sent.
    pub extra: Vec<Box<str>>,
    /// For segments: repetitions of a non-repeating field beyond the first, as (position, raw
    /// text after the first repetition separator).
    pub extra_repetitions: Vec<(u32, Box<str>)>,
}

impl Tail {
    /// Parts beyond the definition, as sent.
    pub fn extra(&self) -> &[Box<str>] {
        self.overflow.as_ref().map_or(&[], |o| &o.extra)
    }

    /// Repetitions of non-repeating fields beyond the first, as (position, raw text).
    pub fn extra_repetitions(&self) -> &[(u32, Box<str>)] {
        self.overflow.as_ref().map_or(&[], |o| &o.extra_repetitions)
    }

    /// Whether anything beyond the definition was kept.
    pub fn has_overflow(&self) -> bool {
        self.overflow
            .as_ref()
            .is_some_and(|o| !o.extra.is_empty() || !o.extra_repetitions.is_empty())
    }

    fn set_overflow(&mut self, extra: Vec<Box<str>>, extra_repetitions: Vec<(u32, Box<str>)>) {
        self.overflow = (!extra.is_empty() || !extra_repetitions.is_empty()).then(|| {
            Box::new(Overflow {
                extra,
                extra_repetitions,
            })
        });
    }
}

/// A composite datatype (CE, XPN, a user's own). Implemented by `#[derive(Composite)]`.
pub trait Composite: Element {
    /// Definition of the datatype.
    fn desc(&self) -> &'static DatatypeDesc;
    /// The element at 0-based component index `i`.
    fn component(&self, i: usize) -> Option<&dyn Element>;
    fn component_mut(&mut self, i: usize) -> Option<&mut dyn Element>;
    fn tail(&self) -> &Tail;
    fn tail_mut(&mut self) -> &mut Tail;
}

/// Decodes a composite at `level`. At the subcomponent level there is no separator left, so
/// the whole text goes to the first component.
pub fn decode_composite(c: &mut dyn Composite, text: &str, level: Level, d: &Delimiters) {
    let mut i = 0;
    while let Some(e) = c.component_mut(i) {
        e.decode("", Level::Subcomponent, d);
        i += 1;
    }
    *c.tail_mut() = Tail::default();
    if text.is_empty() {
        return;
    }
    let (Some(sep), Some(child)) = (level.separator(d), level.child()) else {
        if let Some(first) = c.component_mut(0) {
            first.decode(text, Level::Subcomponent, d);
        }
        c.tail_mut().sent = 1;
        return;
    };
    let mut sent = 0;
    let mut extra = Vec::new();
    for (i, part) in text.split(sep).enumerate() {
        sent += 1;
        match c.component_mut(i) {
            Some(e) => e.decode(part, child, d),
            None => extra.push(part.into()),
        }
    }
    let tail = c.tail_mut();
    tail.sent = sent;
    tail.set_overflow(extra, Vec::new());
}

/// Encodes a composite at `level`: the parts sent (or set since), trailing empty ones included
/// as sent, then the parts beyond the definition.
pub fn encode_composite(c: &dyn Composite, out: &mut String, level: Level, d: &Delimiters) {
    let (Some(sep), Some(child)) = (level.separator(d), level.child()) else {
        if let Some(first) = c.component(0) {
            first.encode(out, Level::Subcomponent, d);
        }
        return;
    };
    let mut defined = 0;
    let mut last_present = 0;
    while let Some(e) = c.component(defined) {
        defined += 1;
        if !e.is_absent() {
            last_present = defined;
        }
    }
    let tail = c.tail();
    let count = if tail.extra().is_empty() {
        (tail.sent as usize).max(last_present)
    } else {
        defined
    };
    for i in 0..count.min(defined) {
        if i > 0 {
            out.push(sep);
        }
        if let Some(e) = c.component(i) {
            e.encode(out, child, d);
        }
    }
    for part in tail.extra() {
        out.push(sep);
        out.push_str(part);
    }
}

/// Whether every defined component and the tail are empty.
pub fn composite_is_absent(c: &dyn Composite) -> bool {
    let mut i = 0;
    while let Some(e) = c.component(i) {
        if !e.is_absent() {
            return false;
        }
        i += 1;
    }
    c.tail().sent == 0 && !c.tail().has_overflow()
}

/// A field position of a segment: one element, or the repetitions of a repeating field.
pub enum FieldRef<'a> {
    One(&'a dyn Element),
    Repeated(&'a dyn Repeated),
}

pub enum FieldMut<'a> {
    One(&'a mut dyn Element),
    Repeated(&'a mut dyn Repeated),
}

/// The repetitions of a repeating field.
pub trait Repeated {
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    fn get(&self, i: usize) -> Option<&dyn Element>;
    fn get_mut(&mut self, i: usize) -> Option<&mut dyn Element>;
    /// Appends an empty repetition and returns it.
    fn push_new(&mut self) -> &mut dyn Element;
    fn clear(&mut self);
}

impl<T: Element + Default> Repeated for Vec<T> {
    fn len(&self) -> usize {
        Vec::len(self)
    }
    fn get(&self, i: usize) -> Option<&dyn Element> {
        self.as_slice().get(i).map(|e| e as &dyn Element)
    }
    fn get_mut(&mut self, i: usize) -> Option<&mut dyn Element> {
        self.as_mut_slice()
            .get_mut(i)
            .map(|e| e as &mut dyn Element)
    }
    fn push_new(&mut self) -> &mut dyn Element {
        self.push(T::default());
        self.last_mut().expect("just pushed")
    }
    fn clear(&mut self) {
        Vec::clear(self)
    }
}

/// Error of decoding a segment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SegmentError {
    #[error("expected segment {expected}, found `{found}`")]
    WrongId {
        expected: &'static str,
        found: String,
    },
}

/// A segment (PID, a user's ZPI). Implemented by `#[derive(Segment)]`.
pub trait Segment {
    fn desc(&self) -> &'static SegmentDesc;
    /// The field at 1-based position `seq`.
    fn field(&self, seq: u32) -> Option<FieldRef<'_>>;
    fn field_mut(&mut self, seq: u32) -> Option<FieldMut<'_>>;
    fn tail(&self) -> &Tail;
    fn tail_mut(&mut self) -> &mut Tail;
}

/// Whether no field of `s` holds anything and nothing beyond its definition was kept.
pub fn segment_is_empty(s: &dyn Segment) -> bool {
    if s.tail().has_overflow() {
        return false;
    }
    let mut seq = 1;
    while let Some(f) = s.field(seq) {
        let present = match f {
            FieldRef::One(e) => !e.is_absent(),
            FieldRef::Repeated(r) => !r.is_empty(),
        };
        if present {
            return false;
        }
        seq += 1;
    }
    true
}

pub use crate::delimiters::is_header;

/// How many fields a segment defines.
pub fn defined_fields(s: &dyn Segment) -> u32 {
    let mut n = 0;
    while s.field(n + 1).is_some() {
        n += 1;
    }
    n
}

/// How many components a composite defines.
pub fn defined_components(c: &dyn Composite) -> usize {
    let mut n = 0;
    while c.component(n).is_some() {
        n += 1;
    }
    n
}

/// Decodes one segment (without its terminator) into `s`.
pub fn decode_segment(s: &mut dyn Segment, line: &str, d: &Delimiters) -> Result<(), SegmentError> {
    let id = s.desc().id;
    if id == ANY_SEGMENT_ID {
        let tail = s.tail_mut();
        *tail = Tail {
            present: true,
            sent: 1,
            ..Tail::default()
        };
        tail.set_overflow(vec![line.into()], Vec::new());
        return Ok(());
    }
    let found = line.split(d.field).next().unwrap_or("");
    if found != id {
        return Err(SegmentError::WrongId {
            expected: id,
            found: found.to_owned(),
        });
    }
    let mut seq = 1;
    while let Some(f) = s.field_mut(seq) {
        match f {
            FieldMut::One(e) => e.decode("", Level::Field, d),
            FieldMut::Repeated(r) => r.clear(),
        }
        seq += 1;
    }
    *s.tail_mut() = Tail::default();
    let rest = &line[id.len()..];
    let mut fields: Vec<&str> = Vec::new();
    if is_header(id) {
        // MSH-1 is the separator itself and MSH-2 the encoding characters, taken verbatim.
        let mut chars = rest.char_indices();
        if let Some((_, sep)) = chars.next() {
            let after = &rest[sep.len_utf8()..];
            let (msh2, remainder) = match after.find(d.field) {
                Some(i) => (&after[..i], Some(&after[i + d.field.len_utf8()..])),
                None => (after, None),
            };
            fields.push(&rest[..sep.len_utf8()]);
            fields.push(msh2);
            if let Some(r) = remainder {
                fields.extend(r.split(d.field));
            }
        }
    } else if let Some(r) = rest.strip_prefix(d.field) {
        fields.extend(r.split(d.field));
    }
    let mut extra = Vec::new();
    let mut extra_reps = Vec::new();
    for (i, text) in fields.iter().enumerate() {
        let seq = i as u32 + 1;
        let verbatim = is_header(id) && seq <= 2;
        match s.field_mut(seq) {
            Some(FieldMut::One(e)) => {
                let (first, more) = match text.split_once(d.repetition).filter(|_| !verbatim) {
                    Some((a, b)) => (a, Some(b)),
                    None => (*text, None),
                };
                e.decode(first, Level::Field, d);
                if let Some(more) = more {
                    extra_reps.push((seq, more.into()));
                }
            }
            Some(FieldMut::Repeated(r)) => {
                if !text.is_empty() {
                    for rep in text.split(d.repetition) {
                        r.push_new().decode(rep, Level::Field, d);
                    }
                }
            }
            None => extra.push((*text).into()),
        }
    }
    let tail = s.tail_mut();
    tail.present = true;
    tail.sent = fields.len() as u32;
    tail.set_overflow(extra, extra_reps);
    Ok(())
}

/// Encodes a segment without its terminator.
pub fn encode_segment(s: &dyn Segment, out: &mut String, d: &Delimiters) {
    let id = s.desc().id;
    if id == ANY_SEGMENT_ID {
        if let Some(raw) = s.tail().extra().first() {
            out.push_str(raw);
        }
        return;
    }
    out.push_str(id);
    let mut defined = 0u32;
    let mut last_present = 0u32;
    while let Some(f) = s.field(defined + 1) {
        defined += 1;
        let present = match f {
            FieldRef::One(e) => !e.is_absent(),
            FieldRef::Repeated(r) => !r.is_empty(),
        };
        if present
            || s.tail()
                .extra_repetitions()
                .iter()
                .any(|(q, _)| *q == defined)
        {
            last_present = defined;
        }
    }
    let tail = s.tail();
    let count = if tail.extra().is_empty() {
        tail.sent.max(last_present)
    } else {
        defined
    };
    for seq in 1..=count.min(defined) {
        if !(is_header(id) && seq == 2) {
            out.push(d.field);
        }
        if is_header(id) && seq == 1 {
            continue;
        }
        match s.field(seq) {
            Some(FieldRef::One(e)) => {
                e.encode(out, Level::Field, d);
                for (_, more) in tail.extra_repetitions().iter().filter(|(q, _)| *q == seq) {
                    out.push(d.repetition);
                    out.push_str(more);
                }
            }
            Some(FieldRef::Repeated(r)) => {
                for i in 0..r.len() {
                    if i > 0 {
                        out.push(d.repetition);
                    }
                    if let Some(e) = r.get(i) {
                        e.encode(out, Level::Field, d);
                    }
                }
            }
            None => {}
        }
    }
    for f in tail.extra() {
        out.push(d.field);
        out.push_str(f);
    }
}

/// A composite type with its definition as a constant (every `#[derive(Composite)]` type).
pub trait CompositeType: Composite + Default {
    const DESC: &'static DatatypeDesc;
}

/// A segment type with its definition as a constant (every `#[derive(Segment)]` type).
pub trait SegmentType: Segment + Default {
    const DESC: &'static SegmentDesc;

    /// Parses one segment (without its terminator) with delimiters `d`.
    fn parse(line: &str, d: &Delimiters) -> Result<Self, SegmentError> {
        let mut s = Self::default();
        decode_segment(&mut s, line, d)?;
        Ok(s)
    }

    /// The segment's wire form, without terminator.
    fn to_er7(&self, d: &Delimiters) -> String {
        let mut out = String::new();
        encode_segment(self, &mut out, d);
        out
    }
}

/// The segment id at the start of a raw segment line (its leading letters and digits), without
/// knowing the message's delimiters.
pub fn segment_id(raw: &str) -> &str {
    raw.split(|c: char| !c.is_ascii_alphanumeric())
        .next()
        .unwrap_or("")
}

/// The id under which a structure position accepts any segment.
pub const ANY_SEGMENT_ID: &str = "*";

/// A segment at a structure position that accepts any segment (the standard's "any HL7
/// segment", a site's Zxx): kept whole, as sent, in `tail.extra[0]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct AnySegment {
    pub tail: Tail,
}

impl AnySegment {
    /// The segment as sent.
    pub fn raw(&self) -> Option<&str> {
        self.tail.extra().first().map(|s| &**s)
    }
}

static ANY_SEGMENT_DESC: SegmentDesc = SegmentDesc {
    id: ANY_SEGMENT_ID,
    name: "Any segment",
    fields: &[],
};

impl Segment for AnySegment {
    fn desc(&self) -> &'static SegmentDesc {
        &ANY_SEGMENT_DESC
    }
    fn field(&self, _seq: u32) -> Option<FieldRef<'_>> {
        None
    }
    fn field_mut(&mut self, _seq: u32) -> Option<FieldMut<'_>> {
        None
    }
    fn tail(&self) -> &Tail {
        &self.tail
    }
    fn tail_mut(&mut self) -> &mut Tail {
        &mut self.tail
    }
}

impl SegmentType for AnySegment {
    const DESC: &'static SegmentDesc = &ANY_SEGMENT_DESC;
}
