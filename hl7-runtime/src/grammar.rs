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
//!
//! The matcher itself is [`crate::tree`]'s; this module holds the rules' shared pieces.

use crate::descriptor::{Card, GroupDesc, ItemDesc, SegmentDesc};

/// The id under which a structure position accepts any segment.
pub const ANY_SEGMENT_ID: &str = "*";

/// The descriptor of a position that accepts any segment (the standard's "any HL7 segment",
/// a site's Zxx): no fields of its own, the segment is read as sent.
pub static ANY_SEGMENT: SegmentDesc = SegmentDesc {
    id: ANY_SEGMENT_ID,
    name: "Any segment",
    fields: &[],
};

/// The body of the generic structure: any segment, any number of times. A message whose type
/// no compiled version defines is read with it, every segment kept in order.
pub static GENERIC_BODY: GroupDesc = GroupDesc {
    name: "GENERIC",
    choice: false,
    items: &[ItemDesc::Segment {
        id: ANY_SEGMENT_ID,
        card: Card { min: 0, max: None },
    }],
};

/// The generic structure (see [`GENERIC_BODY`]).
pub static GENERIC: crate::descriptor::StructureDesc = crate::descriptor::StructureDesc {
    id: "GENERIC",
    name: "Message of a type no compiled version defines",
    items: GENERIC_BODY.items,
    body: &GENERIC_BODY,
};

/// The segment id at the start of a raw segment line (its leading letters and digits), without
/// knowing the message's delimiters.
pub fn segment_id(raw: &str) -> &str {
    raw.split(|c: char| !c.is_ascii_alphanumeric())
        .next()
        .unwrap_or("")
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
