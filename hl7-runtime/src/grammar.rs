//! Assigning a message's segments to the nested groups of its structure.
//!
//! Among the placements the structure allows, the matcher takes the one with the fewest
//! grammar findings; conformant messages (no finding) are placed by the greedy rules below.
//!
//! # Placements
//!
//! A placement puts each segment, in arrival order, at an item of the structure, moving only
//! forwards:
//!
//! 1. **Forwards from the cursor.** The cursor is the item of the innermost open group that
//!    received the last segment, with the items of the groups around it. A segment goes at the
//!    cursor's item (another repetition, if the cardinality allows one) or at an item after
//!    it, in the innermost group or, closing groups, in an enclosing one, up to the structure
//!    itself. Items passed over may be required: each is a missing item.
//! 2. **Opening a group.** A segment at a group item opens a new occurrence of the group and
//!    goes at one of its items (looking into nested groups the same way). The items of the new
//!    occurrence before it may be required: each is a missing item. The greedy rules open a
//!    group only when the segment is one of its leading items up to and including its first
//!    required one (any item of a choice group), so that nothing is missing.
//! 3. **Any segment.** A position whose id is `*` takes a segment of any id, but a segment
//!    taken only so does not open a group without its required leading items (a Z-segment is
//!    kept as unexpected rather than open an order without its ORC).
//! 4. **Choice groups** hold one of their items per occurrence: once one is chosen, only its
//!    repetitions follow in that occurrence. Nothing is missing from a choice group.
//! 5. **Unexpected segments** (Z-segments, segments out of order, segments the structure does
//!    not define) are kept in the innermost open group, after the item and repetition they
//!    followed, and are written back there. The cursor does not move.
//!
//! # Cost
//!
//! A placement's findings are those validation reports (code 100), counted in this order:
//! unexpected segments first, then missing items (a required segment or group with no
//! occurrence, or fewer than its minimum, in a group occurrence that is not a choice). A
//! required segment kept as unexpected in the occurrence it is missing from is reported once,
//! as unexpected: a segment present in the message is never reported as missing from the
//! group it was placed in. [`Violations`] orders two placements by these counts.
//!
//! # Choosing
//!
//! The greedy rules place each segment at the first place rule 1 reaches: at the innermost
//! group first, the cursor's item then those after it; by id before any position that takes
//! every segment (`*`); opening groups only as rule 2 says; and as unexpected when nothing
//! takes it. Their placement is kept when it has no finding, or when it is among the
//! cheapest, so conformant messages place exactly as these rules place them. Otherwise a
//! search over (segment, structure position) finds the cheapest placement: a state is the
//! path of open group occurrences with, at each, the cursor's item and its occurrences so far
//! (counted up to where more change nothing), and each segment moves every state to each
//! place it can go, or keeps it as unexpected. Two placements reaching the same state keep
//! the cheaper; at equal cost the one found first, in the greedy rules' order of search.
//!
//! For example, in v2.8's RDS^O13 a sender leaves out the NTE that ORDER_DETAIL_SUPPLEMENT
//! requires and sends `ORC RXO RXR RXC RXE TQ1 RXR RXC RXD RXR`. The greedy rules cannot
//! open ORDER_DETAIL_SUPPLEMENT with an RXR, so they skip ENCODING and the required RXD to put
//! that RXR at ORDER's own RXR, the RXC at ORDER's RXC; nothing after fits any more, and the
//! RXE, TQ1, RXR, RXC, RXD and RXR that follow are all unexpected (six findings, and a flat
//! tree). The search opens ORDER_DETAIL_SUPPLEMENT with the RXR (its NTE missing: one
//! finding), the RXC opens its COMPONENT, and the rest of the order falls into ENCODING and
//! the order's own RXD and RXR: one finding, the true one.
//!
//! # Bounds
//!
//! The search runs only when the greedy placement has findings another placement could avoid
//! (an item is missing, or a segment some item takes is unexpected), and looks only for
//! placements with fewer findings than it: findings only add up along a placement, so a
//! state as costly as the greedy placement is dropped at once (a message whose only fault is
//! a missing segment costs a few steps). For a given structure the states are finitely many,
//! and at most [`MAX_STATES`] are kept (the cheapest); each segment moves each state to at
//! most as many places as the structure has items, so the search is linear in the number of
//! segments. It counts a required segment kept as unexpected in the occurrence it is missing
//! from as missing too, so what it finds is at most as costly as it says.
//!
//! The tree is built by [`crate::tree`]; this module holds the rules' shared pieces and the
//! search.

