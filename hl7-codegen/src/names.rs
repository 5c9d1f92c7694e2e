//! Rust names for schema items, decided once so that the generator, the `#[hl7(...)]`
//! attributes and the documentation agree.
//!
//! Rules:
//! - Types (datatypes, segments, structures, groups) are the id in UpperCamelCase:
//!   `ORU_R01` → `OruR01`, `PATIENT_RESULT` → `PatientResult`, `XPN` → `Xpn`,
//!   `QBP_Qnn` → `QbpQnn`.
//! - Fields and components are their descriptive name in snake_case, ASCII only:
//!   PID-5 "Patient Name" → `patient_name`, "Set ID - PID" → `set_id_pid`.
//! - A Rust keyword gets a trailing underscore (`type` → `type_`), and so does `tail`, the name
//!   the owned structs gave the field keeping what a definition does not cover (generated names
//!   have not changed since); a name that would start with a digit gets the prefix `n`
//!   (`2nd_address` → `n2nd_address`).
//! - Collisions: when two fields or components of one item get the same name, every one of them
//!   takes its position as a suffix (`date_time_7`, `date_time_12`), so no name depends on the
//!   order in which the collision was met and adding a field never renames an unrelated one.

use std::collections::HashMap;

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Words Rust reserves (strict and reserved keywords of edition 2024) plus `self`-like names.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "static", "struct", "super", "trait", "true", "try", "type", "typeof",
    "unsafe", "unsized", "use", "virtual", "where", "while", "yield", "tail",
];

/// The Rust type name for a schema id.
///
/// ```
/// assert_eq!(hl7_codegen::names::type_name("ORU_R01"), "OruR01");
/// assert_eq!(hl7_codegen::names::type_name("PATIENT_RESULT"), "PatientResult");
/// assert_eq!(hl7_codegen::names::type_name("XPN"), "Xpn");
/// ```
pub fn type_name(id: &str) -> String {
    // heck treats a digit run as part of the previous word; ids are upper-case, so lower them
    // first to get one capital per underscore-separated part.
    id.to_ascii_lowercase().to_upper_camel_case()
}

/// The snake_case identifier for a descriptive name, before collision handling.
///
/// ```
/// assert_eq!(hl7_codegen::names::member_name("Patient Name"), "patient_name");
/// assert_eq!(hl7_codegen::names::member_name("Set ID - PID"), "set_id_pid");
/// assert_eq!(hl7_codegen::names::member_name("Type"), "type_");
/// ```
pub fn member_name(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect();
    let mut snake = ascii.to_snake_case();
    if snake.is_empty() {
        snake.push_str("unnamed");
    }
    if snake.starts_with(|c: char| c.is_ascii_digit()) {
        snake.insert(0, 'n');
    }
    if KEYWORDS.contains(&snake.as_str()) {
        snake.push('_');
    }
    snake
}

/// Identifiers for the members of one item (the fields of a segment, the components of a
/// composite), in order, with collisions resolved by the position suffix rule.
///
/// ```
/// let names = hl7_codegen::names::member_names([(1, "Date/Time"), (2, "Value"), (3, "Date Time")]);
/// assert_eq!(names, ["date_time_1", "value", "date_time_3"]);
/// ```
pub fn member_names<'a>(members: impl IntoIterator<Item = (u32, &'a str)>) -> Vec<String> {
    let members: Vec<(u32, String)> = members
        .into_iter()
        .map(|(seq, n)| (seq, member_name(n)))
        .collect();
    let mut count: HashMap<&str, usize> = HashMap::new();
    for (_, n) in &members {
        *count.entry(n.as_str()).or_default() += 1;
    }
    let mut out: Vec<String> = members
        .iter()
        .map(|(seq, n)| {
            if count[n.as_str()] > 1 {
                format!("{n}_{seq}")
            } else {
                n.clone()
            }
        })
        .collect();
    // A suffixed name can meet a plain one (`value_2` beside a field named "Value 2"): suffix
    // those plain ones too, until no two are equal.
    loop {
        let mut seen: HashMap<&str, usize> = HashMap::new();
        let dup = out
            .iter()
            .enumerate()
            .find_map(|(i, n)| seen.insert(n.as_str(), i).map(|j| (j, i)));
        let Some((j, i)) = dup else { break };
        for k in [j, i] {
            let seq = members[k].0;
            if !out[k].ends_with(&format!("_{seq}")) {
                out[k] = format!("{}_{seq}", out[k]);
            }
        }
        if out[i] == out[j] {
            out[i] = format!("{}_{}", out[i], members[i].0);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names() {
        assert_eq!(type_name("QBP_Qnn"), "QbpQnn");
        assert_eq!(type_name("ORDER_OBSERVATION"), "OrderObservation");
        assert_eq!(type_name("CE"), "Ce");
        assert_eq!(type_name("PID"), "Pid");
        assert_eq!(type_name("OML_O21"), "OmlO21");
    }

    #[test]
    fn member_names_are_identifiers() {
        assert_eq!(member_name("Message Type"), "message_type");
        assert_eq!(member_name("Date/Time of Message"), "date_time_of_message");
        assert_eq!(member_name("2nd Line"), "n2nd_line");
        assert_eq!(member_name("--"), "unnamed");
        assert_eq!(member_name("Self"), "self_");
        assert_eq!(member_name("Séquence"), "s_quence");
    }

    #[test]
    fn collisions_take_positions() {
        assert_eq!(
            member_names([(1, "A"), (2, "A"), (3, "B")]),
            ["a_1", "a_2", "b"]
        );
        assert_eq!(
            member_names([(1, "Value"), (2, "Value"), (3, "Value 2")]),
            ["value_1", "value_2", "value_2_3"]
        );
    }
}
