//! Typed views of a message held as [`crate::tree::Lean`]: the generated composite, segment,
//! group and structure types are `Copy` handles into the message's text and tree, and each
//! of their accessors finds its value when it is called. Nothing is decoded or copied when a
//! message is read, and a view is a few words whatever its definition holds.
//!
//! The types come from declarations through the attribute macros
//! ([`macro@crate::composite`], [`macro@crate::segment`], [`macro@crate::group`]); this
//! module holds what every expansion calls: the primitive views ([`St`], [`Dtm`], …), the
//! collections of repetitions ([`Reps`]) and of item occurrences ([`Items`]), and the traits
//! that tie a type to its descriptor.
//!
//! Cardinality shapes the accessors:
//! - a field or component that does not repeat gives `Option<T>`: `None` when nothing was
//!   sent, `Some` of a view whose `is_null()` says whether `""` was sent;
//! - a repeating field gives [`Reps<T>`], the repetitions sent;
//! - a segment or group item gives `Option<T>` when it occurs at most once, else
//!   [`Items<T>`], its occurrences in message order.

use std::borrow::Cow;
use std::marker::PhantomData;

use crate::delimiters::Delimiters;
use crate::descriptor::{DatatypeDesc, GroupDesc, SegmentDesc, StructureDesc};
use crate::tree::{EntryKind, Lean};
use crate::view::{FieldView, Part, SegmentView, Wire};

/// A value of a field: a repetition, a component or a subcomponent, with the message's
/// delimiters (to decode escapes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Piece<'m> {
    part: Part<'m>,
    d: &'m Delimiters,
}

impl<'m> Piece<'m> {
    /// The piece `part` of a message with delimiters `d`.
    pub fn new(part: Part<'m>, d: &'m Delimiters) -> Piece<'m> {
        Piece { part, d }
    }

    /// The wire text, escapes and all.
    pub fn as_str(&self) -> &'m str {
        self.part.as_str()
    }

    /// The text with escape sequences decoded (`\F\` is `|`); formatting escapes (`\.br\`,
    /// `\H\`) are kept as sent.
    pub fn text(&self) -> Cow<'m, str> {
        crate::er7::escape::unescape(self.part.as_str(), self.d)
    }

    /// Absent, null (`""`) or text.
    pub fn wire(&self) -> Wire<'m> {
        self.part.wire()
    }

    /// The view below: component `i` (from 0) of a repetition, subcomponent `i` of a
    /// component.
    pub fn child(&self, i: usize) -> Piece<'m> {
        Piece {
            part: self.part.child(i),
            d: self.d,
        }
    }

    pub fn part(&self) -> Part<'m> {
        self.part
    }

    pub fn delimiters(&self) -> &'m Delimiters {
        self.d
    }
}

/// A typed view of a value: a primitive or a composite.
pub trait TypedElement<'m>: Copy {
    /// The composite datatype this view reads, when it reads one.
    const DATATYPE: Option<&'static DatatypeDesc> = None;
    #[doc(hidden)]
    /// The view of `piece`.
    fn wrap(piece: Piece<'m>) -> Self;
    /// What the view reads.
    fn piece(&self) -> Piece<'m>;
}

/// A composite datatype's view, with its definition.
pub trait TypedComposite<'m>: TypedElement<'m> {
    const DESC: &'static DatatypeDesc;
}

/// A segment's view, with its definition.
pub trait TypedSegment<'m>: Copy {
    const DESC: &'static SegmentDesc;
    #[doc(hidden)]
    /// The view of segment text `segment`.
    fn wrap(segment: SegmentView<'m>) -> Self;
    /// What the view reads.
    fn segment(&self) -> SegmentView<'m>;
}

/// A group's (or structure's) view, with its definition.
pub trait TypedGroup<'m>: Copy {
    const DESC: &'static GroupDesc;
    #[doc(hidden)]
    /// The view of group occurrence `group`.
    fn wrap(group: GroupRef<'m>) -> Self;
    /// What the view reads.
    fn group(&self) -> GroupRef<'m>;
}

/// A message structure's view.
pub trait TypedStructure<'m>: TypedGroup<'m> {
    const STRUCTURE: &'static StructureDesc;

