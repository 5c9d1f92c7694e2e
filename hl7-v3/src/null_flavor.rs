//! The NullFlavor code system: the codes and their tables are generated from
//! `schemas/v3/nullflavor.yaml`; this module adds the hierarchy queries and the profiles.
//!
//! Two hierarchies exist. The current one ([`NullFlavor::parents`], [`NullFlavor::implies`])
//! is a parent table, not a tree: NAV has two parents (ASKU and NAVU), and OTH sits under
//! INV. The R1 one that CDA R2 uses ([`NullFlavor::r1_parent`], [`NullFlavor::implies_r1`])
//! is a tree under NI. NP, retired, is a root of its own in both: read, never written.
//!
//! ```
//! use hl7_v3::{NullFlavor, Profile};
//! assert!(NullFlavor::NAV.implies(NullFlavor::UNK));
//! assert!(NullFlavor::PINF.implies(NullFlavor::INV) && !NullFlavor::PINF.implies_r1(NullFlavor::INV));
//! assert_eq!(NullFlavor::NAV.common_ancestor(NullFlavor::NASK), Some(NullFlavor::UNK));
//! // A receiver limited to CDA R2 degrades NAVU to the nearest code it knows.
//! assert_eq!(Profile::CdaR2.degrade(NullFlavor::NAVU), Some(NullFlavor::UNK));
//! ```

#![allow(clippy::upper_case_acronyms)]

include!(concat!(env!("OUT_DIR"), "/null_flavor.rs"));

impl NullFlavor {
    /// Every ancestor in the current hierarchy, each once, nearest first (breadth first).
    pub fn ancestors(self) -> Vec<NullFlavor> {
        let mut out: Vec<NullFlavor> = Vec::new();
        let mut i = 0;
        let mut frontier = vec![self];
        while i < frontier.len() {
            for &p in frontier[i].parents() {
                if p != self && !out.contains(&p) {
                    out.push(p);
                    frontier.push(p);
                }
            }
            i += 1;
        }
        out
    }

    /// Whether `self` is `general` or a specialisation of it in the current hierarchy: a
    /// receiver that understands only `general` may read `self` as `general`.
    pub fn implies(self, general: NullFlavor) -> bool {
        self == general || self.ancestors().contains(&general)
    }

    /// The R1/CDA ancestors, nearest first.
    pub fn r1_ancestors(self) -> Vec<NullFlavor> {
        let mut out = Vec::new();
        let mut cur = self.r1_parent();
        while let Some(p) = cur {
            if p == self || out.contains(&p) {
                break;
            }
            out.push(p);
            cur = p.r1_parent();
        }
        out
    }

    /// [`implies`](Self::implies) in the R1/CDA hierarchy.
    pub fn implies_r1(self, general: NullFlavor) -> bool {
        self == general || self.r1_ancestors().contains(&general)
    }

    /// Length of the longest path from `self` up to a root.
    pub fn depth(self) -> usize {
        self.parents()
            .iter()
            .map(|p| p.depth() + 1)
            .max()
            .unwrap_or(0)
    }

    /// The most specific code that both `self` and `other` imply, in the current hierarchy:
    /// the flavor to report for a value made from both. `None` when they share no root (NP).
    /// Among equally deep candidates the first in [`NullFlavor::ALL`] wins.
    pub fn common_ancestor(self, other: NullFlavor) -> Option<NullFlavor> {
        let mut mine = vec![self];
        mine.extend(self.ancestors());
        mine.into_iter()
            .filter(|c| other.implies(*c))
            .max_by_key(|c| (c.depth(), std::cmp::Reverse(*c)))
    }

    /// The code to use where a retired code may not be written: NP becomes NI, as its
    /// definition asks of a receiver; other codes are unchanged.
    pub fn current(self) -> NullFlavor {
        if self.is_retired() {
            NullFlavor::NI
        } else {
            self
        }
    }
}

impl std::fmt::Display for NullFlavor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// A code that is not a NullFlavor.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a NullFlavor code")]
pub struct UnknownNullFlavor(pub String);

impl std::str::FromStr for NullFlavor {
    type Err = UnknownNullFlavor;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        NullFlavor::from_code(s).ok_or_else(|| UnknownNullFlavor(s.to_owned()))
    }
}

/// A named set of codes a context allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Profile {
    /// The CDA R2 schema's NullFlavor set (12 codes, NP included, QS not).
    CdaR2,
    /// The ISO 21090 enumeration (15 codes: the active ones but NAVU).
    Iso21090,
    /// Every active code of the current code system.
    Current,
}

impl Profile {
    /// Whether the profile allows `flavor`.
    pub fn allows(self, flavor: NullFlavor) -> bool {
        match self {
            Profile::CdaR2 => flavor.in_cda_r2(),
            Profile::Iso21090 => flavor.in_iso21090(),
            Profile::Current => !flavor.is_retired(),
        }
    }

    /// The codes of the profile, in [`NullFlavor::ALL`] order.
    pub fn codes(self) -> Vec<NullFlavor> {
        NullFlavor::ALL
            .into_iter()
            .filter(|f| self.allows(*f))
            .collect()
    }

    /// `flavor` if allowed, otherwise its nearest allowed ancestor in the current hierarchy
    /// (for NP, the code NI stands for); `None` if there is none.
    pub fn degrade(self, flavor: NullFlavor) -> Option<NullFlavor> {
        let f = flavor.current();
        if self.allows(f) {
            return Some(f);
        }
        f.ancestors().into_iter().find(|a| self.allows(*a))
    }
}
