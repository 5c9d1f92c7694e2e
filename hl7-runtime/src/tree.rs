//! A message as it is held once read: its segments' text in one buffer, and its group tree as
//! one flat list of small entries. Nothing is decoded when the message is read: fields,
//! repetitions and components are found in the segment text when they are asked for, so a
//! message costs about what was sent, whatever its structure could hold.
//!
//! The tree is a pre-order list: a group occurrence is an entry that records where its
//! descendants end, so a group's children are found by walking forward and jumping over
//! nested groups. Each entry is 8 bytes; a segment adds its 4-byte start offset in the text.
//!
//! The grammar's rules are those of [`crate::grammar`]; [`assign`] applies them to segment
//! ids alone.
//!
//! # Editing
//!
//! A [`Lean`] message is edited in place by a few operations that keep both parts consistent:
//! [`Lean::replace_segment`] gives a segment new text, [`Lean::insert_segment`] and
//! [`Lean::insert_group`] add a segment or an empty group occurrence at a position among a
//! group occurrence's children. Text is only ever appended: a replaced segment's new text goes
//! at the end of the buffer and its span moves there, so no other segment's span changes and a
//! segment's text is never rewritten where it lies. The old text stays behind as dead bytes
//! ([`Lean::dead_bytes`]) until [`Lean::compact`] drops it; replacing compacts on its own once
//! the dead bytes outweigh the live ones, so a message edited many times stays within twice
//! its size. Path writes ([`crate::path::TerserPath::set`]) are made of these operations.

use crate::descriptor::{GroupDesc, ItemDesc, VersionDesc};
use crate::grammar::{Placed, Violations, can_begin, has_room, id_matches};

/// What an entry of a [`Tree`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// A segment placed at an item of its group; the value is the segment's index.
    Segment,
    /// An occurrence of a nested group; the value is the index just past its last descendant.
    Group,
    /// A segment the grammar had no place for, kept where it arrived; the value is the
    /// segment's index.
    Unexpected,
}

/// One entry of a [`Tree`]: 8 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub kind: EntryKind,
    /// The 0-based item of the enclosing group this entry occupies. For an unexpected
    /// segment: 0 when it is kept where it arrived, [`Entry::AT_END`] when a write added it
    /// after all of its group's items.
    pub item: u16,
    /// The segment index, or for a group the index past its subtree.
    pub value: u32,
}

impl Entry {
    /// The item of an unexpected segment added after all of its group's items: occurrences
    /// of those items added later go before it, as they go after segments kept where they
    /// arrived (they follow the item they arrived after).
    pub const AT_END: u16 = u16::MAX;
}

/// The group tree of a message: its structure's items and nested group occurrences, in
/// message order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tree {
    pub entries: Vec<Entry>,
}

impl Tree {
    /// The children of the group occurrence whose entries are `range` (the whole tree for the
    /// structure itself), in message order: `(entry index, entry)`.
    pub fn children(&self, range: std::ops::Range<usize>) -> Children<'_> {
        Children {
            entries: &self.entries,
            at: range.start,
            end: range.end,
        }
    }
}

/// The children of one group occurrence; see [`Tree::children`].
pub struct Children<'t> {
    entries: &'t [Entry],
    at: usize,
    end: usize,
}

impl Iterator for Children<'_> {
    type Item = (usize, Entry);

    fn next(&mut self) -> Option<(usize, Entry)> {
        if self.at >= self.end {
            return None;
        }
        let i = self.at;
        let e = *self.entries.get(i)?;
        self.at = match e.kind {
            EntryKind::Group => e.value as usize,
            _ => i + 1,
        };
        Some((i, e))
    }
}

/// One open group on the matcher's path.
#[derive(Debug, Clone, Copy)]
struct Open {
    desc: &'static GroupDesc,
    /// The item that received the last segment.
    item: Option<usize>,
    /// Where this occurrence's entry is (`usize::MAX` for the structure itself).
    entry: usize,
    /// Where this level's item counts start in the shared count stack.
    counts: usize,
}

/// The matcher's state: the open groups and, for each, how many occurrences each of its items
/// holds so far (one shared stack, so opening a group allocates nothing).
struct Matcher {
    path: Vec<Open>,
    counts: Vec<u32>,
    entries: Vec<Entry>,
}

impl Matcher {
    fn new(desc: &'static GroupDesc, segments: usize) -> Matcher {
        Matcher {
            path: vec![Open {
                desc,
                item: None,
                entry: usize::MAX,
                counts: 0,
            }],
            counts: vec![0; desc.items.len()],
            entries: Vec::with_capacity(segments + segments / 2),
        }
    }

    fn count(&self, depth: usize, item: usize) -> u32 {
        self.counts[self.path[depth].counts + item]
    }

    /// The first item of level `depth` where `id` fits, searching from the cursor (rule 1).
    fn find_in_level(&self, depth: usize, id: &str, wildcard: bool) -> Option<usize> {
        let level = self.path[depth];
        let start = level.item.unwrap_or(0);
        for (j, item) in level.desc.items.iter().enumerate().skip(start) {
            let at_cursor = level.item == Some(j);
            if level.desc.choice && level.item.is_some() && !at_cursor {
                break;
            }
            let (fits, card) = match item {
                ItemDesc::Segment { id: item_id, card } => {
                    (id_matches(item_id, id, wildcard), *card)
                }
                ItemDesc::Group { group, card } => (can_begin(group, id, wildcard), *card),
            };
            if fits && has_room(card, self.count(depth, j) as usize) {
                return Some(j);
            }
        }
        None
    }