    /// The view of `message`, when it was read as this structure (the same definition:
    /// a structure of the same id in another version is another structure).
    fn of(message: &'m Lean) -> Option<Self> {
        let root = message.root();
        (std::ptr::eq(root, Self::DESC) || root == Self::DESC)
            .then(|| Self::wrap(GroupRef::root(message)))
    }
}

/// One occurrence of a group, or the structure itself, in a [`Lean`] message.
#[derive(Debug, Clone, Copy)]
pub struct GroupRef<'m> {
    message: &'m Lean,
    /// The tree entries of its children.
    start: u32,
    end: u32,
}

impl PartialEq for GroupRef<'_> {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.message, other.message)
            && self.start == other.start
            && self.end == other.end
    }
}

impl Eq for GroupRef<'_> {}

impl<'m> GroupRef<'m> {
    /// The structure: the whole message.
    pub fn root(message: &'m Lean) -> GroupRef<'m> {
        GroupRef {
            message,
            start: 0,
            end: message.tree().entries.len() as u32,
        }
    }

    pub fn message(&self) -> &'m Lean {
        self.message
    }

    /// The children's entries: segments, nested groups and unexpected segments, in message
    /// order, as `(entry index, entry)`.
    pub fn children(&self) -> crate::tree::Children<'m> {
        self.message
            .tree()
            .children(self.start as usize..self.end as usize)
    }

    /// The segments the grammar had no place for, kept here where they arrived.
    pub fn unexpected(&self) -> impl Iterator<Item = SegmentView<'m>> + 'm {
        let m = self.message;
        self.children()
            .filter(|(_, e)| e.kind == EntryKind::Unexpected)
            .map(move |(_, e)| SegmentView::new(m.segment(e.value), m.delimiters()))
    }

    /// The segments of this occurrence, nested groups' included, in message order.
    pub fn segments(&self) -> impl Iterator<Item = SegmentView<'m>> + 'm {
        let m = self.message;
        m.tree().entries[self.start as usize..self.end as usize]
            .iter()
            .filter(|e| e.kind != EntryKind::Group)
            .map(move |e| SegmentView::new(m.segment(e.value), m.delimiters()))
    }
}

/// An item of a group: a segment or a nested group, made from its tree entry.
pub trait Item<'m>: Copy {
    /// The view of the child entry at `index` of `parent`.
    fn from_entry(parent: GroupRef<'m>, index: usize) -> Self;
}

impl<'m, T: TypedGroup<'m>> Item<'m> for Group<T> {
    fn from_entry(parent: GroupRef<'m>, index: usize) -> Self {
        let end = parent.message.tree().entries[index].value;
        Group(T::wrap(GroupRef {
            message: parent.message,
            start: index as u32 + 1,
            end,
        }))
    }
}

impl<'m, T: TypedSegment<'m>> Item<'m> for Segment<T> {
    fn from_entry(parent: GroupRef<'m>, index: usize) -> Self {
        let m = parent.message;
        let e = m.tree().entries[index];
        Segment(T::wrap(SegmentView::new(
            m.segment(e.value),
            m.delimiters(),
        )))
    }
}

/// Adapts a segment view to [`Item`].
#[derive(Debug, Clone, Copy)]
pub struct Segment<T>(pub T);

/// Adapts a group view to [`Item`].
#[derive(Debug, Clone, Copy)]
pub struct Group<T>(pub T);

/// The occurrences of one item of a group occurrence, in message order.
#[derive(Debug, Clone, Copy)]
pub struct Items<'m, T> {
    parent: GroupRef<'m>,
    item: u16,
    _t: PhantomData<T>,
}

impl<'m, T> Items<'m, T> {
    /// Occurrences of item `item` (from 0) of `parent`.
    pub fn new(parent: GroupRef<'m>, item: u16) -> Self {
        Items {
            parent,
            item,
            _t: PhantomData,
        }
    }

    fn entries(&self) -> impl Iterator<Item = usize> + 'm {
        let item = self.item;
        self.parent
            .children()
            .filter(move |(_, e)| e.kind != EntryKind::Unexpected && e.item == item)
            .map(|(i, _)| i)
    }

    pub fn len(&self) -> usize {
        self.entries().count()
    }

    pub fn is_empty(&self) -> bool {
        self.entries().next().is_none()
    }
}

