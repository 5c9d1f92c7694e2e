//! Groups and message structures: the traits `#[derive(Group)]` implements, and the slots
//! through which generic code (the grammar matcher, the encoder) reaches a group's items
//! whether a struct holds them as `T`, `Option<T>` or `Vec<T>`.

use crate::delimiters::Delimiters;
use crate::descriptor::{GroupDesc, ItemDesc, StructureDesc};
use crate::element::{Segment, SegmentType, encode_segment};

/// What a group keeps besides its items: whether it occurred, and segments that arrived where
/// its grammar does not expect them, kept in place so that nothing is dropped and they encode
/// where they were.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct GroupTail {
    pub present: bool,
    /// Segments the grammar had no place for, in arrival order.
    pub unexpected: Vec<Unexpected>,
}

/// A segment kept where it arrived although the group's grammar has no place for it (a
/// Z-segment, a segment out of order, one a structure does not define).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Unexpected {
    /// The item it follows, counting from 1 (0: before the group's first item).
    pub after_item: u32,
    /// How many occurrences of that item preceded it, so that it is written back between the
    /// same repetitions it arrived between.
    pub after_occurrences: u32,
    /// The segment as sent, without terminator.
    pub segment: Box<str>,
}

/// The occurrences of a segment at one item of a group.
pub trait SegmentSlot {
    fn count(&self) -> usize;
    fn get(&self, i: usize) -> Option<&dyn Segment>;
    fn get_mut(&mut self, i: usize) -> Option<&mut dyn Segment>;
    /// A new occurrence, or `None` when the slot holds no more.
    fn add(&mut self) -> Option<&mut dyn Segment>;
}

/// Whether a segment held as a plain field occurred: it was parsed or added, or a value was
/// set in it since.
fn segment_occurs(s: &dyn Segment) -> bool {
    s.tail().present || !crate::element::segment_is_empty(s)
}

/// Whether a group held as a plain field occurred.
fn group_occurs(g: &dyn Group) -> bool {
    if g.tail().present || !g.tail().unexpected.is_empty() {
        return true;
    }
    let mut i = 0;
    while let Some(item) = g.item(i) {
        if item.count() > 0 {
            return true;
        }
        i += 1;
    }
    false
}

impl<T: SegmentType> SegmentSlot for T {
    fn count(&self) -> usize {
        usize::from(segment_occurs(self))
    }
    fn get(&self, i: usize) -> Option<&dyn Segment> {
        (i == 0 && segment_occurs(self)).then_some(self as &dyn Segment)
    }
    fn get_mut(&mut self, i: usize) -> Option<&mut dyn Segment> {
        (i == 0 && segment_occurs(self)).then_some(self as &mut dyn Segment)
    }
    fn add(&mut self) -> Option<&mut dyn Segment> {
        if segment_occurs(self) {
            return None;
        }
        self.tail_mut().present = true;
        Some(self)
    }
}

impl<T: SegmentType> SegmentSlot for Option<T> {
    fn count(&self) -> usize {
        usize::from(self.is_some())
    }
    fn get(&self, i: usize) -> Option<&dyn Segment> {
        self.as_ref().filter(|_| i == 0).map(|s| s as &dyn Segment)
    }
    fn get_mut(&mut self, i: usize) -> Option<&mut dyn Segment> {
        self.as_mut()
            .filter(|_| i == 0)
            .map(|s| s as &mut dyn Segment)
    }
    fn add(&mut self) -> Option<&mut dyn Segment> {
        if self.is_some() {
            return None;
        }
        Some(self.insert(T::default()))
    }
}

impl<T: SegmentType> SegmentSlot for Vec<T> {
    fn count(&self) -> usize {
        self.len()
    }
    fn get(&self, i: usize) -> Option<&dyn Segment> {
        self.as_slice().get(i).map(|s| s as &dyn Segment)
    }
    fn get_mut(&mut self, i: usize) -> Option<&mut dyn Segment> {
        self.as_mut_slice()
            .get_mut(i)
            .map(|s| s as &mut dyn Segment)
    }
    fn add(&mut self) -> Option<&mut dyn Segment> {
        self.push(T::default());
        self.last_mut().map(|s| s as &mut dyn Segment)
    }
}

/// The occurrences of a group at one item of its parent.
pub trait GroupSlot {
    fn count(&self) -> usize;
    fn get(&self, i: usize) -> Option<&dyn Group>;
    fn get_mut(&mut self, i: usize) -> Option<&mut dyn Group>;
    fn add(&mut self) -> Option<&mut dyn Group>;
}