    /// Closes the groups deeper than `depth`: their entries learn where they end.
    fn close_to(&mut self, depth: usize) {
        while self.path.len() > depth + 1 {
            let open = self.path.pop().expect("deeper than depth");
            self.counts.truncate(open.counts);
            let end = self.entries.len() as u32;
            self.entries[open.entry].value = end;
        }
    }

    /// Puts segment `seg` at item `j` of the innermost open group, opening groups as needed.
    fn place(&mut self, mut j: usize, id: &str, wildcard: bool, seg: u32) -> bool {
        loop {
            let depth = self.path.len() - 1;
            self.path[depth].item = Some(j);
            let base = self.path[depth].counts;
            match self.path[depth].desc.items.get(j) {
                Some(ItemDesc::Segment { .. }) => {
                    self.counts[base + j] += 1;
                    self.entries.push(Entry {
                        kind: EntryKind::Segment,
                        item: j as u16,
                        value: seg,
                    });
                    return true;
                }
                Some(ItemDesc::Group { group, .. }) => {
                    self.counts[base + j] += 1;
                    let entry = self.entries.len();
                    self.entries.push(Entry {
                        kind: EntryKind::Group,
                        item: j as u16,
                        value: 0,
                    });
                    let counts = self.counts.len();
                    self.counts.resize(counts + group.items.len(), 0);
                    self.path.push(Open {
                        desc: group,
                        item: None,
                        entry,
                        counts,
                    });
                    let Some(next) = self.find_in_level(self.path.len() - 1, id, wildcard) else {
                        return false;
                    };
                    j = next;
                }
                None => return false,
            }
        }
    }

    fn push(&mut self, id: &str, seg: u32) -> bool {
        'search: for wildcard in [false, true] {
            for depth in (0..self.path.len()).rev() {
                if let Some(j) = self.find_in_level(depth, id, wildcard) {
                    self.close_to(depth);
                    if self.place(j, id, wildcard, seg) {
                        return true;
                    }
                    // `can_begin` promised a place; should a group open without one, the
                    // segment is still kept, as unexpected, inside it.
                    break 'search;
                }
            }
        }
        self.entries.push(Entry {
            kind: EntryKind::Unexpected,
            item: 0,
            value: seg,
        });
        false
    }

    fn finish(mut self) -> Tree {
        self.close_to(0);
        self.entries.shrink_to_fit();
        Tree {
            entries: self.entries,
        }
    }
}

impl Matcher {
    /// Puts segment `seg` where `placed` says (see [`crate::grammar::Placed`]).
    fn put(&mut self, placed: &Placed, seg: u32) {
        let Placed::At { depth, items } = placed else {
            self.entries.push(Entry {
                kind: EntryKind::Unexpected,
                item: 0,
                value: seg,
            });
            return;
        };
        self.close_to(*depth);
        for &j in items {
            let depth = self.path.len() - 1;
            let j = j as usize;
            self.path[depth].item = Some(j);
            let base = self.path[depth].counts;
            self.counts[base + j] += 1;
            match self.path[depth].desc.items.get(j) {
                Some(ItemDesc::Segment { .. }) => {
                    self.entries.push(Entry {
                        kind: EntryKind::Segment,
                        item: j as u16,
                        value: seg,
                    });
                    return;
                }
                Some(ItemDesc::Group { group, .. }) => {
                    let entry = self.entries.len();
                    self.entries.push(Entry {
                        kind: EntryKind::Group,
                        item: j as u16,
                        value: 0,
                    });
                    let counts = self.counts.len();
                    self.counts.resize(counts + group.items.len(), 0);
                    self.path.push(Open {
                        desc: group,
                        item: None,
                        entry,
                        counts,
                    });
                }
                None => break,
            }
        }
        // Only a placement that ends at a group or past a group's items gets here, which the
        // search does not make; the segment is still kept.
        self.entries.push(Entry {
            kind: EntryKind::Unexpected,
            item: 0,
            value: seg,
        });
    }
}

/// Places segments with ids `ids` (in arrival order; segment `i` is the `i`-th id) into the
/// items of `root`, a message structure's body, where they cause the fewest grammar findings
/// (rules and cost order in [`crate::grammar`]). Every segment ends up in the tree, at an
/// item of the grammar or kept as unexpected where it arrived.
///
/// The greedy placement ([`assign_greedy`]) is tried first and kept when it is conformant, or
/// when the search finds nothing with fewer findings: conformant messages place exactly as
/// the greedy rules place them.
pub fn assign<'s>(
    root: &'static GroupDesc,
    ids: impl ExactSizeIterator<Item = &'s str> + Clone,
) -> Tree {
    let greedy = assign_greedy(root, ids.clone());
    let kept = greedy
        .entries
        .iter()
        .any(|e| e.kind == EntryKind::Unexpected);
    // Without unexpected segments the ids are not looked at.
    let cost = greedy.violations(root, &[]);
    if cost.is_none() {
        return greedy;
    }
    let ids: Vec<&str> = ids.collect();
    let cost = if kept {
        greedy.violations(root, &ids)
    } else {
        cost
    };
    // Segments no item takes are unexpected wherever they go: when they are all the greedy
    // placement has against it, no placement does better.
    if cost.missing == 0
        && greedy
            .entries
            .iter()
            .filter(|e| e.kind == EntryKind::Unexpected)
            .all(|e| !crate::grammar::takes(root, ids[e.value as usize]))
    {
        return greedy;
    }
    let Some(placed) = crate::grammar::cheapest(root, &ids, cost) else {
        return greedy;
    };
    if placed.len() != ids.len() {
        return greedy;
    }
    let mut m = Matcher::new(root, ids.len());
    for (i, p) in placed.iter().enumerate() {
        m.put(p, i as u32);
    }
    let best = m.finish();
    if best.violations(root, &ids) < cost {
        best
    } else {
        greedy
    }
}

