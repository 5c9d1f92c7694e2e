//! Coding systems: the v2 mnemonic of HL7 table 0396 (CE.3, CWE.3) and the OID v3 writes in
//! `codeSystem`, generated from `schemas/v3/codesystems.yaml`.
//!
//! ```
//! use hl7_v3::code_systems::{mnemonic_of, oid_of};
//! assert_eq!(oid_of("LN").as_deref(), Some("2.16.840.1.113883.6.1"));
//! assert_eq!(mnemonic_of("2.16.840.1.113883.6.96").as_deref(), Some("SCT"));
//! // The deprecated HL7nnnn mnemonics name a v2 table, on the table arc.
//! assert_eq!(oid_of("HL70203").as_deref(), Some("2.16.840.1.113883.12.203"));
//! assert_eq!(oid_of("99ZZZ"), None);
//! ```

include!(concat!(env!("OUT_DIR"), "/code_systems.rs"));

/// The v2 table arc: `2.16.840.1.113883.12.<table>`.
pub const V2_TABLE_ARC: &str = "2.16.840.1.113883.12";

/// The OID of a 0396 mnemonic; `HL7nnnn` maps to the v2 table arc. `None` for local and
/// unknown mnemonics.
pub fn oid_of(mnemonic: &str) -> Option<String> {
    if let Ok(i) = CODE_SYSTEMS.binary_search_by(|(m, _, _)| (*m).cmp(mnemonic)) {
        return Some(CODE_SYSTEMS[i].1.to_owned());
    }
    let table = mnemonic.strip_prefix("HL7")?;
    if table.len() == 4 && table.bytes().all(|b| b.is_ascii_digit()) {
        let n: u32 = table.parse().ok()?;
        return Some(format!("{V2_TABLE_ARC}.{n}"));
    }
    None
}

/// The 0396 mnemonic of an OID: the first listed for it, or `HL7nnnn` on the v2 table arc.
pub fn mnemonic_of(oid: &str) -> Option<String> {
    if let Some((m, _, _)) = CODE_SYSTEMS.iter().find(|(_, o, _)| *o == oid) {
        return Some((*m).to_owned());
    }
    let n: u32 = oid
        .strip_prefix(V2_TABLE_ARC)?
        .strip_prefix('.')?
        .parse()
        .ok()?;
    (n <= 9999).then(|| format!("HL7{n:04}"))
}

/// The name of a 0396 mnemonic.
pub fn name_of(mnemonic: &str) -> Option<&'static str> {
    CODE_SYSTEMS
        .binary_search_by(|(m, _, _)| (*m).cmp(mnemonic))
        .ok()
        .map(|i| CODE_SYSTEMS[i].2)
}