impl<T: GroupType> GroupSlot for T {
    fn count(&self) -> usize {
        usize::from(group_occurs(self))
    }
    fn get(&self, i: usize) -> Option<&dyn Group> {
        (i == 0 && group_occurs(self)).then_some(self as &dyn Group)
    }
    fn get_mut(&mut self, i: usize) -> Option<&mut dyn Group> {
        (i == 0 && group_occurs(self)).then_some(self as &mut dyn Group)
    }
    fn add(&mut self) -> Option<&mut dyn Group> {
        if group_occurs(self) {
            return None;
        }
        self.tail_mut().present = true;
        Some(self)
    }
}

impl<T: GroupType> GroupSlot for Option<T> {
    fn count(&self) -> usize {
        usize::from(self.is_some())
    }
    fn get(&self, i: usize) -> Option<&dyn Group> {
        self.as_ref().filter(|_| i == 0).map(|g| g as &dyn Group)
    }
    fn get_mut(&mut self, i: usize) -> Option<&mut dyn Group> {
        self.as_mut()
            .filter(|_| i == 0)
            .map(|g| g as &mut dyn Group)
    }
    fn add(&mut self) -> Option<&mut dyn Group> {
        if self.is_some() {
            return None;
        }
        let g = self.insert(T::default());
        g.tail_mut().present = true;
        Some(g)
    }
}

impl<T: GroupType> GroupSlot for Vec<T> {
    fn count(&self) -> usize {
        self.len()
    }
    fn get(&self, i: usize) -> Option<&dyn Group> {
        self.as_slice().get(i).map(|g| g as &dyn Group)
    }
    fn get_mut(&mut self, i: usize) -> Option<&mut dyn Group> {
        self.as_mut_slice().get_mut(i).map(|g| g as &mut dyn Group)
    }
    fn add(&mut self) -> Option<&mut dyn Group> {
        let mut g = T::default();
        g.tail_mut().present = true;
        self.push(g);
        self.last_mut().map(|g| g as &mut dyn Group)
    }
}

/// One item of a group, as generic code sees it.
#[derive(Clone, Copy)]
pub enum ItemRef<'a> {
    Segment(&'a dyn SegmentSlot),
    Group(&'a dyn GroupSlot),
}

impl ItemRef<'_> {
    /// How many occurrences the item holds.
    pub fn count(&self) -> usize {
        match self {
            ItemRef::Segment(s) => s.count(),
            ItemRef::Group(g) => g.count(),
        }
    }
}