/// Places segments with ids `ids` by the greedy rules alone (rules 1 to 6 of
/// [`crate::grammar`], each segment at the first place the cursor reaches): the placement
/// [`assign`] starts from and keeps for conformant messages, and the reference its tests
/// compare with.
pub fn assign_greedy<'s>(
    root: &'static GroupDesc,
    ids: impl ExactSizeIterator<Item = &'s str>,
) -> Tree {
    let mut m = Matcher::new(root, ids.len());
    for (i, id) in ids.enumerate() {
        m.push(id, i as u32);
    }
    m.finish()
}

impl Tree {
    /// The grammar findings of this tree as `root`'s placement of segments with ids `ids`
    /// (segment `i` is the `i`-th id), counted as validation reports them: each unexpected
    /// segment; in each occurrence of a group that is not a choice, each item with fewer
    /// occurrences than its minimum, except a segment kept as unexpected in that same
    /// occurrence (it is reported once, as unexpected), and each item with more than its
    /// maximum.
    pub fn violations(&self, root: &'static GroupDesc, ids: &[&str]) -> Violations {
        let mut v = Violations::default();
        let mut counts = Vec::new();
        self.violations_in(root, 0..self.entries.len(), ids, &mut counts, &mut v);
        v
    }

    fn violations_in(
        &self,
        desc: &'static GroupDesc,
        range: std::ops::Range<usize>,
        ids: &[&str],
        counts: &mut Vec<u32>,
        v: &mut Violations,
    ) {
        let base = counts.len();
        counts.resize(base + desc.items.len(), 0);
        let mut kept = false;
        for (i, e) in self.children(range.clone()) {
            match e.kind {
                EntryKind::Unexpected => {
                    v.unexpected += 1;
                    kept = true;
                    continue;
                }
                EntryKind::Group => {
                    if let Some(ItemDesc::Group { group, .. }) = desc.items.get(e.item as usize) {
                        self.violations_in(group, i + 1..e.value as usize, ids, counts, v);
                    }
                }
                EntryKind::Segment => {}
            }
            if let Some(n) = counts.get_mut(base + e.item as usize) {
                *n += 1;
            }
        }
        if !desc.choice {
            for (k, item) in desc.items.iter().enumerate() {
                let n = counts[base + k];
                let card = crate::grammar::item_card(item);
                if card.max.is_some_and(|m| n > m) {
                    v.unexpected += 1;
                }
                if n < card.min
                    && !(kept
                        && matches!(item, ItemDesc::Segment { id, .. }
                            if self.keeps_unexpected(range.clone(), ids, id)))
                {
                    v.missing += 1;
                }
            }
        }
        counts.truncate(base);
    }

    /// Whether the group occurrence whose entries are `range` keeps a segment `id` as
    /// unexpected among its children.
    fn keeps_unexpected(&self, range: std::ops::Range<usize>, ids: &[&str], id: &str) -> bool {
        self.children(range).any(|(_, e)| {
            e.kind == EntryKind::Unexpected && ids.get(e.value as usize).is_some_and(|s| *s == id)
        })
    }
}

/// Why a [`Lean`] message refused an edit. Nothing was changed when one is returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EditError {
    #[error("the message has no segment {0}")]
    NoSegment(u32),
    #[error("entry {0} is not a group occurrence of the message")]
    NotAGroup(usize),
    #[error("position {at} is not between two children of the group occurrence at {parent:?}")]
    NotAChildPosition { at: usize, parent: Option<usize> },
    #[error("item {item} of group {group} is not a {expected}")]
    WrongItem {
        group: &'static str,
        item: u16,
        expected: &'static str,
    },
    #[error("a message holds at most 4 GiB of text and 2^32 segments")]
    TooLarge,
    #[error("segment text cannot hold a line end (`\\r` or `\\n`): it would end the segment")]
    LineEnd,
}

/// A message held lean: its segments' text in one buffer (each segment followed by `\r`), where
/// each segment starts, its delimiters and its group tree. Reading it decodes nothing.
///
/// Two messages are equal when they have the same delimiters, structure, version and tree,
/// with the same text at each segment: where the text lies in the buffer does not matter.
#[derive(Debug, Clone)]
pub struct Lean {
    text: String,
    /// Where each segment's text starts in `text`; it runs to the next `\r`, which segment
    /// text never holds.
    spans: Vec<u32>,
    delimiters: crate::delimiters::Delimiters,
    root: &'static GroupDesc,
    tree: Tree,
    version: Option<&'static VersionDesc>,
    /// Bytes of `text` no span points at any more (replaced segments and their `\r`).
    dead: usize,
}

