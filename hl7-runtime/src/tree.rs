//! A message as it is held once read: its segments' text in one buffer, and its group tree as
//! one flat list of small entries. Nothing is decoded when the message is read: fields,
//! repetitions and components are found in the segment text when they are asked for, so a
//! message costs about what was sent, whatever its structure could hold.
//!
//! The tree is a pre-order list: a group occurrence is an entry that records where its
//! descendants end, so a group's children are found by walking forward and jumping over
//! nested groups. Each entry is 8 bytes; a segment adds an 8-byte span into the text.
//!
//! The grammar's rules are those of [`crate::grammar`]; [`assign`] applies them to segment
//! ids alone.

use crate::descriptor::{Card, GroupDesc, ItemDesc};
use crate::element::ANY_SEGMENT_ID;
use crate::grammar::can_begin;

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
    /// The 0-based item of the enclosing group this entry occupies (0 for unexpected
    /// segments).
    pub item: u16,
    /// The segment index, or for a group the index past its subtree.
    pub value: u32,
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

fn id_matches(item_id: &str, id: &str, wildcard: bool) -> bool {
    if wildcard {
        item_id == ANY_SEGMENT_ID
    } else {
        item_id == id
    }
}

fn has_room(card: Card, count: u32) -> bool {
    card.max.is_none_or(|m| count < m)
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
            if fits && has_room(card, self.count(depth, j)) {
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

/// Places segments with ids `ids` (in arrival order; segment `i` is the `i`-th id) into the
/// items of `root`, a message structure's body, by the rules of [`crate::grammar`]. Every
/// segment ends up in the tree, at an item of the grammar or kept as unexpected where it
/// arrived.
pub fn assign<'s>(root: &'static GroupDesc, ids: impl ExactSizeIterator<Item = &'s str>) -> Tree {
    let mut m = Matcher::new(root, ids.len());
    for (i, id) in ids.enumerate() {
        m.push(id, i as u32);
    }
    m.finish()
}

/// A message held lean: its segments' text in one buffer (each segment followed by `\r`), a
/// span per segment, its delimiters and its group tree. Reading it decodes nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lean {
    text: String,
    spans: Vec<(u32, u32)>,
    delimiters: crate::delimiters::Delimiters,
    root: &'static GroupDesc,
    tree: Tree,
}

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
            spans.push((buf.len() as u32, line.len() as u32));
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
        }
    }

    /// Segment `i`'s text, without terminator.
    pub fn segment(&self, i: u32) -> &str {
        let (start, len) = self.spans[i as usize];
        &self.text[start as usize..(start + len) as usize]
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

    /// The group tree, one node per line, as [`crate::grammar::tree`] prints it.
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
                    let id = crate::element::segment_id(self.segment(e.value));
                    out.push(format!("{pad}{id}"));
                }
            }
        }
    }

    /// Bytes this message holds on the heap.
    pub fn heap_bytes(&self) -> usize {
        self.text.capacity()
            + self.spans.capacity() * std::mem::size_of::<(u32, u32)>()
            + self.tree.entries.capacity() * std::mem::size_of::<Entry>()
    }
}
