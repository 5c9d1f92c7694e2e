//! Assigning a message's segments to the nested groups of its structure.
//!
//! The rules, applied to each segment in arrival order (they are deterministic, never move
//! backwards, and never drop a segment):
//!
//! 1. **Innermost first.** The matcher keeps a cursor: the item of the innermost open group
//!    that received the last segment, and the items of the groups around it. A segment is
//!    looked for at the cursor's item (another repetition, if the cardinality allows one) and
//!    then at the items after it, in the innermost group first, then in each enclosing group
//!    outwards, up to the structure itself.
//! 2. **Skipping is allowed.** Items passed over may be required; a missing required segment
//!    is a validation finding, not a reason to misplace what follows.
//! 3. **Opening a group.** A segment opens a new occurrence of a group item when it can begin
//!    that group: it is one of the group's leading items up to and including its first
//!    required item (looking into nested groups the same way; any item of a choice group).
//!    So an OBX that arrives before any OBR does not open an ORDER_OBSERVATION.
//! 4. **Exact before wildcard.** A segment is first matched by id everywhere rule 1 allows;
//!    only when that fails may a position that accepts any segment (`*`) take it.
//! 5. **Choice groups** hold one of their items per occurrence: once one is chosen, only its
//!    repetitions follow in that occurrence.
//! 6. **Unexpected segments** (Z-segments, segments out of order, segments the structure does
//!    not define) are kept in the innermost open group, after the item and repetition they
//!    followed, and are written back there.

use crate::delimiters::Delimiters;
use crate::descriptor::{Card, GroupDesc, ItemDesc};
use crate::element::{ANY_SEGMENT_ID, decode_segment};
use crate::group::{Group, ItemMut, ItemRef, Unexpected, Visit};

/// Where the matcher put each segment, for reports and tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Assignment {
    /// One entry per segment, in arrival order.
    pub placements: Vec<Placement>,
}

impl Assignment {
    /// Segments kept outside the grammar, with their 1-based position in the message.
    pub fn unexpected(&self) -> impl Iterator<Item = (usize, &Placement)> {
        self.placements
            .iter()
            .enumerate()
            .filter(|(_, p)| p.unexpected)
            .map(|(i, p)| (i + 1, p))
    }
}

/// Where one segment went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    /// The segment id as sent.
    pub id: String,
    /// Group names from the structure down to the group that holds it (`["PATIENT_RESULT",
    /// "ORDER_OBSERVATION"]`); empty for the structure's own items.
    pub groups: Vec<&'static str>,
    /// Whether it was kept as an unexpected segment of the innermost open group.
    pub unexpected: bool,
}

/// One open group on the cursor's path.
#[derive(Debug, Clone, Copy)]
struct Level {
    desc: &'static GroupDesc,
    /// The item of this group that received the last segment.
    item: Option<usize>,
    /// Which occurrence of the parent's item this group is.
    occurrence: usize,
}

/// Whether an item of segment id `item_id` takes segment `id` (`wildcard`: only the `*` item
/// does, the pass for segments no item names).
pub(crate) fn id_matches(item_id: &str, id: &str, wildcard: bool) -> bool {
    if wildcard {
        item_id == ANY_SEGMENT_ID
    } else {
        item_id == id
    }
}

/// Whether an item of cardinality `card` holding `count` occurrences takes one more.
pub(crate) fn has_room(card: Card, count: usize) -> bool {
    card.max.is_none_or(|m| count < m as usize)
}

/// Whether segment `id` can begin an occurrence of `group` (rule 3).
pub fn can_begin(group: &GroupDesc, id: &str, wildcard: bool) -> bool {
    for item in group.items {
        let (found, required) = match item {
            ItemDesc::Segment { id: item_id, card } => {
                (id_matches(item_id, id, wildcard), card.min > 0)
            }
            ItemDesc::Group { group: g, card } => (can_begin(g, id, wildcard), card.min > 0),
        };
        if found {
            return true;
        }
        if required && !group.choice {
            return false;
        }
    }
    false
}

/// The group at the end of `path` below `root`.
fn group_at<'g>(root: &'g mut dyn Group, path: &[Level]) -> Option<&'g mut dyn Group> {
    let mut g = root;
    for pair in path.windows(2) {
        let item = pair[0].item?;
        g = match g.item_mut(item)? {
            ItemMut::Group(slot) => slot.get_mut(pair[1].occurrence)?,
            ItemMut::Segment(_) => return None,
        };
    }
    Some(g)
}

fn item_count(g: &dyn Group, item: usize) -> usize {
    match g.item(item) {
        Some(ItemRef::Segment(s)) => s.count(),
        Some(ItemRef::Group(s)) => s.count(),
        None => 0,
    }
}

