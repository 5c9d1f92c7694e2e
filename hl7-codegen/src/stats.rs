//! Per-version counts, as printed by `cargo xtask stats`.

use std::fmt;

use crate::schema::{Item, VersionSchema};

/// What a version folder defines, counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stats {
    pub datatypes: usize,
    pub segments: usize,
    /// Segment fields summed over segments.
    pub fields: usize,
    pub structures: usize,
    /// Group definitions: each group node of each structure counts once.
    pub groups: usize,
    /// Event-map entries.
    pub events: usize,
    pub tables: usize,
}

impl Stats {
    pub fn of(schema: &VersionSchema) -> Stats {
        fn groups(items: &[Item]) -> usize {
            items
                .iter()
                .map(|i| match i {
                    Item::Group(g) => 1 + groups(&g.body),
                    Item::Segment(_) => 0,
                })
                .sum()
        }
        Stats {
            datatypes: schema.datatypes.primitives.len() + schema.datatypes.composites.len(),
            segments: schema.segments.len(),
            fields: schema.segments.values().map(|s| s.fields.len()).sum(),
            structures: schema.structures.len(),
            groups: schema.structures.values().map(|s| groups(&s.body)).sum(),
            events: schema.events.len(),
            tables: schema.tables.len(),
        }
    }
}

impl fmt::Display for Stats {
    /// `datatypes=N segments=N fields=N structures=N groups=N events=N tables=N`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "datatypes={} segments={} fields={} structures={} groups={} events={} tables={}",
            self.datatypes,
            self.segments,
            self.fields,
            self.structures,
            self.groups,
            self.events,
            self.tables
        )
    }
}