impl PartialEq for Lean {
    fn eq(&self, other: &Lean) -> bool {
        let same_version = match (self.version, other.version) {
            (Some(a), Some(b)) => std::ptr::eq(a, b) || a.version == b.version,
            (None, None) => true,
            _ => false,
        };
        same_version
            && self.delimiters == other.delimiters
            && self.root == other.root
            && self.tree.entries.len() == other.tree.entries.len()
            && self
                .tree
                .entries
                .iter()
                .zip(&other.tree.entries)
                .all(|(a, b)| {
                    a.kind == b.kind
                        && a.item == b.item
                        && match a.kind {
                            EntryKind::Group => a.value == b.value,
                            _ => self.segment(a.value) == other.segment(b.value),
                        }
                })
    }
}

impl Eq for Lean {}

impl Lean {
    /// Reads the one message `text` holds into the structure whose body is `root`, within the
    /// limits of `opts`.
    pub fn parse(
        root: &'static GroupDesc,
        text: &str,
        opts: &crate::parsing::ParseOptions,
    ) -> Result<Lean, crate::parsing::ParseError> {
        let m = crate::parsing::tokenize(text, opts)?;
        Ok(Lean::from_lines(
            root,
            &crate::parsing::segment_lines(&m),
            *m.delimiters(),
        ))
    }

    /// A message of segment lines `lines` (without terminators, in arrival order) read with
    /// `delimiters` into the structure whose body is `root`.
    pub fn from_lines(
        root: &'static GroupDesc,
        lines: &[&str],
        delimiters: crate::delimiters::Delimiters,
    ) -> Lean {
        let len = lines.iter().map(|l| l.len() + 1).sum();
        let mut buf = String::with_capacity(len);
        let mut spans = Vec::with_capacity(lines.len());
        for line in lines {
            spans.push(buf.len() as u32);
            buf.push_str(line);
            buf.push('\r');
        }
        let tree = assign(
            root,
            lines
                .iter()
                .map(|l| l.split(delimiters.field).next().unwrap_or("")),
        );
        Lean {
            text: buf,
            spans,
            delimiters,
            root,
            tree,
            version: None,
            dead: 0,
        }
    }

    /// The same message, its segments defined by `version` (the version it was read as).
    /// Path writes follow the version's field and datatype definitions; without a version
    /// they follow the text alone.
    pub fn with_version(mut self, version: &'static VersionDesc) -> Lean {
        self.version = Some(version);
        self
    }