/// The first item of level `depth` where `id` fits, searching from the cursor (rule 1).
fn find_in_level(
    root: &mut dyn Group,
    path: &[Level],
    depth: usize,
    id: &str,
    wildcard: bool,
) -> Option<usize> {
    let level = path[depth];
    let g = group_at(root, &path[..=depth])?;
    let start = level.item.unwrap_or(0);
    for (j, item) in level.desc.items.iter().enumerate().skip(start) {
        let at_cursor = level.item == Some(j);
        if level.desc.choice && level.item.is_some() && !at_cursor {
            break;
        }
        let (fits, card) = match item {
            ItemDesc::Segment { id: item_id, card } => (id_matches(item_id, id, wildcard), *card),
            ItemDesc::Group { group, card } => (can_begin(group, id, wildcard), *card),
        };
        if fits && has_room(card, item_count(g, j)) {
            return Some(j);
        }
    }
    None
}

/// Puts `line` at item `j` of the group at the end of `path`, opening groups as needed, and
/// moves the cursor there.
fn place(
    root: &mut dyn Group,
    path: &mut Vec<Level>,
    mut j: usize,
    id: &str,
    wildcard: bool,
    line: &str,
    d: &Delimiters,
) -> bool {
    loop {
        let depth = path.len() - 1;
        path[depth].item = Some(j);
        let desc = path[depth].desc;
        let Some(g) = group_at(root, path) else {
            return false;
        };
        match (desc.items.get(j), g.item_mut(j)) {
            (Some(ItemDesc::Segment { .. }), Some(ItemMut::Segment(slot))) => {
                return match slot.add() {
                    // The id was matched already, so decoding cannot fail on it.
                    Some(seg) => decode_segment(seg, line, d).is_ok(),
                    None => false,
                };
            }
            (Some(ItemDesc::Group { group, .. }), Some(ItemMut::Group(slot))) => {
                if slot.add().is_none() {
                    return false;
                }
                let occurrence = slot.count() - 1;
                path.push(Level {
                    desc: group,
                    item: None,
                    occurrence,
                });
                let Some(next) = find_in_level(root, path, path.len() - 1, id, wildcard) else {
                    return false;
                };
                j = next;
            }
            _ => return false,
        }
    }
}

/// Keeps `line` as an unexpected segment of the innermost open group (rule 6).
fn keep_unexpected(root: &mut dyn Group, path: &[Level], line: &str) {
    let level = path[path.len() - 1];
    let g = if group_at(root, path).is_some() {
        group_at(root, path).expect("checked just above")
    } else {
        root
    };
    let (after_item, after_occurrences) = match level.item {
        Some(j) => (j as u32 + 1, item_count(g, j) as u32),
        None => (0, 0),
    };
    g.tail_mut().unexpected.push(Unexpected {
        after_item,
        after_occurrences,
        segment: line.into(),
    });
}

/// Assigns `segments` (lines without terminators, in arrival order) to the items of `root`,
/// a message structure, by the rules of this module. Every segment ends up in the structure,
/// in a slot of its grammar or kept as unexpected.
pub fn assign<'s>(
    root: &mut dyn Group,
    segments: impl IntoIterator<Item = &'s str>,
    d: &Delimiters,
) -> Assignment {
    let mut path = vec![Level {
        desc: root.desc(),
        item: None,
        occurrence: 0,
    }];
    root.tail_mut().present = true;
    let mut out = Assignment::default();
    for line in segments {
        let id = line.split(d.field).next().unwrap_or("");
        let mut placed = false;
        'search: for wildcard in [false, true] {
            for depth in (0..path.len()).rev() {
                if let Some(j) = find_in_level(root, &path, depth, id, wildcard) {
                    path.truncate(depth + 1);
                    placed = place(root, &mut path, j, id, wildcard, line, d);
                    break 'search;
                }
            }
        }
        if !placed {
            keep_unexpected(root, &path, line);
        }
        out.placements.push(Placement {
            id: id.to_owned(),
            groups: path[1..].iter().map(|l| l.desc.name).collect(),
            unexpected: !placed,
        });
    }
    out
}

/// The structure and group tree of `g`, one node per line, two spaces of indent per level:
/// the structure's id, then its segments and groups (group names without the structure
/// prefix), unexpected segments where they were kept.
pub fn tree(g: &dyn Group) -> Vec<String> {
    let id_of = |s: &str| crate::element::segment_id(s).to_owned();
    let mut out = vec![g.desc().name.to_owned()];
    let mut depth = 1;
    crate::group::walk(g, &mut |v| {
        let pad = "  ".repeat(depth);
        match v {
            Visit::Segment(s) => {
                let id = match s.desc().id {
                    ANY_SEGMENT_ID => s.tail().extra().first().map_or(String::new(), |r| id_of(r)),
                    id => id.to_owned(),
                };
                out.push(format!("{pad}{id}"));
            }
            Visit::Unexpected(raw, _) => out.push(format!("{pad}{}", id_of(raw))),
            Visit::Enter(child) => {
                out.push(format!("{pad}{}", child.desc().name));
                depth += 1;
            }
            Visit::Leave(_) => depth -= 1,
        }
    });
    out
}