macro_rules! items_of {
    ($wrapper:ident, $bound:ident) => {
        impl<'m, T: $bound<'m>> Items<'m, $wrapper<T>> {
            /// The occurrences, in message order.
            pub fn iter(&self) -> impl Iterator<Item = T> + 'm {
                let parent = self.parent;
                self.entries()
                    .map(move |i| <$wrapper<T> as Item<'m>>::from_entry(parent, i).0)
            }

            /// Occurrence `i` (from 0).
            pub fn get(&self, i: usize) -> Option<T> {
                self.iter().nth(i)
            }

            /// The first occurrence.
            pub fn first(&self) -> Option<T> {
                self.iter().next()
            }
        }
    };
}

items_of!(Segment, TypedSegment);
items_of!(Group, TypedGroup);

/// The repetitions sent of a field.
#[derive(Debug, Clone, Copy)]
pub struct Reps<'m, T> {
    field: FieldView<'m>,
    d: &'m Delimiters,
    _t: PhantomData<T>,
}

impl<'m, T: TypedElement<'m>> Reps<'m, T> {
    /// The repetitions, in order; an empty repetition between two others is kept.
    pub fn iter(&self) -> impl Iterator<Item = T> + 'm {
        let d = self.d;
        self.field
            .repetitions()
            .map(move |p| T::wrap(Piece::new(p, d)))
    }

    /// Repetition `i` (from 0).
    pub fn get(&self, i: usize) -> Option<T> {
        self.iter().nth(i)
    }

    /// The first repetition.
    pub fn first(&self) -> Option<T> {
        self.iter().next()
    }

    pub fn len(&self) -> usize {
        self.field.repetition_count()
    }

    pub fn is_empty(&self) -> bool {
        self.field.is_empty()
    }

    /// The field as sent, all repetitions.
    pub fn as_str(&self) -> &'m str {
        self.field.as_str()
    }
}

#[doc(hidden)]
/// Field `seq` (from 1) of `segment`, when it was sent: its first repetition.
pub fn field<'m, T: TypedElement<'m>>(segment: SegmentView<'m>, seq: usize) -> Option<T> {
    let f = segment.field(seq);
    (!f.is_empty()).then(|| T::wrap(Piece::new(f.first(), segment.delimiters())))
}

#[doc(hidden)]
/// The repetitions of field `seq` (from 1) of `segment`.
pub fn reps<'m, T: TypedElement<'m>>(segment: SegmentView<'m>, seq: usize) -> Reps<'m, T> {
    Reps {
        field: segment.field(seq),
        d: segment.delimiters(),
        _t: PhantomData,
    }
}

#[doc(hidden)]
/// Component (or subcomponent) `i` (from 0) of `piece`, when it was sent.
pub fn component<'m, T: TypedElement<'m>>(piece: Piece<'m>, i: usize) -> Option<T> {
    let c = piece.child(i);
    (!c.part().is_empty()).then(|| T::wrap(c))
}

#[doc(hidden)]
/// The first occurrence of segment item `item` (from 0) of `group`.
pub fn segment<'m, T: TypedSegment<'m>>(group: GroupRef<'m>, item: u16) -> Option<T> {
    Items::<Segment<T>>::new(group, item).first()
}

#[doc(hidden)]
/// The first occurrence of group item `item` (from 0) of `group`.
pub fn group<'m, T: TypedGroup<'m>>(group: GroupRef<'m>, item: u16) -> Option<T> {
    Items::<Group<T>>::new(group, item).first()
}

#[doc(hidden)]
/// The occurrences of segment item `item` (from 0) of `group`.
pub fn segments<'m, T: TypedSegment<'m>>(group: GroupRef<'m>, item: u16) -> Items<'m, Segment<T>> {
    Items::new(group, item)
}

#[doc(hidden)]
/// The occurrences of group item `item` (from 0) of `group`.
pub fn groups<'m, T: TypedGroup<'m>>(group: GroupRef<'m>, item: u16) -> Items<'m, Group<T>> {
    Items::new(group, item)
}

macro_rules! primitives {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $name<'m>(Piece<'m>);

        impl<'m> $name<'m> {
            /// The wire text, escapes and all (`""` for a null).
            pub fn as_str(&self) -> &'m str {
                self.0.as_str()
            }

            /// The text with escape sequences decoded; `None` for a null (`""`).
            pub fn text(&self) -> Option<Cow<'m, str>> {
                (!self.is_null()).then(|| self.0.text())
            }

            /// Whether `""` was sent: the sender says the value is now null.
            pub fn is_null(&self) -> bool {
                self.0.wire() == Wire::Null
            }
        }

        impl<'m> TypedElement<'m> for $name<'m> {
            fn wrap(piece: Piece<'m>) -> Self {
                $name(piece)
            }
            fn piece(&self) -> Piece<'m> {
                self.0
            }
        }
    )*};
}

