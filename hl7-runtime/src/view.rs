//! Views into a segment's text: a field, its repetitions, their components and subcomponents,
//! found by scanning when asked for. Nothing is copied or allocated; a view is a slice of the
//! message and the separators to split it with.
//!
//! The generated views are thin wrappers of these: a composite's view holds a [`Part`] with
//! the message's delimiters ([`crate::typed::Piece`]), a segment's a [`SegmentView`], and
//! their accessors pick a position and wrap the result.

use crate::delimiters::Delimiters;
use crate::er7::tokenize::Seps;

/// What a value is on the wire: absent, present but null (`""`), or text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Wire<'m> {
    /// Not sent.
    Absent,
    /// Sent as `""`: the sender says the value is now null.
    Null,
    /// Sent as this text, escapes and all.
    Text(&'m str),
}

impl<'m> Wire<'m> {
    /// The value of wire text `s`.
    pub fn of(s: &'m str) -> Wire<'m> {
        match s {
            "" => Wire::Absent,
            "\"\"" => Wire::Null,
            s => Wire::Text(s),
        }
    }
}

/// One segment: its text, without terminator, and its message's delimiters.
///
/// Fields are numbered from 1 after the segment id. In header segments (`MSH`, `FHS`, `BHS`)
/// field 1 is the field separator itself and field 2 the encoding characters, both read
/// verbatim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SegmentView<'m> {
    text: &'m str,
    d: &'m Delimiters,
}

impl<'m> SegmentView<'m> {
    /// A view of segment text `text` (without terminator) read with delimiters `d`.
    pub fn new(text: &'m str, d: &'m Delimiters) -> SegmentView<'m> {
        SegmentView { text, d }
    }

    /// The segment as sent, without terminator.
    pub fn as_str(&self) -> &'m str {
        self.text
    }

    pub fn delimiters(&self) -> &'m Delimiters {
        self.d
    }

    fn is_header(&self) -> bool {
        crate::delimiters::is_header(self.id()) && self.text[3..].starts_with(self.d.field)
    }

    /// The segment id: the text before the first field separator.
    pub fn id(&self) -> &'m str {
        self.text.split(self.d.field).next().unwrap_or("")
    }

    /// Field `seq` (from 1); an empty field beyond the last one sent.
    pub fn field(&self, seq: usize) -> FieldView<'m> {
        let f = self.d.field;
        let verbatim = FieldView {
            text: "",
            seps: Seps::VERBATIM,
        };
        if seq == 0 {
            return verbatim;
        }
        if self.is_header() {
            match seq {
                1 => FieldView {
                    text: &self.text[3..3 + f.len_utf8()],
                    ..verbatim
                },
                2 => FieldView {
                    text: self.text.split(f).nth(1).unwrap_or(""),
                    ..verbatim
                },
                _ => self.split_field(seq - 1),
            }
        } else {
            self.split_field(seq)
        }
    }

    fn split_field(&self, n: usize) -> FieldView<'m> {
        FieldView {
            text: self.text.split(self.d.field).nth(n).unwrap_or(""),
            seps: Seps::of(self.d),
        }
    }

    /// The fields sent, from field 1 on, each as [`SegmentView::field`] gives it: one pass
    /// over the text, so that reading every field of a long segment stays linear.
    pub fn fields(&self) -> impl Iterator<Item = FieldView<'m>> + 'm {
        let (text, f) = (self.text, self.d.field);
        let seps = Seps::of(self.d);
        let verbatim = |text| FieldView {
            text,
            seps: Seps::VERBATIM,
        };
        let header = self.is_header();
        let mut pieces = text.split(f);
        pieces.next();
        let separator = header.then(|| verbatim(&text[3..3 + f.len_utf8()]));
        let encoding = if header {
            pieces.next().map(verbatim)
        } else {
            None
        };
        separator
            .into_iter()
            .chain(encoding)
            .chain(pieces.map(move |text| FieldView { text, seps }))
    }

    /// How many fields were sent, trailing empty ones included.
    pub fn field_count(&self) -> usize {
        let parts = self.text.split(self.d.field).count();
        if self.is_header() { parts } else { parts - 1 }
    }
}

/// One field with all its repetitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldView<'m> {
    text: &'m str,
    seps: Seps,
}

impl<'m> FieldView<'m> {
    /// The field as sent.
    pub fn as_str(&self) -> &'m str {
        self.text
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// The repetitions sent (none for an empty field).
    pub fn repetitions(&self) -> impl Iterator<Item = Part<'m>> + 'm {
        let seps = self.seps;
        let text = self.text;
        (!text.is_empty())
            .then(|| text.split(seps.repetition))
            .into_iter()
            .flatten()
            .map(move |t| Part {
                text: t,
                seps,
                level: 0,
            })
    }

    /// Repetition `i` (from 0), when it was sent.
    pub fn repetition(&self, i: usize) -> Option<Part<'m>> {
        self.repetitions().nth(i)
    }

    /// How many repetitions were sent.
    pub fn repetition_count(&self) -> usize {
        if self.text.is_empty() {
            0
        } else {
            self.text.split(self.seps.repetition).count()
        }
    }

    /// The first repetition, empty when none was sent: what a non-repeating field holds.
    pub fn first(&self) -> Part<'m> {
        Part {
            text: self.text.split(self.seps.repetition).next().unwrap_or(""),
            seps: self.seps,
            level: 0,
        }
    }
}