pub enum ItemMut<'a> {
    Segment(&'a mut dyn SegmentSlot),
    Group(&'a mut dyn GroupSlot),
}

/// A group or a message structure. Implemented by `#[derive(Group)]`.
pub trait Group {
    fn desc(&self) -> &'static GroupDesc;
    /// The item at 0-based index `i` of the group's body.
    fn item(&self, i: usize) -> Option<ItemRef<'_>>;
    fn item_mut(&mut self, i: usize) -> Option<ItemMut<'_>>;
    fn tail(&self) -> &GroupTail;
    fn tail_mut(&mut self) -> &mut GroupTail;
}

/// A group type with its definition as a constant.
pub trait GroupType: Group + Default {
    const DESC: &'static GroupDesc;
}

/// A message structure (ORU_R01): a group with the structure's id.
pub trait StructureType: GroupType {
    const STRUCTURE: &'static StructureDesc;
}

/// What [`walk`] meets, in message order.
#[derive(Clone, Copy)]
pub enum Visit<'a> {
    /// A segment held in a slot of the grammar.
    Segment(&'a dyn Segment),
    /// An occurrence of a nested group begins; its content follows, then [`Visit::Leave`].
    Enter(&'a dyn Group),
    Leave(&'a dyn Group),
    /// A segment kept outside the grammar, as sent, in the group holding it.
    Unexpected(&'a str, &'a dyn Group),
}

/// Where something sits under a group: one step per level, from the group walked down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    /// Occurrence `occurrence` (from 0) of the group's item `item` (from 0).
    Item { item: usize, occurrence: usize },
    /// Entry `index` of the group's [`GroupTail::unexpected`].
    Unexpected(usize),
}

/// Visits the content of `g` in the order it is written: each item's occurrences, nested
/// groups depth first, unexpected segments where they arrived. Encoding, the tree view and
/// validation all follow this one order.
pub fn walk<'a>(g: &'a dyn Group, f: &mut dyn FnMut(Visit<'a>)) {
    walk_at(g, &mut |v, _| f(v));
}

/// [`walk`], with where each visit is: the steps from `g` down to the segment, the group
/// entered or left, or the unexpected segment. Path access resolves and edits by these steps.
pub fn walk_at<'a>(g: &'a dyn Group, f: &mut dyn FnMut(Visit<'a>, &[Step])) {
    walk_from(g, &mut Vec::new(), f);
}

fn walk_from<'a>(g: &'a dyn Group, at: &mut Vec<Step>, f: &mut dyn FnMut(Visit<'a>, &[Step])) {
    let unexpected = &g.tail().unexpected;
    let emit = |f: &mut dyn FnMut(Visit<'a>, &[Step]),
                at: &mut Vec<Step>,
                keep: &dyn Fn(&Unexpected) -> bool| {
        for (index, u) in unexpected.iter().enumerate().filter(|(_, u)| keep(u)) {
            at.push(Step::Unexpected(index));
            f(Visit::Unexpected(&u.segment, g), at);
            at.pop();
        }
    };
    emit(f, at, &|u| u.after_item == 0);
    let mut i = 0;
    while let Some(item) = g.item(i) {
        let n = i as u32 + 1;
        let count = item.count();
        for k in 0..count {
            at.push(Step::Item {
                item: i,
                occurrence: k,
            });
            match item {
                ItemRef::Segment(slot) => {
                    if let Some(s) = slot.get(k) {
                        f(Visit::Segment(s), at);
                    }
                }
                ItemRef::Group(slot) => {
                    if let Some(child) = slot.get(k) {
                        f(Visit::Enter(child), at);
                        walk_from(child, at, f);
                        f(Visit::Leave(child), at);
                    }
                }
            }
            at.pop();
            let after = k as u32 + 1;
            emit(f, at, &|u| {
                u.after_item == n && u.after_occurrences == after
            });
        }
        // Occurrences removed since parsing: what followed them still follows the item.
        emit(f, at, &|u| {
            u.after_item == n && (u.after_occurrences == 0 || u.after_occurrences > count as u32)
        });
        i += 1;
    }
    // Items beyond the grammar (a hand-built tail): kept at the end rather than lost.
    let items = i as u32;
    emit(f, at, &|u| u.after_item > items);
}

/// Appends the segments of `g` in order, each followed by `\r`, unexpected segments where they
/// arrived.
pub fn encode_group(g: &dyn Group, out: &mut String, d: &Delimiters) {
    walk(g, &mut |v| match v {
        Visit::Segment(s) => {
            encode_segment(s, out, d);
            out.push('\r');
        }
        Visit::Unexpected(raw, _) => {
            out.push_str(raw);
            out.push('\r');
        }
        Visit::Enter(_) | Visit::Leave(_) => {}
    });
}

/// The structure a message is read into when no version compiled in defines its type
/// (site-specific `ZDT^A01`, an empty MSH-9): every segment kept as sent, in order, so the
/// message can still be acknowledged, inspected and written back.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct GenericMessage {
    pub segments: Vec<crate::element::AnySegment>,
    pub tail: GroupTail,
}

const GENERIC_ITEMS: &[ItemDesc] = &[ItemDesc::Segment {
    id: crate::element::ANY_SEGMENT_ID,
    card: crate::descriptor::Card { min: 0, max: None },
}];

impl Group for GenericMessage {
    fn desc(&self) -> &'static GroupDesc {
        <Self as GroupType>::DESC
    }
    fn item(&self, i: usize) -> Option<ItemRef<'_>> {
        (i == 0).then_some(ItemRef::Segment(&self.segments))
    }
    fn item_mut(&mut self, i: usize) -> Option<ItemMut<'_>> {
        (i == 0).then_some(ItemMut::Segment(&mut self.segments))
    }
    fn tail(&self) -> &GroupTail {
        &self.tail
    }
    fn tail_mut(&mut self) -> &mut GroupTail {
        &mut self.tail
    }
}

impl GroupType for GenericMessage {
    const DESC: &'static GroupDesc = &GroupDesc {
        name: "GENERIC",
        choice: false,
        items: GENERIC_ITEMS,
    };
}

impl StructureType for GenericMessage {
    const STRUCTURE: &'static StructureDesc = &StructureDesc {
        id: "GENERIC",
        name: "Message of a type no compiled version defines",
        items: GENERIC_ITEMS,
        body: <GenericMessage as GroupType>::DESC,
    };
}