primitives! {
    /// ST: string data.
    St;
    /// TX: text data.
    Tx;
    /// FT: formatted text data (keeps `\.br\` and other formatting escapes).
    Ft;
    /// ID: a value from an HL7-defined table.
    Id;
    /// IS: a value from a user-defined table.
    Is;
    /// NM: a number.
    Nm;
    /// SI: a sequence id.
    Si;
    /// DT: a date.
    Dt;
    /// TM: a time.
    Tm;
    /// DTM: a date and time.
    Dtm;
    /// A primitive without a dedicated type (TS before it became composite, TN, CM, GTS, WD,
    /// and any a schema defines that the runtime does not know): its text as sent.
    Text;
    /// A field whose datatype another field names at run time (OBX-5): its text as sent;
    /// [`Varies::component`] reads its components.
    Varies;
}

impl<'m> Nm<'m> {
    /// The exact number; `None` for a null.
    pub fn number(
        &self,
    ) -> Option<Result<crate::number::Decimal, crate::format_error::FormatError>> {
        (!self.is_null()).then(|| crate::number::Decimal::parse(self.as_str()))
    }
}

impl<'m> Si<'m> {
    /// The sequence id; `None` for a null.
    pub fn value(&self) -> Option<Result<u32, crate::format_error::FormatError>> {
        (!self.is_null()).then(|| crate::number::parse_si(self.as_str()))
    }
}

impl<'m> Dt<'m> {
    /// The date; `None` for a null.
    pub fn date(&self) -> Option<Result<crate::temporal::Date, crate::format_error::FormatError>> {
        (!self.is_null()).then(|| crate::temporal::Date::parse(self.as_str()))
    }
}

impl<'m> Tm<'m> {
    /// The time; `None` for a null.
    pub fn time(&self) -> Option<Result<crate::temporal::Time, crate::format_error::FormatError>> {
        (!self.is_null()).then(|| crate::temporal::Time::parse(self.as_str()))
    }
}

impl<'m> Dtm<'m> {
    /// The date and time; `None` for a null.
    pub fn datetime(
        &self,
    ) -> Option<Result<crate::temporal::DateTime, crate::format_error::FormatError>> {
        (!self.is_null()).then(|| crate::temporal::DateTime::parse(self.as_str()))
    }
}

impl<'m> Varies<'m> {
    /// Component `i` (from 0) as sent, when it was: a `varies` value has the components of
    /// the datatype its segment names (OBX-2).
    pub fn component(&self, i: usize) -> Option<Text<'m>> {
        component(self.0, i)
    }
}

/// A segment of any id (the items of a generic message): its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnySegment<'m>(SegmentView<'m>);

impl<'m> AnySegment<'m> {
    pub fn id(&self) -> &'m str {
        self.0.id()
    }

    pub fn as_str(&self) -> &'m str {
        self.0.as_str()
    }
}

impl<'m> TypedSegment<'m> for AnySegment<'m> {
    const DESC: &'static SegmentDesc = &SegmentDesc {
        id: crate::grammar::ANY_SEGMENT_ID,
        name: "Any segment",
        fields: &[],
    };
    fn wrap(segment: SegmentView<'m>) -> Self {
        AnySegment(segment)
    }
    fn segment(&self) -> SegmentView<'m> {
        self.0
    }
}
