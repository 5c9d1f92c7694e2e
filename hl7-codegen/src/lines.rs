//! Source lines of YAML nodes, so that the checker can say "segments.yaml:412" rather than
//! "somewhere in PID". serde forgets positions; this walks the same text with a marked event
//! parser and records where every mapping key and sequence entry starts. It also finds
//! duplicate mapping keys, which serde would silently collapse.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

const SEP: char = '\u{1f}';

/// Line numbers (1-based) of the nodes of one YAML document, addressed by path: mapping keys
/// and sequence indices from the root, e.g. `["PID", "fields", "2", "type"]`.
#[derive(Debug, Default, Clone)]
pub struct LineIndex {
    lines: HashMap<String, usize>,
    /// Keys that occur twice in one mapping: (path of the second occurrence, its line).
    pub duplicate_keys: Vec<(Vec<String>, usize)>,
}

impl LineIndex {
    /// Indexes `text`. Text that is not valid YAML yields an empty index; the serde load
    /// reports that error with its own position.
    pub fn new(text: &str) -> Self {
        let mut walker = Walker::default();
        let mut parser = Parser::new_from_str(text);
        if parser.load(&mut walker, false).is_err() {
            return LineIndex::default();
        }
        LineIndex {
            lines: walker.lines,
            duplicate_keys: walker.duplicates,
        }
    }

    /// Line of the node at `path`, or of its nearest indexed ancestor.
    pub fn line<S: AsRef<str>>(&self, path: &[S]) -> Option<usize> {
        let mut path: Vec<&str> = path.iter().map(AsRef::as_ref).collect();
        loop {
            if let Some(&l) = self.lines.get(&path.join(&SEP.to_string())) {
                return Some(l);
            }
            path.pop()?;
        }
    }
}

enum Frame {
    /// A mapping: the keys seen so far and whether the next scalar is a key.
    Map {
        keys: Vec<String>,
        expect_key: bool,
        current: Option<String>,
    },
    Seq {
        next: usize,
    },
}

#[derive(Default)]
struct Walker {
    stack: Vec<Frame>,
    path: Vec<String>,
    lines: HashMap<String, usize>,
    duplicates: Vec<(Vec<String>, usize)>,
}

impl Walker {
    /// Called at the start of every value node; returns true when the node is a mapping key.
    fn enter_node(&mut self, key_text: Option<&str>, line: usize) -> bool {
        match self.stack.last_mut() {
            Some(Frame::Map {
                keys,
                expect_key,
                current,
            }) if *expect_key => {
                let key = key_text.unwrap_or("").to_owned();
                let mut p = self.path.clone();
                p.push(key.clone());
                let joined = p.join(&SEP.to_string());
                if keys.contains(&key) {
                    // serde keeps the last definition, so lines must point into it.
                    self.duplicates.push((p.clone(), line));
                    let prefix = format!("{joined}{SEP}");
                    self.lines.retain(|k, _| !k.starts_with(&prefix));
                } else {
                    keys.push(key.clone());
                }
                self.lines.insert(joined, line);
                *current = Some(key);
                *expect_key = false;
                true
            }
            Some(Frame::Map {
                current,
                expect_key,
                ..
            }) => {
                *expect_key = true;
                self.path.push(current.take().unwrap_or_default());
                false
            }
            Some(Frame::Seq { next }) => {
                self.path.push(next.to_string());
                *next += 1;
                self.lines
                    .entry(self.path.join(&SEP.to_string()))
                    .or_insert(line);
                false
            }
            None => false,
        }
    }

    /// Called at the end of every value node (scalar, alias, or collection end).
    fn leave_value(&mut self) {
        if matches!(
            self.stack.last(),
            Some(Frame::Map { .. } | Frame::Seq { .. })
        ) {
            self.path.pop();
        }
    }
}

impl MarkedEventReceiver for Walker {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        let line = mark.line();
        match ev {
            Event::Scalar(..) | Event::Alias(_) => {
                let text = match &ev {
                    Event::Scalar(text, ..) => Some(text.as_str()),
                    _ => None,
                };
                let is_key = self.enter_node(text, line);
                if !is_key {
                    self.leave_value();
                }
            }
            Event::MappingStart(..) => {
                self.enter_node(None, line);
                self.stack.push(Frame::Map {
                    keys: Vec::new(),
                    expect_key: true,
                    current: None,
                });
            }
            Event::SequenceStart(..) => {
                self.enter_node(None, line);
                self.stack.push(Frame::Seq { next: 0 });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
                self.leave_value();
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::LineIndex;

    #[test]
    fn finds_lines_of_keys_and_entries() {
        let text = "PID:\n  name: Patient\n  fields:\n    - { seq: 1, type: SI }\n    - { seq: 2, type: CX }\nMSH:\n  name: Header\n";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line(&["PID"]), Some(1));
        assert_eq!(idx.line(&["PID", "name"]), Some(2));
        assert_eq!(idx.line(&["PID", "fields", "1"]), Some(5));
        assert_eq!(idx.line(&["PID", "fields", "1", "type"]), Some(5));
        assert_eq!(idx.line(&["MSH", "name"]), Some(7));
        assert_eq!(idx.line(&["MSH", "nothing", "here"]), Some(6));
        assert!(idx.duplicate_keys.is_empty());
    }

    #[test]
    fn reports_duplicate_keys() {
        let idx = LineIndex::new("A: 1\nB: 2\nA: 3\n");
        assert_eq!(idx.duplicate_keys, vec![(vec!["A".to_owned()], 3)]);
    }
}
