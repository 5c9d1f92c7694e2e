//! The grammar matcher (`hl7_model::grammar`, `hl7_model::tree::assign`) places segments
//! where they cause the fewest findings: on the standard's RDS^O13 with an NTE left out, and on
//! every corpus message against the greedy placement (`assign_greedy`), which it must never do
//! worse than and must equal on conformant messages.

use hl7_model::message::{Message, ParseOptions};
use hl7_model::tree::Lean;
use hl7_model::validate::{Finding, validate};

/// The grammar findings (code 100) of `lean` as a structure of `m`'s version.
fn grammar_findings(m: &Message, lean: &Lean) -> Vec<Finding> {
    validate(lean, m.version())
        .into_iter()
        .filter(|f| f.code == 100)
        .collect()
}

/// Whether `findings` report a segment id as missing and later as not expected.
fn missing_then_unexpected(findings: &[Finding]) -> Option<String> {
    let mut missing = Vec::new();
    for f in findings {
        if let Some(rest) = f.message.strip_prefix("required segment ") {
            missing.push(rest.split(' ').next().unwrap_or("").to_owned());
        }
        if let Some(rest) = f.message.strip_prefix("segment ")
            && let Some((id, _)) = rest.split_once(" is not expected here")
            && missing.iter().any(|m| m == id)
        {
            return Some(id.to_owned());
        }
    }
    None
}

/// An RDS^O13 (v2.8) whose sender left out the NTE that ORDER_DETAIL_SUPPLEMENT requires
/// before its RXR; everything else follows the standard's order.
const RDS_WITHOUT_NTE: &str = "MSH|^~\\&|PHARM|HOSP|WARD|HOSP|20240101120000||RDS^O13^RDS_O13|1|P|2.8\r\
PID|1||123^^^H^MR||Doe^John\r\
ORC|RE|O1|F1\r\
RXO|RX1^Amoxicillin^NDC|500||mg\r\
RXR|PO^Oral^HL70162\r\
RXC|B|RX1^Amoxicillin^NDC|500|mg\r\
RXE|^BID|RX1^Amoxicillin^NDC|500||mg\r\
TQ1|1||BID\r\
RXR|PO^Oral^HL70162\r\
RXC|B|RX1^Amoxicillin^NDC|500|mg\r\
RXD|1|RX1^Amoxicillin^NDC|20240101\r\
RXR|PO^Oral^HL70162\r";

#[test]
fn a_group_opens_without_its_missing_lead_and_the_missing_nte_is_the_one_finding() {
    let m = Message::parse(RDS_WITHOUT_NTE, &ParseOptions::default()).unwrap();
    assert_eq!(m.structure().id, "RDS_O13");
    assert_eq!(
        m.tree_lines(),
        [
            "RDS_O13",
            "  MSH",
            "  PATIENT",
            "    PID",
            "  ORDER",
            "    ORC",
            "    ORDER_DETAIL",
            "      RXO",
            "      ORDER_DETAIL_SUPPLEMENT",
            "        RXR",
            "        COMPONENT",
            "          RXC",
            "    ENCODING",
            "      RXE",
            "      TIMING_ENCODED",
            "        TQ1",
            "      RXR",
            "      RXC",
            "    RXD",
            "    RXR",
        ]
    );
    let found: Vec<String> = grammar_findings(&m, m.lean())
        .iter()
        .map(|f| f.to_string())
        .collect();
    assert_eq!(
        found,
        ["E 100 at RXO^1: required segment NTE missing in ORDER_DETAIL_SUPPLEMENT"]
    );
    // The greedy rules put the first RXR at ORDER's own (skipping RXD) and then have no place
    // for the rest of the order.
    let greedy = grammar_findings(&m, &m.lean().with_greedy_tree());
    let unexpected = greedy
        .iter()
        .filter(|f| f.message.contains("not expected"))
        .count();
    assert!(unexpected >= 5, "{greedy:?}");
}

/// On every corpus message (batches included): the placement has no more grammar findings
/// than the greedy one, the same tree when the greedy one is conformant, as many findings as
/// its cost says, and never a segment reported missing and then not expected.
#[test]
fn on_every_corpus_message_no_more_findings_than_greedy_and_conformant_ones_place_alike() {
    let (mut messages, mut conformant, mut changed) = (0, 0, 0);
    let (mut unexpected_before, mut unexpected_after) = (0, 0);
    let (mut findings_before, mut findings_after) = (0, 0);
    let mut problems = Vec::new();
    for (file, text) in crate::common::corpus_messages() {
        let Ok(batch) = hl7_model::er7::Batch::parse(&text) else {
            continue;
        };
        for (n, one) in batch.messages().enumerate() {
            let Ok(m) = Message::parse(one.as_str(), &ParseOptions::default()) else {
                continue;
            };
            messages += 1;
            let name = format!("{} #{}", file.display(), n + 1);
            let greedy_lean = m.lean().with_greedy_tree();
            let after = grammar_findings(&m, m.lean());
            let before = grammar_findings(&m, &greedy_lean);
            let count = |f: &[Finding]| {
                f.iter()
                    .filter(|f| f.message.contains("not expected"))
                    .count()
            };
            unexpected_before += count(&before);
            unexpected_after += count(&after);
            findings_before += before.len();
            findings_after += after.len();
            if after.len() > before.len() {
                problems.push(format!(
                    "{name}: {} findings, greedy {}",
                    after.len(),
                    before.len()
                ));
            }
            if before.is_empty() {
                conformant += 1;
                if m.lean().tree() != greedy_lean.tree() {
                    problems.push(format!("{name}: conformant, placed differently"));
                }
            }
            if m.lean().tree() != greedy_lean.tree() {
                changed += 1;
            }
            let ids = m.lean().segment_ids();
            let cost = m.lean().tree().violations(m.lean().root(), &ids);
            if (cost.unexpected + cost.missing) as usize != after.len() {
                problems.push(format!("{name}: cost {cost:?}, findings {after:?}"));
            }
            if let Some(id) = missing_then_unexpected(&after) {
                problems.push(format!("{name}: {id} reported missing, then not expected"));
            }
        }
    }
    eprintln!(
        "messages={messages} conformant={conformant} placed_differently={changed} \
         not_expected: greedy={unexpected_before} now={unexpected_after} \
         grammar_findings: greedy={findings_before} now={findings_after}"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(
        messages > 400 && conformant > 200,
        "{messages} {conformant}"
    );
    // The search is not a no-op on the corpus.
    assert!(changed > 0 && findings_after < findings_before);
}