use std::collections::HashMap;

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

/// Whether some item of `group`, or of a group nested in it, takes segment `id` (by its id or
/// as any segment).
pub fn takes(group: &GroupDesc, id: &str) -> bool {
    group.items.iter().any(|item| match item {
        ItemDesc::Segment { id: item_id, .. } => *item_id == id || *item_id == ANY_SEGMENT_ID,
        ItemDesc::Group { group, .. } => takes(group, id),
    })
}

/// Whether segment `id` can begin an occurrence of `group` by the greedy rules (rule 2: one
/// of its leading items up to and including its first required one).
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

/// The cardinality of a structure item.
pub(crate) fn item_card(item: &ItemDesc) -> Card {
    match item {
        ItemDesc::Segment { card, .. } | ItemDesc::Group { card, .. } => *card,
    }
}

/// The grammar findings of a placement, in the order they weigh: unexpected segments first,
/// then required items missing (see the module docs). Comparing two counts compares them in
/// that order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Violations {
    /// Segments kept outside the grammar, and occurrences beyond an item's maximum.
    pub unexpected: u32,
    /// Required segments and groups missing from a group occurrence.
    pub missing: u32,
}

impl Violations {
    /// No finding at all: the placement is conformant.
    pub fn is_none(self) -> bool {
        self == Violations::default()
    }
}

/// The most states the search keeps between two segments (see the module docs, "Bounds").
/// A structure's positions are far fewer than this; should a hostile structure make more,
/// the cheapest are kept, and the placement found is still a valid one.
pub const MAX_STATES: usize = 128;

/// Where the search puts one segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Placed {
    /// Kept where it arrived, outside the grammar.
    Unexpected,
    /// At an item reached by closing the open groups deeper than `depth` (0: the structure)
    /// and following `items` from there: an item of the group open at `depth`, then, while
    /// that item is a group, an item of the new occurrence, down to a segment item.
    At { depth: usize, items: Vec<u16> },
}

/// One open group occurrence of a search state: its cursor item and how many occurrences
/// the cursor item holds (capped where more make no difference; see [`count_cap`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Level {
    item: u16,
    count: u16,
}

/// The cursor of a group occurrence that has received nothing yet.
const NO_ITEM: u16 = u16::MAX;

/// The count beyond which an item's occurrences change nothing: once the minimum is met and
/// no more are allowed (or, unbounded, once there is one), another changes no finding.
fn count_cap(card: Card) -> u16 {
    let cap = card.min.max(card.max.unwrap_or(1)).max(1);
    u16::try_from(cap).unwrap_or(u16::MAX - 1)
}

/// The missing items found when the occurrence at `level` of `desc` is left: the cursor item
/// if it holds fewer than its minimum, and the required items after it.
fn leaving_cost(desc: &GroupDesc, level: Level) -> u32 {
    if desc.choice {
        return 0;
    }
    let (from, short) = match level.item {
        NO_ITEM => (0, 0),
        j => {
            let card = desc.items.get(j as usize).map(item_card);
            let short = card.is_some_and(|c| u32::from(level.count) < c.min);
            (j as usize + 1, u32::from(short))
        }
    };
    short
        + desc
            .items
            .iter()
            .skip(from)
            .filter(|i| item_card(i).min > 0)
            .count() as u32
}

