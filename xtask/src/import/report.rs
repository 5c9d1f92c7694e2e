//! The generated part of `schemas/README.md`: counts per version next to the sources' own
//! counts, and every merge decision.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

use anyhow::Result;
use hl7_codegen::stats::Stats;

use super::dictionary;
use super::hl7apy;
use super::merge::Log;

pub const BEGIN: &str =
    "<!-- BEGIN import report: written by `cargo xtask import`, do not edit by hand -->";
pub const END: &str = "<!-- END import report -->";

/// What the sources themselves define for a version.
pub struct SourceCounts {
    pub apy_structures: usize,
    pub apy_groups: usize,
    pub apy_segments: usize,
    pub apy_datatypes: usize,
    pub apy_tables: usize,
    pub dict_segments: Option<usize>,
    pub dict_events: Option<usize>,
}

impl SourceCounts {
    pub fn of(apy: &hl7apy::Version, dict: Option<&dictionary::Version>) -> SourceCounts {
        SourceCounts {
            apy_structures: apy.messages.len(),
            apy_groups: apy.groups.len(),
            apy_segments: apy.segments.len(),
            apy_datatypes: apy.composites.len(),
            apy_tables: apy.tables.len(),
            dict_segments: dict.map(|d| d.segments.len()),
            dict_events: dict.map(|d| d.messages.len()),
        }
    }
}

fn opt(n: Option<usize>) -> String {
    n.map_or_else(|| "–".to_owned(), |n| n.to_string())
}

pub fn write(readme: &Path, log: &Log, stats: &[(&str, Stats, SourceCounts)]) -> Result<()> {
    let mut s = String::new();
    s.push_str(BEGIN);
    s.push_str("\n\n## Import report\n\n### Counts\n\n");
    s.push_str("Ours (what `cargo xtask stats` prints) beside what the sources define. hl7apy groups are its\n");
    s.push_str("`GROUPS` entries; ours count each group node of each structure once.\n\n");
    s.push_str("| version | structures | hl7apy messages | groups | hl7apy groups | segments | hl7apy segments | hl7-dictionary segments | fields | datatypes | hl7apy composites | events | hl7-dictionary messages | tables | hl7apy tables |\n");
    s.push_str("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (v, st, src) in stats {
        let _ = writeln!(
            s,
            "| {v} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            st.structures,
            src.apy_structures,
            st.groups,
            src.apy_groups,
            st.segments,
            src.apy_segments,
            opt(src.dict_segments),
            st.fields,
            st.datatypes,
            src.apy_datatypes,
            st.events,
            opt(src.dict_events),
            st.tables,
            src.apy_tables,
        );
    }
    let versions: Vec<&str> = stats.iter().map(|(v, ..)| *v).collect();
    let mut kinds: BTreeMap<&str, BTreeMap<&str, usize>> = BTreeMap::new();
    for n in &log.notes {
        *kinds
            .entry(n.kind)
            .or_default()
            .entry(n.version.as_str())
            .or_default() += 1;
    }
    let _ = write!(s, "\n### Merge decisions ({} in all)\n\n", log.notes.len());
    s.push_str("Per kind and version; each decision is listed below.\n\n| kind |");
    for v in &versions {
        let _ = write!(s, " {v} |");
    }
    s.push_str("\n|---|");
    for _ in &versions {
        s.push_str("---|");
    }
    s.push('\n');
    for (kind, per) in &kinds {
        let _ = write!(s, "| {kind} |");
        for v in &versions {
            let _ = write!(s, " {} |", per.get(v).copied().unwrap_or(0));
        }
        s.push('\n');
    }
    for v in &versions {
        let notes: Vec<_> = log.notes.iter().filter(|n| n.version == *v).collect();
        if notes.is_empty() {
            continue;
        }
        let _ = write!(s, "\n#### {v}\n\n");
        let mut by_kind: BTreeMap<&str, Vec<_>> = BTreeMap::new();
        for n in notes {
            by_kind.entry(n.kind).or_default().push(n);
        }
        for (kind, notes) in by_kind {
            let _ = writeln!(s, "- **{kind}** ({}):", notes.len());
            for n in notes {
                let _ = writeln!(s, "  - `{}`: {}", n.item, n.detail);
            }
        }
    }
    s.push('\n');
    s.push_str(END);
    s.push('\n');

    let old = std::fs::read_to_string(readme).unwrap_or_default();
    let new = match (old.find(BEGIN), old.find(END)) {
        (Some(b), Some(e)) if e > b => format!(
            "{}{}{}",
            &old[..b],
            s,
            &old[e + END.len()..].trim_start_matches('\n')
        ),
        _ => format!(
            "{}{}{}",
            old,
            if old.is_empty() || old.ends_with("\n\n") {
                ""
            } else {
                "\n"
            },
            s
        ),
    };
    std::fs::write(readme, new)?;
    Ok(())
}
