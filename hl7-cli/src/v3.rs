//! `hl7 v3 FILE PATH…`: the HL7 v3 form (R1 XML ITS) of what each path names, with what the
//! mapping did not carry ([`hl7_v3::map`]).
//!
//! For each message and path: a `# PATH: V2TYPE → V3TYPE` line, the XML (an element named
//! `value`, its type in `xsi:type`), then one `loss: …` line per loss. A path names a field
//! repetition (`PID-5`, `PID-3(1)`, `OBX(0)-5`, whose type OBX-2 gives) or a component
//! (`PID-3-4`); its datatype comes from the message's version.

use std::io::{self, Write};
use std::path::Path;

use hl7_model::delimiters::Delimiters;
use hl7_model::descriptor::{DatatypeDesc, VersionDesc};
use hl7_model::message::Message;
use hl7_model::path::TerserPath;
use hl7_model::view::SegmentView;
use hl7_v3::datatypes::AnyValue;
use hl7_v3::map::{self, MapOptions, V2Value};
use hl7_v3::{DataType, Nullable};

use crate::{Input, Run, inputs, parse_messages};

/// The segment id, field and component a path's last step names: `OBX(0)-5` → `(OBX, 5,
/// None)`, `PID-3-4` → `(PID, 3, Some(4))`.
fn target(path: &str) -> Option<(String, usize, Option<usize>)> {
    let last = path.rsplit('/').next()?;
    let mut parts = last.split('-');
    let seg: String = parts
        .next()?
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    let num = |s: &str| -> Option<usize> {
        s.chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .ok()
    };
    let field = num(parts.next()?)?;
    let component = match parts.next() {
        Some(c) => Some(num(c)?),
        None => None,
    };
    if parts.next().is_some() {
        return None;
    }
    Some((seg.to_ascii_uppercase(), field, component))
}

/// The datatype id of what the path names, and its definition when composite.
fn datatype(
    m: &Message,
    path: &str,
    (seg, field, component): &(String, usize, Option<usize>),
) -> Option<(String, Option<&'static DatatypeDesc>)> {
    let version: &'static VersionDesc = m.version();
    let desc = version.segments.iter().find(|s| s.id == seg)?;
    let f = desc.fields.iter().find(|f| f.seq as usize == *field)?;
    let mut dt = f.datatype.to_owned();
    if seg == "OBX" && *field == 5 {
        // OBX-5 is of the type OBX-2 names, in the same segment.
        let obx2 = path.rsplit_once('-').map(|(head, _)| format!("{head}-2"))?;
        if let Ok(Some(t)) = m.get(&obx2)
            && !t.is_empty()
        {
            dt = t;
        }
    }
    let mut comp = version.datatypes.iter().find(|d| d.id == dt);
    if let Some(c) = component {
        let e = comp?.components.get(c - 1)?;
        dt = e.datatype.to_owned();
        comp = e.composite;
    }
    Some((dt, comp))
}

fn v3_type(v: &Nullable<AnyValue>) -> String {
    match v {
        Nullable::Null { flavor, .. } => format!("null ({flavor})"),
        Nullable::Value(a) => {
            let mut el = hl7_v3::xml::Element::new("value");
            match a.write_to(&mut el) {
                Ok(()) => el.xsi_type.unwrap_or_default(),
                Err(_) => String::new(),
            }
        }
    }
}