/// Calls `found` with each way segment `id` can go into a new occurrence of `group`: the
/// items followed down to a segment item (appended to `path`), and the required items skipped
/// on the way (rule 2: a group may open without its required leading items, each a
/// missing item).
fn entries(
    group: &GroupDesc,
    id: &str,
    wildcard: bool,
    path: &mut Vec<u16>,
    cost: u32,
    found: &mut dyn FnMut(&[u16], u32),
) {
    let mut skipped = 0;
    for (k, item) in group.items.iter().enumerate() {
        path.push(k as u16);
        match item {
            ItemDesc::Segment { id: item_id, .. } => {
                if id_matches(item_id, id, wildcard) {
                    found(path, cost + skipped);
                }
            }
            ItemDesc::Group { group: g, .. } => {
                entries(g, id, wildcard, path, cost + skipped, found);
            }
        }
        path.pop();
        if !group.choice && item_card(item).min > 0 {
            skipped += 1;
        }
    }
}

/// A search state: the open group occurrences, the findings so far, and the last step of the
/// placement that reached it (an index into the search's history).
#[derive(Debug, Clone)]
struct State {
    levels: Vec<Level>,
    cost: Violations,
    node: u32,
}

/// A way to reach a state of the next segment: from the state at `from`, placing the segment
/// by `placed`.
#[derive(Debug)]
struct Candidate {
    levels: Vec<Level>,
    cost: Violations,
    from: u32,
    placed: Placed,
}