    /// The version whose definitions the message's segments follow, when it was given.
    pub fn version(&self) -> Option<&'static VersionDesc> {
        self.version
    }

    /// The ids of the message's segments, in segment order, as the grammar reads them.
    pub fn segment_ids(&self) -> Vec<&str> {
        (0..self.spans.len() as u32)
            .map(|i| {
                self.segment(i)
                    .split(self.delimiters.field)
                    .next()
                    .unwrap_or("")
            })
            .collect()
    }

    /// The same message with the tree the greedy rules alone build ([`assign_greedy`]): the
    /// reference the matcher's tests compare with.
    #[doc(hidden)]
    pub fn with_greedy_tree(&self) -> Lean {
        let tree = assign_greedy(self.root, self.segment_ids().into_iter());
        Lean {
            tree,
            ..self.clone()
        }
    }

    /// Segment `i`'s text, without terminator; `""` when there is no segment `i`.
    pub fn segment(&self, i: u32) -> &str {
        let Some(rest) = self
            .spans
            .get(i as usize)
            .and_then(|&start| self.text.get(start as usize..))
        else {
            return "";
        };
        rest.find('\r').map_or(rest, |end| &rest[..end])
    }

    /// How many segments the message holds (the tree's segment entries index them).
    pub fn segment_count(&self) -> usize {
        self.spans.len()
    }

    pub fn delimiters(&self) -> &crate::delimiters::Delimiters {
        &self.delimiters
    }

    pub fn tree(&self) -> &Tree {
        &self.tree
    }

    /// The body of the structure the message was read into.
    pub fn root(&self) -> &'static GroupDesc {
        self.root
    }

    /// The message in ER7, segments in tree order, each ended by `\r`.
    pub fn to_er7(&self) -> String {
        let mut out = String::with_capacity(self.text.len());
        for e in &self.tree.entries {
            if e.kind != EntryKind::Group {
                out.push_str(self.segment(e.value));
                out.push('\r');
            }
        }
        out
    }

    /// The group tree, one node per line: the structure's name, then its segments and groups,
    /// nested two spaces a level.
    pub fn tree_lines(&self) -> Vec<String> {
        let mut out = vec![self.root.name.to_owned()];
        self.lines_of(self.root, 0..self.tree.entries.len(), 1, &mut out);
        out
    }

    fn lines_of(
        &self,
        g: &'static GroupDesc,
        range: std::ops::Range<usize>,
        depth: usize,
        out: &mut Vec<String>,
    ) {
        let pad = "  ".repeat(depth);
        for (i, e) in self.tree.children(range) {
            match e.kind {
                EntryKind::Group => {
                    let Some(ItemDesc::Group { group, .. }) = g.items.get(e.item as usize) else {
                        continue;
                    };
                    out.push(format!("{pad}{}", group.name));
                    self.lines_of(group, i + 1..e.value as usize, depth + 1, out);
                }
                _ => {
                    let id = crate::grammar::segment_id(self.segment(e.value));
                    out.push(format!("{pad}{id}"));
                }
            }
        }
    }

    /// Bytes this message holds on the heap, dead text ([`Lean::dead_bytes`]) and spare
    /// capacity included.
    pub fn heap_bytes(&self) -> usize {
        self.text.capacity()
            + self.spans.capacity() * std::mem::size_of::<u32>()
            + self.tree.entries.capacity() * std::mem::size_of::<Entry>()
    }

    /// Bytes of the text buffer that hold replaced segment text, which no span points at.
    pub fn dead_bytes(&self) -> usize {
        self.dead
    }

    /// Rewrites the text buffer with only the text the spans point at, in segment order, and
    /// gives back spare capacity.
    pub fn compact(&mut self) {
        let live = self.text.len() - self.dead;
        let mut buf = String::with_capacity(live);
        for i in 0..self.spans.len() {
            let text = self.segment(i as u32);
            // The buffer only shrinks, so the offsets fit as they did.
            let start = buf.len() as u32;
            buf.push_str(text);
            buf.push('\r');
            self.spans[i] = start;
        }
        self.text = buf;
        self.dead = 0;
    }

    /// Appends `text` and its terminator to the buffer: where it starts.
    fn append_text(&mut self, text: &str) -> Result<u32, EditError> {
        if text.contains(['\r', '\n']) {
            return Err(EditError::LineEnd);
        }
        let start = self.text.len();
        let end = start
            .checked_add(text.len())
            .and_then(|e| e.checked_add(1))
            .ok_or(EditError::TooLarge)?;
        if u32::try_from(end).is_err() {
            return Err(EditError::TooLarge);
        }
        self.text.push_str(text);
        self.text.push('\r');
        Ok(start as u32)
    }

    /// Gives segment `i` the text `text` (without terminator). The text is appended to the
    /// buffer and the segment's span moved to it; the old text stays as dead bytes, and the
    /// buffer is compacted once those outweigh the live ones.
    pub fn replace_segment(&mut self, i: u32, text: &str) -> Result<(), EditError> {
        if i as usize >= self.spans.len() {
            return Err(EditError::NoSegment(i));
        }
        let old_len = self.segment(i).len();
        if self.text.len() - self.dead + text.len() >= u32::MAX as usize {
            return Err(EditError::TooLarge);
        }
        if self.text.len() + text.len() >= u32::MAX as usize {
            self.compact();
        }
        let start = self.append_text(text)?;
        self.spans[i as usize] = start;
        self.dead += old_len + 1;
        // Compacting when the dead text outweighs the live keeps the buffer within twice the
        // live text, at a cost proportional to the bytes replaced.
        if self.dead > 1024 && self.dead > self.text.len() / 2 {
            self.compact();
        }
        Ok(())
    }

    /// The entries of group occurrence `parent` (`None`: the structure itself) and its
    /// definition.
    fn group_range(
        &self,
        parent: Option<usize>,
    ) -> Result<(std::ops::Range<usize>, &'static GroupDesc), EditError> {
        let Some(p) = parent else {
            return Ok((0..self.tree.entries.len(), self.root));
        };
        // Down from the root, through the group occurrence holding `p` at each level.
        let mut desc = self.root;
        let mut range = 0..self.tree.entries.len();
        loop {
            let (at, e) = self
                .tree
                .children(range.clone())
                .find(|(i, e)| e.kind == EntryKind::Group && *i <= p && p < e.value as usize)
                .ok_or(EditError::NotAGroup(p))?;
            let Some(ItemDesc::Group { group, .. }) = desc.items.get(e.item as usize) else {
                return Err(EditError::NotAGroup(p));
            };
            desc = group;
            range = at + 1..e.value as usize;
            if at == p {
                return Ok((range, desc));
            }
        }
    }

    /// The definition of group occurrence `parent` (`None`: the structure's body), when
    /// `parent` is one.
    pub fn group_desc(&self, parent: Option<usize>) -> Option<&'static GroupDesc> {
        self.group_range(parent).ok().map(|(_, d)| d)
    }

    /// Checks that `at` is a position among the children of `parent`: before one of them or
    /// after the last.
    fn child_position(
        &self,
        parent: Option<usize>,
        at: usize,
    ) -> Result<&'static GroupDesc, EditError> {
        let (range, desc) = self.group_range(parent)?;
        let end = range.end;
        if at == end || self.tree.children(range).any(|(i, _)| i == at) {
            Ok(desc)
        } else {
            Err(EditError::NotAChildPosition { at, parent })
        }
    }

    /// Puts `entry` at position `at` of the tree, below `parent`: group entries at or after
    /// `at` move one on, and so do the ends of the groups that enclose the position.
    fn insert_entry(&mut self, parent: Option<usize>, at: usize, entry: Entry) {
        for (g, e) in self.tree.entries.iter_mut().enumerate() {
            if e.kind != EntryKind::Group {
                continue;
            }
            let end = e.value as usize;
            // A group ending exactly at `at` encloses it only when it is the parent or one of
            // its ancestors (those start at or before the parent); any other is a preceding
            // sibling's subtree.
            let encloses = end > at || (end == at && parent.is_some_and(|p| g <= p));
            if g >= at || encloses {
                e.value += 1;
            }
        }
        self.tree.entries.insert(at, entry);
    }

    /// Adds a segment of text `text` (without terminator) at position `at` of the tree,
    /// among the children of group occurrence `parent` (`None`: the structure itself): a
    /// segment at item `item` of the group (kind [`EntryKind::Segment`]), or one kept outside
    /// the grammar (kind [`EntryKind::Unexpected`], item 0 or [`Entry::AT_END`]). Returns the
    /// new entry's index; the segment's index is its value.
    pub fn insert_segment(
        &mut self,
        parent: Option<usize>,
        at: usize,
        kind: EntryKind,
        item: u16,
        text: &str,
    ) -> Result<usize, EditError> {
        let desc = self.child_position(parent, at)?;
        match kind {
            EntryKind::Segment => {
                if !matches!(
                    desc.items.get(item as usize),
                    Some(ItemDesc::Segment { .. })
                ) {
                    return Err(EditError::WrongItem {
                        group: desc.name,
                        item,
                        expected: "segment",
                    });
                }
            }
            EntryKind::Unexpected => {
                if item != 0 && item != Entry::AT_END {
                    return Err(EditError::WrongItem {
                        group: desc.name,
                        item,
                        expected: "place for an unexpected segment (0 or Entry::AT_END)",
                    });
                }
            }
            EntryKind::Group => {
                return Err(EditError::WrongItem {
                    group: desc.name,
                    item,
                    expected: "segment (insert_group adds groups)",
                });
            }
        }
        let index = u32::try_from(self.spans.len()).map_err(|_| EditError::TooLarge)?;
        if self.tree.entries.len() >= u32::MAX as usize {
            return Err(EditError::TooLarge);
        }
        let start = self.append_text(text)?;
        self.spans.push(start);
        self.insert_entry(
            parent,
            at,
            Entry {
                kind,
                item,
                value: index,
            },
        );
        Ok(at)
    }

    /// Adds an empty occurrence of the group at item `item` of group occurrence `parent`
    /// (`None`: the structure itself), at position `at` among its children. Returns the new
    /// entry's index; its children go from there to its value.
    pub fn insert_group(
        &mut self,
        parent: Option<usize>,
        at: usize,
        item: u16,
    ) -> Result<usize, EditError> {
        let desc = self.child_position(parent, at)?;
        if !matches!(desc.items.get(item as usize), Some(ItemDesc::Group { .. })) {
            return Err(EditError::WrongItem {
                group: desc.name,
                item,
                expected: "group",
            });
        }
        if self.tree.entries.len() >= u32::MAX as usize - 1 {
            return Err(EditError::TooLarge);
        }
        self.insert_entry(
            parent,
            at,
            Entry {
                kind: EntryKind::Group,
                item,
                value: at as u32 + 1,
            },
        );
        Ok(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::descriptor::Card;

    const ONE: Card = Card {
        min: 1,
        max: Some(1),
    };
    const MANY: Card = Card { min: 0, max: None };

    /// `ROOT = MSH, G*(A, B*), C*`; `G = A, B*, H*(D)`.
    static H: GroupDesc = GroupDesc {
        name: "H",
        choice: false,
        items: &[ItemDesc::Segment { id: "D", card: ONE }],
    };
    static G: GroupDesc = GroupDesc {
        name: "G",
        choice: false,
        items: &[
            ItemDesc::Segment { id: "A", card: ONE },
            ItemDesc::Segment {
                id: "B",
                card: MANY,
            },
            ItemDesc::Group {
                group: &H,
                card: MANY,
            },
        ],
    };
    static ROOT: GroupDesc = GroupDesc {
        name: "ROOT",
        choice: false,
        items: &[
            ItemDesc::Segment {
                id: "MSH",
                card: ONE,
            },
            ItemDesc::Group {
                group: &G,
                card: MANY,
            },
            ItemDesc::Segment {
                id: "C",
                card: MANY,
            },
        ],
    };

    fn lean(lines: &[&str]) -> Lean {
        Lean::from_lines(&ROOT, lines, Default::default())
    }

    /// Each group entry's end is past its last descendant and within its parent's.
    fn assert_nested(m: &Lean) {
        let entries = &m.tree().entries;
        let mut open: Vec<usize> = vec![entries.len()];
        for (i, e) in entries.iter().enumerate() {
            while open.last().is_some_and(|&end| end <= i) {
                open.pop();
            }
            if e.kind == EntryKind::Group {
                let end = e.value as usize;
                assert!(end > i && end <= *open.last().unwrap(), "{entries:?}");
                open.push(end);
            }
        }
    }

    fn ids_of<'a>(lines: &[&'a str]) -> Vec<&'a str> {
        lines.iter().map(|l| l.split('|').next().unwrap()).collect()
    }

    #[test]
    fn a_group_opens_without_its_required_lead_when_that_costs_fewer_findings() {
        // No A: greedy keeps B and D as unexpected (two findings); opening G without its A
        // places both, at the cost of one missing A.
        let lines = ["MSH|^~\\&", "B|1", "D|1", "C|1"];
        let ids = ids_of(&lines);
        let greedy = assign_greedy(&ROOT, ids.iter().copied());
        assert_eq!(
            greedy.violations(&ROOT, &ids),
            Violations {
                unexpected: 2,
                missing: 0
            }
        );
        let m = lean(&lines);
        assert_eq!(
            m.tree_lines().join(","),
            "ROOT,  MSH,  G,    B,    H,      D,  C"
        );
        assert_eq!(
            m.tree().violations(&ROOT, &ids),
            Violations {
                unexpected: 0,
                missing: 1
            }
        );
    }

    #[test]
    fn conformant_and_unplaceable_messages_place_as_the_greedy_rules_do() {
        for lines in [
            &["MSH|^~\\&", "A|1", "B|1", "D|1", "A|2", "C|1"][..],
            &["MSH|^~\\&", "A|1", "ZZZ|1", "B|1", "C|1", "ZZZ|2"],
            &["MSH|^~\\&"],
        ] {
            let ids = ids_of(lines);
            assert_eq!(
                assign(&ROOT, ids.iter().copied()),
                assign_greedy(&ROOT, ids.iter().copied()),
                "{lines:?}"
            );
        }
    }

    #[test]
    fn a_segment_out_of_order_is_the_one_finding() {
        // C before the B that follows it: greedy places C and then has no place for B (one
        // unexpected); so does the search, and the first placement found is kept.
        let lines = ["MSH|^~\\&", "A|1", "C|1", "B|1"];
        let ids = ids_of(&lines);
        let m = lean(&lines);
        assert_eq!(
            m.tree().violations(&ROOT, &ids),
            Violations {
                unexpected: 1,
                missing: 0
            }
        );
        assert_eq!(m.tree(), &assign_greedy(&ROOT, ids.iter().copied()));
        // A repeated required segment where only one is allowed: the second A opens a new G.
        let lines = ["MSH|^~\\&", "A|1", "A|2", "D|1"];
        let ids = ids_of(&lines);
        assert!(
            assign(&ROOT, ids.iter().copied())
                .violations(&ROOT, &ids)
                .is_none()
        );
    }

    #[test]
    fn every_segment_is_placed_once_whatever_the_order() {
        // All orders of a few segments, against the greedy placement: never more findings,
        // every segment once, in arrival order.
        let pool = ["MSH", "A", "B", "D", "C", "ZZZ"];
        let mut n = 0;
        for code in 0..6usize.pow(5) {
            let mut ids = vec!["MSH"];
            let mut c = code;
            for _ in 0..5 {
                ids.push(pool[c % 6]);
                c /= 6;
            }
            let best = assign(&ROOT, ids.iter().copied());
            let greedy = assign_greedy(&ROOT, ids.iter().copied());
            assert!(
                best.violations(&ROOT, &ids) <= greedy.violations(&ROOT, &ids),
                "{ids:?}"
            );
            let order: Vec<u32> = best
                .entries
                .iter()
                .filter(|e| e.kind != EntryKind::Group)
                .map(|e| e.value)
                .collect();
            assert_eq!(order, (0..ids.len() as u32).collect::<Vec<_>>(), "{ids:?}");
            n += usize::from(best != greedy);
        }
        // The search changes some placements.
        assert!(n > 100, "{n}");
    }

    #[test]
    fn replacing_a_segment_appends_its_text_and_compacting_drops_the_old() {
        let mut m = lean(&["MSH|^~\\&", "A|1", "B|1", "C|1"]);
        let before = m.clone();
        let len = m.text.len();
        m.replace_segment(1, "A|2|longer").unwrap();
        assert_eq!(m.segment(1), "A|2|longer");
        // The other segments' text did not move.
        assert_eq!(m.spans[0], before.spans[0]);
        assert_eq!(m.spans[2], before.spans[2]);
        assert_eq!(m.dead_bytes(), "A|1\r".len());
        assert_eq!(m.text.len(), len + "A|2|longer\r".len());
        assert_eq!(m.to_er7(), "MSH|^~\\&\rA|2|longer\rB|1\rC|1\r");
        assert_ne!(m, before);
        let edited = m.clone();
        m.compact();
        assert_eq!(m.dead_bytes(), 0);
        assert_eq!(m.text, "MSH|^~\\&\rA|2|longer\rB|1\rC|1\r");
        // Where the text lies does not make two messages different.
        assert_eq!(m, edited);
        m.replace_segment(1, "A|1").unwrap();
        assert_eq!(m, before);
        assert_eq!(m.replace_segment(9, "x"), Err(EditError::NoSegment(9)));
    }

    #[test]
    fn replacing_many_times_keeps_the_buffer_within_twice_the_live_text() {
        let mut m = lean(&["MSH|^~\\&", "A|1"]);
        for k in 0..10_000 {
            m.replace_segment(1, &format!("A|{k:0200}")).unwrap();
            let live = m.text.len() - m.dead_bytes();
            assert!(m.text.len() <= 2 * live + 1024 + 210, "{k}");
        }
        assert!(m.segment(1).ends_with("9999"));
        assert_eq!(m.tree_lines(), ["ROOT", "  MSH", "  G", "    A"]);
    }

    #[test]
    fn inserting_keeps_every_group_end_right() {
        // ROOT: MSH, G(A, B, H(D)), G(A), C
        let mut m = lean(&["MSH|^~\\&", "A|1", "B|1", "D|1", "A|2", "C|1"]);
        let lines = |m: &Lean| m.tree_lines().join(",");
        assert_eq!(
            lines(&m),
            "ROOT,  MSH,  G,    A,    B,    H,      D,  G,    A,  C"
        );
        let entries = |m: &Lean| m.tree().entries.clone();
        // [0 MSH, 1 G..6, 2 A, 3 B, 4 H..6, 5 D, 6 G..8, 7 A, 8 C]
        assert_eq!(entries(&m)[1].value, 6);
        assert_eq!(entries(&m)[4].value, 6);
        // A second B in the first G, before its H: the first G grows, later groups move.
        let at = m
            .insert_segment(Some(1), 4, EntryKind::Segment, 1, "B|2")
            .unwrap();
        assert_eq!(at, 4);
        assert_eq!(m.segment(m.tree().entries[4].value), "B|2");
        assert_eq!(
            (
                entries(&m)[1].value,
                entries(&m)[5].value,
                entries(&m)[7].value
            ),
            (7, 7, 9)
        );
        assert_nested(&m);
        // At the end of the first G, where its H also ends: only G (the parent) grows, and H
        // stays as it was.
        let h = m.insert_group(Some(1), 7, 2).unwrap();
        assert_eq!((entries(&m)[1].value, entries(&m)[5].value), (8, 7));
        assert_eq!(entries(&m)[h].value as usize, h + 1);
        m.insert_segment(Some(h), h + 1, EntryKind::Segment, 0, "D|2")
            .unwrap();
        assert_eq!((entries(&m)[1].value, entries(&m)[h].value), (9, 9));
        assert_nested(&m);
        // At the end of the whole tree, under the root: no group grows.
        let end = m.tree().entries.len();
        m.insert_segment(None, end, EntryKind::Unexpected, Entry::AT_END, "ZZZ|1")
            .unwrap();
        // A new G between the second G and C.
        let g = m.insert_group(None, 11, 1).unwrap();
        m.insert_segment(Some(g), g + 1, EntryKind::Segment, 0, "A|3")
            .unwrap();
        assert_nested(&m);
        assert_eq!(
            lines(&m),
            "ROOT,  MSH,  G,    A,    B,    B,    H,      D,    H,      D,  G,    A,  G,    A,  C,  ZZZ"
        );
        assert_eq!(
            m.to_er7(),
            "MSH|^~\\&\rA|1\rB|1\rB|2\rD|1\rD|2\rA|2\rA|3\rC|1\rZZZ|1\r"
        );
        // The message reads back into the same tree (its Z-segment as one that arrived there).
        let text = m.to_er7();
        let lines_again: Vec<&str> = text.split_terminator('\r').collect();
        let again = lean(&lines_again);
        assert_eq!(again.tree_lines(), m.tree_lines());
        assert_eq!(again.to_er7(), text);
    }

    #[test]
    fn edits_out_of_place_are_refused_and_change_nothing() {
        let mut m = lean(&["MSH|^~\\&", "A|1", "B|1", "D|1", "C|1"]);
        let before = m.clone();
        // Inside the H subtree is not a child position of G; 5 is past the root's children
        // only as the end of the whole tree.
        assert_eq!(
            m.insert_segment(Some(1), 5, EntryKind::Segment, 1, "B"),
            Err(EditError::NotAChildPosition {
                at: 5,
                parent: Some(1)
            })
        );
        assert!(matches!(
            m.insert_segment(None, 2, EntryKind::Segment, 0, "MSH"),
            Err(EditError::NotAChildPosition { .. })
        ));
        // Entry 2 is a segment, not a group occurrence.
        assert_eq!(m.insert_group(Some(2), 3, 2), Err(EditError::NotAGroup(2)));
        assert_eq!(
            m.insert_group(Some(1000), 3, 2),
            Err(EditError::NotAGroup(1000))
        );
        // Item kinds must match the definition.
        assert!(matches!(
            m.insert_group(Some(1), 2, 0),
            Err(EditError::WrongItem { .. })
        ));
        assert!(matches!(
            m.insert_segment(Some(1), 2, EntryKind::Segment, 2, "D"),
            Err(EditError::WrongItem { .. })
        ));
        assert!(matches!(
            m.insert_segment(Some(1), 2, EntryKind::Segment, 7, "D"),
            Err(EditError::WrongItem { .. })
        ));
        assert!(matches!(
            m.insert_segment(Some(1), 2, EntryKind::Unexpected, 3, "Z"),
            Err(EditError::WrongItem { .. })
        ));
        assert!(matches!(
            m.insert_segment(Some(1), 2, EntryKind::Group, 2, "Z"),
            Err(EditError::WrongItem { .. })
        ));
        assert_eq!(m, before);
        assert_eq!(m.segment_count(), 5);
        assert_eq!(m.segment(99), "");
        assert_eq!(m.group_desc(None).map(|g| g.name), Some("ROOT"));
        assert_eq!(m.group_desc(Some(4)).map(|g| g.name), Some("H"));
        assert_eq!(m.group_desc(Some(3)), None);
    }
}