/// The lines printed for one path of one message.
fn one(m: &Message, path: &str) -> Result<Vec<String>, String> {
    let t = target(path).ok_or_else(|| format!("{path}: not a field or component path"))?;
    let wire = m
        .get_er7(path)
        .map_err(|e| e.to_string())?
        .unwrap_or_default();
    let (dt, desc) =
        datatype(m, path, &t).ok_or_else(|| format!("{path}: no datatype in this version"))?;
    let d: Delimiters = *m.lean().delimiters();
    // A component's subcomponents are read as the components of a value of its type.
    let text = if t.2.is_some() {
        wire.replace(d.subcomponent, &d.component.to_string())
    } else {
        wire
    };
    let segment = format!("ZZZ{}{text}", d.field);
    let s = SegmentView::new(&segment, &d);
    let rep = s.field(1).first();
    let value = match desc {
        Some(c) => V2Value::with_desc(hl7_model::typed::Piece::new(rep, &d), c),
        None => V2Value::new(rep, &d, &dt),
    };
    let opts = MapOptions::default();
    let coded = matches!(dt.as_str(), "CE" | "CWE" | "CNE" | "CF");
    // A numeric OBX-5 and its OBX-6 units are one physical quantity.
    let units_path = (t.0 == "OBX" && t.1 == 5 && t.2.is_none() && dt == "NM")
        .then(|| path.rsplit_once('-').map(|(head, _)| format!("{head}-6")))
        .flatten();
    let units_text = match &units_path {
        Some(p) => m.get_er7(p).map_err(|e| e.to_string())?,
        None => None,
    };
    let (xml, v3, losses) = if let Some(units_text) = &units_text {
        let useg = format!("ZZZ{}{units_text}", d.field);
        let us = SegmentView::new(&useg, &d);
        let udt = datatype(
            m,
            units_path.as_deref().unwrap_or_default(),
            &(t.0.clone(), 6, None),
        );
        let units = match udt {
            Some((_, Some(c))) => {
                V2Value::with_desc(hl7_model::typed::Piece::new(us.field(1).first(), &d), c)
            }
            _ => V2Value::new(us.field(1).first(), &d, "CE"),
        };
        let r = map::quantity(&value, Some(&units), &opts).map_err(|e| format!("{path}: {e}"))?;
        let xml = match &r.value {
            Some(Nullable::Value(pq)) => Some(hl7_v3::to_xml(
                "value",
                &Nullable::Value(AnyValue::PQ(pq.clone())),
            )),
            Some(null) => Some(hl7_v3::to_xml("value", null)),
            None => None,
        }
        .transpose()
        .map_err(|e| e.to_string())?;
        (xml, "PQ (with OBX-6)".to_owned(), r.losses)
    } else if matches!(dt.as_str(), "XCN" | "CN" | "XON") {
        // A practitioner or organisation: the name, and the identifier that goes beside it.
        let r = map::to_v3_entity(&value, &opts).map_err(|e| format!("{path}: {e}"))?;
        let mut parts = Vec::new();
        let mut types = Vec::new();
        if let Some(e) = &r.value {
            if let Some(n) = &e.name {
                // The element's own type, without an xsi:type.
                let xml = match n {
                    Nullable::Value(AnyValue::PN(pn)) => {
                        hl7_v3::to_xml("name", &Nullable::Value(pn.clone()))
                    }
                    Nullable::Value(AnyValue::ON(on)) => {
                        hl7_v3::to_xml("name", &Nullable::Value(on.clone()))
                    }
                    other => hl7_v3::to_xml("name", other),
                };
                parts.push(xml.map_err(|e| e.to_string())?);
                types.push(v3_type(n));
            }
            if let Some(id) = &e.id {
                parts.push(hl7_v3::to_xml("id", id).map_err(|e| e.to_string())?);
                types.push("II".to_owned());
            }
        }
        let xml = (!parts.is_empty()).then(|| parts.join("\n"));
        (xml, types.join(" + "), r.losses)
    } else if coded {
        // A text-only code keeps its text in the null's originalText.
        let r = map::to_cd(&value, &opts).map_err(|e| format!("{path}: {e}"))?;
        let xml = match &r.value {
            // A value as the others, with its xsi:type; a null keeps its original text.
            Some(Nullable::Value(cd)) => Some(hl7_v3::to_xml(
                "value",
                &Nullable::Value(AnyValue::CD(cd.clone())),
            )),
            Some(null) => Some(hl7_v3::to_xml("value", null)),
            None => None,
        }
        .transpose()
        .map_err(|e| e.to_string())?;
        let ty = match &r.value {
            Some(Nullable::Null { flavor, .. }) => format!("null ({flavor})"),
            _ => "CD".to_owned(),
        };
        (xml, ty, r.losses)
    } else {
        let r = map::to_v3(&value, &opts).map_err(|e| format!("{path}: {e}"))?;
        let xml = match &r.value {
            Some(v) => Some(hl7_v3::to_xml("value", v).map_err(|e| e.to_string())?),
            None => None,
        };
        let ty = r.value.as_ref().map(v3_type).unwrap_or_default();
        (xml, ty, r.losses)
    };
    let mut lines = match xml {
        Some(x) => vec![format!("# {path}: {dt} → {v3}"), x],
        None => vec![format!("# {path}: {dt}, absent")],
    };
    lines.extend(losses.iter().map(|l| format!("loss: {l}")));
    Ok(lines)
}

/// Runs `hl7 v3 FILE PATH…`.
pub fn run(run: &mut Run, file: &Path, paths: &[String], out: &mut impl Write) -> io::Result<()> {
    for p in paths {
        if let Err(e) = p.parse::<TerserPath>() {
            run.error("PATH", e);
            return Ok(());
        }
    }
    let inputs: Vec<Input> = inputs(run, std::slice::from_ref(&file.to_path_buf())).collect();
    for input in &inputs {
        let Some(messages) = parse_messages(run, input) else {
            continue;
        };
        let several = messages.len() > 1;
        for (index, m) in &messages {
            if several {
                writeln!(out, "## message {index}")?;
            }
            for p in paths {
                match one(m, p) {
                    Ok(lines) => {
                        for l in lines {
                            writeln!(out, "{l}")?;
                        }
                    }
                    Err(e) => run.error(&input.name, format_args!("message {index}: {e}")),
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::target;

    #[test]
    fn targets() {
        assert_eq!(target("PID-5"), Some(("PID".into(), 5, None)));
        assert_eq!(target("OBX(0)-5"), Some(("OBX".into(), 5, None)));
        assert_eq!(target("PID-3(1)-4"), Some(("PID".into(), 3, Some(4))));
        assert_eq!(
            target("/PATIENT_RESULT/ORDER_OBSERVATION/OBX[2]-5"),
            Some(("OBX".into(), 5, None))
        );
        assert_eq!(target("PID"), None);
        assert_eq!(target("PID-3-4-1"), None);
    }
}