/// The placement of segments `ids` into `root` with the fewest findings (module docs), when
/// one has fewer than `bound`: one [`Placed`] per segment, in arrival order.
pub(crate) fn cheapest(
    root: &'static GroupDesc,
    ids: &[&str],
    bound: Violations,
) -> Option<Vec<Placed>> {
    // Each step of each surviving placement: (previous node, how the segment was placed).
    let mut history: Vec<(u32, Placed)> = Vec::new();
    let mut states = vec![State {
        levels: vec![Level {
            item: NO_ITEM,
            count: 0,
        }],
        cost: Violations::default(),
        node: u32::MAX,
    }];
    let mut next: Vec<Candidate> = Vec::new();
    let mut index: HashMap<Vec<Level>, usize> = HashMap::new();
    let mut scratch: Vec<Level> = Vec::new();
    let mut descs: Vec<&'static GroupDesc> = Vec::new();
    let mut path: Vec<u16> = Vec::new();
    for id in ids {
        if states.is_empty() {
            return None;
        }
        next.clear();
        index.clear();
        'states: for state in &states {
            descs.clear();
            descs.push(root);
            for l in &state.levels[..state.levels.len() - 1] {
                let parent = descs[descs.len() - 1];
                match parent.items.get(l.item as usize) {
                    Some(ItemDesc::Group { group, .. }) => descs.push(group),
                    // Only groups hold open levels; a state that says otherwise is dropped.
                    _ => continue 'states,
                }
            }
            let mut offer = |levels: &[Level], cost: Violations, placed: &dyn Fn() -> Placed| {
                // Findings only add up: a placement as costly as the bound stays so.
                if cost >= bound {
                    return;
                }
                match index.get(levels) {
                    Some(&k) => {
                        if cost < next[k].cost {
                            next[k] = Candidate {
                                levels: levels.to_vec(),
                                cost,
                                from: state.node,
                                placed: placed(),
                            };
                        }
                    }
                    None => {
                        index.insert(levels.to_vec(), next.len());
                        next.push(Candidate {
                            levels: levels.to_vec(),
                            cost,
                            from: state.node,
                            placed: placed(),
                        });
                    }
                }
            };
            let depth_of = state.levels.len();
            for wildcard in [false, true] {
                let mut closing = 0;
                for d in (0..depth_of).rev() {
                    if d + 1 < depth_of {
                        closing += leaving_cost(descs[d + 1], state.levels[d + 1]);
                    }
                    let desc = descs[d];
                    let level = state.levels[d];
                    let cursor = (level.item != NO_ITEM).then_some(level.item as usize);
                    let mut skipped = 0;
                    for (j, item) in desc.items.iter().enumerate().skip(cursor.unwrap_or(0)) {
                        let at_cursor = cursor == Some(j);
                        if desc.choice && cursor.is_some() && !at_cursor {
                            break;
                        }
                        let card = item_card(item);
                        let count = if at_cursor { level.count } else { 0 };
                        if has_room(card, count as usize) {
                            let count = (count + 1).min(count_cap(card));
                            scratch.clear();
                            scratch.extend_from_slice(&state.levels[..d]);
                            scratch.push(Level {
                                item: j as u16,
                                count,
                            });
                            let base = Violations {
                                unexpected: state.cost.unexpected,
                                missing: state.cost.missing + closing + skipped,
                            };
                            match item {
                                ItemDesc::Segment { id: item_id, .. } => {
                                    if id_matches(item_id, id, wildcard) {
                                        offer(&scratch, base, &|| Placed::At {
                                            depth: d,
                                            items: vec![j as u16],
                                        });
                                    }
                                }
                                ItemDesc::Group { group, .. } => {
                                    path.clear();
                                    let head = scratch.len();
                                    entries(group, id, wildcard, &mut path, 0, &mut |p, c| {
                                        // A segment no item names does not open a group
                                        // short of its leading items (rule 3).
                                        if wildcard && c > 0 {
                                            return;
                                        }
                                        scratch.truncate(head);
                                        scratch
                                            .extend(p.iter().map(|&k| Level { item: k, count: 1 }));
                                        let cost = Violations {
                                            unexpected: base.unexpected,
                                            missing: base.missing + c,
                                        };
                                        offer(&scratch, cost, &|| Placed::At {
                                            depth: d,
                                            items: std::iter::once(j as u16)
                                                .chain(p.iter().copied())
                                                .collect(),
                                        });
                                    });
                                }
                            }
                        }
                        if !desc.choice {
                            let short = if at_cursor {
                                u32::from(level.count) < card.min
                            } else {
                                card.min > 0
                            };
                            skipped += u32::from(short);
                        }
                    }
                }
            }
            let kept = Violations {
                unexpected: state.cost.unexpected + 1,
                missing: state.cost.missing,
            };
            offer(&state.levels, kept, &|| Placed::Unexpected);
        }
        if next.len() > MAX_STATES {
            // Stable: among equal costs the earlier found stays.
            next.sort_by_key(|c| c.cost);
            next.truncate(MAX_STATES);
        }
        states.clear();
        for c in next.drain(..) {
            history.push((c.from, c.placed));
            states.push(State {
                levels: c.levels,
                cost: c.cost,
                node: (history.len() - 1) as u32,
            });
        }
    }
    // Leaving every open group counts what it still misses.
    let best = states
        .iter()
        .map(|s| {
            let mut desc = root;
            let mut missing = s.cost.missing;
            for (k, l) in s.levels.iter().enumerate() {
                missing += leaving_cost(desc, *l);
                if k + 1 < s.levels.len()
                    && let Some(ItemDesc::Group { group, .. }) = desc.items.get(l.item as usize)
                {
                    desc = group;
                }
            }
            (
                Violations {
                    unexpected: s.cost.unexpected,
                    missing,
                },
                s.node,
            )
        })
        .enumerate()
        .filter(|(_, (cost, _))| *cost < bound)
        .min_by_key(|(i, (cost, _))| (*cost, *i))
        .map(|(_, (_, node))| node)?;
    let mut placed = Vec::with_capacity(ids.len());
    let mut node = best;
    while let Some((from, p)) = history.get(node as usize) {
        placed.push(p.clone());
        node = *from;
    }
    placed.reverse();
    Some(placed)
}