/// A field repetition (level 0), a component (1) or a subcomponent (2): text that splits into
/// the parts of the level below.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Part<'m> {
    text: &'m str,
    seps: Seps,
    level: u8,
}

impl<'m> Part<'m> {
    /// A part that is not split further: all of `text`.
    pub fn whole(text: &'m str) -> Part<'m> {
        Part {
            text,
            seps: Seps::VERBATIM,
            level: 2,
        }
    }

    /// The part as sent.
    pub fn as_str(&self) -> &'m str {
        self.text
    }

    /// The part as a value: absent, null or text.
    pub fn wire(&self) -> Wire<'m> {
        Wire::of(self.text)
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    fn separator(&self) -> Option<char> {
        match self.level {
            0 => Some(self.seps.component),
            1 => Some(self.seps.subcomponent),
            _ => None,
        }
    }

    /// Child `i` (from 0): a component of a repetition, a subcomponent of a component. A
    /// subcomponent has no children: its child 0 is itself, others are empty.
    pub fn child(&self, i: usize) -> Part<'m> {
        let text = match self.separator() {
            Some(sep) => self.text.split(sep).nth(i).unwrap_or(""),
            None if i == 0 => self.text,
            None => "",
        };
        Part {
            text,
            seps: self.seps,
            level: (self.level + 1).min(2),
        }
    }

    /// The children sent, in order, each as [`Part::child`] gives it (none for an empty
    /// part): one pass over the text, so that reading every part of a long value stays linear.
    pub fn children(&self) -> impl Iterator<Item = Part<'m>> + 'm {
        let Part { text, seps, level } = *self;
        let sep = self.separator().filter(|_| !text.is_empty());
        let whole = (self.separator().is_none() && !text.is_empty()).then_some(text);
        sep.map(|s| text.split(s))
            .into_iter()
            .flatten()
            .chain(whole)
            .map(move |text| Part {
                text,
                seps,
                level: (level + 1).min(2),
            })
    }

    /// How many children were sent, trailing empty ones included (0 for an empty part).
    pub fn child_count(&self) -> usize {
        match (self.text.is_empty(), self.separator()) {
            (true, _) => 0,
            (false, Some(sep)) => self.text.split(sep).count(),
            (false, None) => 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_repetitions_components_and_subcomponents() {
        let d = Delimiters::default();
        let s = SegmentView::new("PID|1||123^^^H&1.2&ISO^MR~456|", &d);
        assert_eq!(s.id(), "PID");
        assert_eq!(s.field_count(), 4);
        let f = s.field(3);
        assert_eq!(f.repetition_count(), 2);
        let r = f.first();
        assert_eq!(r.child(0).as_str(), "123");
        assert_eq!(r.child(3).child(1).as_str(), "1.2");
        assert_eq!(r.child(3).child(1).child(0).as_str(), "1.2");
        assert_eq!(r.child(3).child(1).child(1).as_str(), "");
        assert_eq!(f.repetition(1).unwrap().as_str(), "456");
        assert!(s.field(4).is_empty());
        assert!(s.field(40).is_empty());
        assert_eq!(s.field(2).repetition_count(), 0);
    }

    #[test]
    fn header_fields_1_and_2_are_verbatim() {
        let d = Delimiters::default();
        let s = SegmentView::new("MSH|^~\\&|APP^X|", &d);
        assert_eq!(s.field(1).as_str(), "|");
        assert_eq!(s.field(2).as_str(), "^~\\&");
        assert_eq!(s.field(2).repetition_count(), 1);
        assert_eq!(s.field(3).first().child(1).as_str(), "X");
        assert_eq!(s.field_count(), 4);
    }

    #[test]
    fn fields_and_children_walk_what_field_and_child_give() {
        let d = Delimiters::default();
        for text in [
            "PID|1||123^^^H&1.2&ISO^MR~456|",
            "MSH|^~\\&|APP^X||",
            "MSH|",
            "MSH",
            "ZZZ",
            "ZZZ|",
            "ZZZ|a^b&c^^~~x&&|",
        ] {
            let s = SegmentView::new(text, &d);
            let fields: Vec<FieldView<'_>> = s.fields().collect();
            assert_eq!(fields.len(), s.field_count(), "{text}");
            for (k, f) in fields.iter().enumerate() {
                assert_eq!(*f, s.field(k + 1), "{text} field {}", k + 1);
                for r in f.repetitions() {
                    let parts: Vec<Part<'_>> = r.children().collect();
                    assert_eq!(parts.len(), r.child_count(), "{text}");
                    for (i, c) in parts.iter().enumerate() {
                        assert_eq!(*c, r.child(i), "{text}");
                        let subs: Vec<Part<'_>> = c.children().collect();
                        assert_eq!(subs.len(), c.child_count(), "{text}");
                        for (j, sub) in subs.iter().enumerate() {
                            assert_eq!(*sub, c.child(j), "{text}");
                            assert_eq!(sub.children().collect::<Vec<_>>().len(), sub.child_count());
                            assert_eq!(sub.children().next().unwrap_or(sub.child(0)), sub.child(0));
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn wire_forms() {
        assert_eq!(Wire::of(""), Wire::Absent);
        assert_eq!(Wire::of("\"\""), Wire::Null);
        assert_eq!(Wire::of("a"), Wire::Text("a"));
    }
}
