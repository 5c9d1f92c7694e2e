//! The typed message beside its lean form, written by the same paths, for the one test that
//! still compares the two (`builders::lean_messages_built_by_paths_match_the_builder_for_every_event_of_every_version`).
//! It goes with the typed structs: delete this module, its `mod` line and the re-export in
//! `paths.rs` once that test no longer uses [`Both`].

use hl7_model::message::{Parsed, parse};
use hl7_model::path::Path;
use hl7_model::tree::Lean;

use crate::paths::{Fault, Tally};

/// A typed message and its lean form (with the version it was read as), written to by the
/// same paths: every write must give the same result, the same text and the same group tree
/// on both.
pub(crate) struct Both {
    pub(crate) typed: Parsed,
    pub(crate) lean: Lean,
}

impl Both {
    /// Both forms of `text`, when the typed parse reads it.
    fn parse(text: &str) -> Option<Both> {
        let typed = parse(text).ok()?;
        let (lean, version, _) = hl7_model::message::parse_lean(text, &Default::default()).ok()?;
        Some(Both {
            typed,
            lean: lean.with_version(version),
        })
    }

    pub(crate) fn same_text_and_tree(&self) -> Result<(), String> {
        let (lean, typed) = (self.lean.to_er7(), self.typed.to_er7());
        if lean != typed {
            // The first segment that differs.
            let (l, t) = lean
                .split('\r')
                .zip(typed.split('\r'))
                .find(|(l, t)| l != t)
                .unwrap_or(("(segment count)", "(segment count)"));
            return Err(format!("text:\n  lean  {l:?}\n  typed {t:?}"));
        }
        let (lean, typed) = (
            self.lean.tree_lines(),
            hl7_model::grammar::tree(self.typed.message.as_group()),
        );
        if lean != typed {
            return Err(format!("tree:\n  lean  {lean:?}\n  typed {typed:?}"));
        }
        Ok(())
    }

    /// Writes `value` at `path` on both forms (as ER7 text when `er7`), and records whether
    /// they agree.
    pub(crate) fn write(
        &mut self,
        label: &str,
        path: &str,
        value: &str,
        er7: bool,
        tally: &mut Tally,
    ) {
        let typed = if er7 {
            self.typed.set_er7(path, value)
        } else {
            self.typed.set(path, value)
        };
        let lean = path.parse::<Path>().and_then(|p| {
            if er7 {
                p.set_er7_lean(&mut self.lean, value)
            } else {
                p.set_lean(&mut self.lean, value)
            }
        });
        tally.count(&typed);
        let how = if er7 { "set_er7" } else { "set" };
        if lean != typed {
            tally.fault(
                Fault::Other,
                format!("{label}: {how} {path} = {value:?}: lean {lean:?}, typed {typed:?}"),
            );
        } else if let Err(diff) = self.same_text_and_tree() {
            tally.fault(
                Fault::Other,
                format!("{label}: {how} {path} = {value:?}: {diff}"),
            );
            // Go on from the typed message's text, so one divergence is reported once.
            if let Some(again) = Both::parse(&self.typed.to_er7()) {
                *self = again;
            }
        }
    }
}
