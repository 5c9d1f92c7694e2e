//! Groups and message structures: the traits `#[derive(Group)]` implements, and the slots
//! through which generic code (the grammar matcher, the encoder) reaches a group's items
//! whether a struct holds them as `T`, `Option<T>` or `Vec<T>`.

use crate::delimiters::Delimiters;
use crate::descriptor::{GroupDesc, StructureDesc};
use crate::element::{Segment, SegmentType, encode_segment};

/// What a group keeps besides its items: whether it occurred, and segments that arrived where
/// its grammar does not expect them, kept in place so that nothing is dropped and they encode
/// where they were.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct GroupTail {
    pub present: bool,
    /// (number of the item they follow, counting from 1; 0 = before the first item, raw
    /// segment without terminator).
    pub unexpected: Vec<(u32, Box<str>)>,
}

/// The occurrences of a segment at one item of a group.
pub trait SegmentSlot {
    fn count(&self) -> usize;
    fn get(&self, i: usize) -> Option<&dyn Segment>;
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
        let n = match item {
            ItemRef::Segment(s) => s.count(),
            ItemRef::Group(g) => g.count(),
        };
        if n > 0 {
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
    fn add(&mut self) -> Option<&mut dyn Segment> {
        self.push(T::default());
        self.last_mut().map(|s| s as &mut dyn Segment)
    }
}

/// The occurrences of a group at one item of its parent.
pub trait GroupSlot {
    fn count(&self) -> usize;
    fn get(&self, i: usize) -> Option<&dyn Group>;
    fn add(&mut self) -> Option<&mut dyn Group>;
}

impl<T: GroupType> GroupSlot for T {
    fn count(&self) -> usize {
        usize::from(group_occurs(self))
    }
    fn get(&self, i: usize) -> Option<&dyn Group> {
        (i == 0 && group_occurs(self)).then_some(self as &dyn Group)
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
    fn add(&mut self) -> Option<&mut dyn Group> {
        let mut g = T::default();
        g.tail_mut().present = true;
        self.push(g);
        self.last_mut().map(|g| g as &mut dyn Group)
    }
}

/// One item of a group, as generic code sees it.
pub enum ItemRef<'a> {
    Segment(&'a dyn SegmentSlot),
    Group(&'a dyn GroupSlot),
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

/// Appends the segments of `g` in order, each followed by `\r`, unexpected segments where they
/// arrived.
pub fn encode_group(g: &dyn Group, out: &mut String, d: &Delimiters) {
    let unexpected_after = |n: u32, out: &mut String| {
        for (_, raw) in g.tail().unexpected.iter().filter(|(at, _)| *at == n) {
            out.push_str(raw);
            out.push('\r');
        }
    };
    unexpected_after(0, out);
    let mut i = 0;
    while let Some(item) = g.item(i) {
        match item {
            ItemRef::Segment(slot) => {
                for k in 0..slot.count() {
                    if let Some(s) = slot.get(k) {
                        encode_segment(s, out, d);
                        out.push('\r');
                    }
                }
            }
            ItemRef::Group(slot) => {
                for k in 0..slot.count() {
                    if let Some(child) = slot.get(k) {
                        encode_group(child, out, d);
                    }
                }
            }
        }
        i += 1;
        unexpected_after(i as u32, out);
    }
}
