//! The encoding characters of a message (MSH-1, MSH-2) and the nesting levels they separate.

/// The delimiters a message declares in MSH-1 and MSH-2; any characters may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delimiters {
    pub field: char,
    pub component: char,
    pub repetition: char,
    pub escape: char,
    pub subcomponent: char,
    /// The truncation character some 2.7+ messages declare as a fifth encoding character.
    pub truncation: Option<char>,
}

impl Default for Delimiters {
    /// `|^~\&`
    fn default() -> Self {
        Delimiters {
            field: '|',
            component: '^',
            repetition: '~',
            escape: '\\',
            subcomponent: '&',
            truncation: None,
        }
    }
}

/// Where an element sits: a field (its parts split by the component separator), a component
/// (split by the subcomponent separator) or a subcomponent (not split further).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Field,
    Component,
    Subcomponent,
}

impl Level {
    /// The level of this element's parts, if it can have parts.
    pub fn child(self) -> Option<Level> {
        match self {
            Level::Field => Some(Level::Component),
            Level::Component => Some(Level::Subcomponent),
            Level::Subcomponent => None,
        }
    }

    /// The separator between this element's parts.
    pub fn separator(self, d: &Delimiters) -> Option<char> {
        match self {
            Level::Field => Some(d.component),
            Level::Component => Some(d.subcomponent),
            Level::Subcomponent => None,
        }
    }
}

/// Which of the encoding characters a delimiter is, for error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DelimiterRole {
    /// MSH-1.
    Field,
    /// First character of MSH-2.
    Component,
    /// Second character of MSH-2.
    Repetition,
    /// Third character of MSH-2.
    Escape,
    /// Fourth character of MSH-2.
    Subcomponent,
    /// Fifth character of MSH-2 (2.7+).
    Truncation,
}

impl std::fmt::Display for DelimiterRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            DelimiterRole::Field => "field separator",
            DelimiterRole::Component => "component separator",
            DelimiterRole::Repetition => "repetition separator",
            DelimiterRole::Escape => "escape character",
            DelimiterRole::Subcomponent => "subcomponent separator",
            DelimiterRole::Truncation => "truncation character",
        })
    }
}

/// Why a header's MSH-1 / MSH-2 (or FHS / BHS) cannot be used as delimiters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DelimiterError {
    /// The segment does not start with `MSH`, `FHS` or `BHS`.
    #[error("not a header segment: MSH, FHS or BHS expected")]
    NotAHeader,
    /// The segment is just its id: there is no MSH-1.
    #[error("the header ends before its field separator (MSH-1)")]
    MissingFieldSeparator,
    /// MSH-2 is empty.
    #[error("MSH-2 is empty: no encoding characters")]
    MissingEncodingCharacters,
    /// MSH-2 has fewer than the three characters the tokenizer needs.
    #[error(
        "MSH-2 has {found} encoding character(s); at least 3 are needed (component, repetition, escape)"
    )]
    TooFewEncodingCharacters {
        /// How many there are.
        found: usize,
    },
    /// MSH-2 has more than the five characters HL7 defines.
    #[error("MSH-2 has {found} encoding characters; HL7 defines at most 5")]
    TooManyEncodingCharacters {
        /// How many there are.
        found: usize,
    },
    /// A letter, a digit, CR or LF declared as a delimiter.
    #[error("{ch:?} cannot be the {role}: letters, digits, CR and LF are reserved")]
    ReservedCharacter {
        /// The role it was declared for.
        role: DelimiterRole,
        /// The character.
        ch: char,
    },
    /// One character declared for two roles.
    #[error("{ch:?} is declared both as the {first} and as the {second}")]
    DuplicateCharacter {
        /// The character.
        ch: char,
        /// The first role it was declared for.
        first: DelimiterRole,
        /// The second one.
        second: DelimiterRole,
    },
    /// A truncation character without a subcomponent separator (only possible in a
    /// hand-built [`Delimiters`]: in MSH-2 the fifth character always follows the fourth).
    #[error("a truncation character is declared without a subcomponent separator")]
    TruncationWithoutSubcomponent,
}

/// What a header segment declares, as read by [`Delimiters::read_header`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderDelimiters<'a> {
    /// The delimiters to tokenize the message (or batch) with.
    pub delimiters: Delimiters,
    /// MSH-2 exactly as sent.
    pub encoding_characters: &'a str,
    /// MSH-2 held the escape character twice in a row (`^~\\&`) and was read with one: a
    /// backslash escaped once too often by whatever wrote the file, as seen in real samples.
    pub repaired_doubled_escape: bool,
}

impl Delimiters {
    /// The value [`Delimiters::subcomponent`] holds when MSH-2 declares no subcomponent
    /// separator (three encoding characters, `^~\`).
    ///
    /// CR is used because it can never occur inside a segment (it ends one): splitting on it
    /// never splits, so code that splits components by `subcomponent` keeps them whole, which is
    /// what a message without a subcomponent separator means.
    pub const NO_SUBCOMPONENT: char = '\r';

    /// Reads MSH-1 and MSH-2 of a header segment (`MSH`, `FHS` or `BHS`, without its segment
    /// terminator; anything after MSH-2 is ignored).
    ///
    /// ```
    /// use hl7_model::delimiters::Delimiters;
    ///
    /// let d = Delimiters::from_header("MSH|^~\\&|SENDER|").unwrap();
    /// assert_eq!(d, Delimiters::default());
    ///
    /// let custom = Delimiters::from_header("MSH$%#!(|").unwrap();
    /// assert_eq!((custom.field, custom.component, custom.subcomponent), ('$', '%', '('));
    ///
    /// // Three characters: no subcomponent separator.
    /// assert!(!Delimiters::from_header("MSH|^~\\|").unwrap().has_subcomponent());
    /// assert!(Delimiters::from_header("MSH|^~A&|").is_err());
    /// ```
    ///
    /// The rules, which [`Delimiters::read_header`] documents, are the same as the tokenizer's.
    pub fn from_header(segment: &str) -> Result<Delimiters, DelimiterError> {
        Self::read_header(segment).map(|h| h.delimiters)
    }

    /// Reads MSH-1 and MSH-2 of a header segment and says how they were read.
    ///
    /// - MSH-1 is the character right after the segment id; MSH-2 runs from there to the next
    ///   field separator (or the end of the segment).
    /// - MSH-2 must have 3 to 5 characters, taken by position: component, repetition, escape,
    ///   then the optional subcomponent and (2.7+) truncation characters. With 3, there is no
    ///   subcomponent separator ([`Delimiters::NO_SUBCOMPONENT`]). A fifth character is taken as
    ///   the truncation character whatever MSH-12 says. More than 5 is an error: it almost always
    ///   means MSH-1 is missing after MSH-2, and guessing where MSH-2 ends would shift every
    ///   field.
    /// - No character may serve twice, and letters, digits, CR and LF cannot be delimiters.
    /// - One repair: when the escape character is doubled (`^~\\&`) and MSH-2 is invalid as
    ///   sent, it is read with one escape character (`^~\&`), and
    ///   [`HeaderDelimiters::repaired_doubled_escape`] says so.
    pub fn read_header(segment: &str) -> Result<HeaderDelimiters<'_>, DelimiterError> {
        if !segment.get(..3).is_some_and(is_header) {
            return Err(DelimiterError::NotAHeader);
        }
        let rest = &segment[3..];
        let field = rest
            .chars()
            .next()
            .ok_or(DelimiterError::MissingFieldSeparator)?;
        let after = &rest[field.len_utf8()..];
        let encoding = after.split(field).next().unwrap_or_default();
        match Self::from_encoding_characters(field, encoding) {
            Ok(delimiters) => Ok(HeaderDelimiters {
                delimiters,
                encoding_characters: encoding,
                repaired_doubled_escape: false,
            }),
            Err(err) => {
                let mut chars = encoding.chars();
                let (c, r, e, s) = (chars.next(), chars.next(), chars.next(), chars.next());
                if let (Some(c), Some(r), Some(e), Some(s)) = (c, r, e, s)
                    && e == s
                {
                    let mut repaired = String::with_capacity(encoding.len());
                    repaired.extend([c, r, e]);
                    repaired.extend(chars);
                    if let Ok(delimiters) = Self::from_encoding_characters(field, &repaired) {
                        return Ok(HeaderDelimiters {
                            delimiters,
                            encoding_characters: encoding,
                            repaired_doubled_escape: true,
                        });
                    }
                }
                Err(err)
            }
        }
    }

    /// The delimiters a field separator and an MSH-2 value declare (see
    /// [`Delimiters::read_header`] for the rules; no repair is attempted here).
    pub fn from_encoding_characters(
        field: char,
        encoding: &str,
    ) -> Result<Delimiters, DelimiterError> {
        // A bad field separator makes everything after it meaningless: report it first.
        if is_reserved(field) {
            return Err(DelimiterError::ReservedCharacter {
                role: DelimiterRole::Field,
                ch: field,
            });
        }
        let mut chars = encoding.chars();
        let found = encoding.chars().count();
        match found {
            0 => return Err(DelimiterError::MissingEncodingCharacters),
            1 | 2 => return Err(DelimiterError::TooFewEncodingCharacters { found }),
            3..=5 => {}
            _ => return Err(DelimiterError::TooManyEncodingCharacters { found }),
        }
        // Counted above: the first three are there.
        let (Some(component), Some(repetition), Some(escape)) =
            (chars.next(), chars.next(), chars.next())
        else {
            return Err(DelimiterError::TooFewEncodingCharacters { found });
        };
        let d = Delimiters {
            field,
            component,
            repetition,
            escape,
            subcomponent: chars.next().unwrap_or(Self::NO_SUBCOMPONENT),
            truncation: chars.next(),
        };
        d.validate()?;
        Ok(d)
    }

    /// Checks that every declared delimiter is usable and distinct.
    pub fn validate(&self) -> Result<(), DelimiterError> {
        let mut declared: [Option<(DelimiterRole, char)>; 6] = [
            Some((DelimiterRole::Field, self.field)),
            Some((DelimiterRole::Component, self.component)),
            Some((DelimiterRole::Repetition, self.repetition)),
            Some((DelimiterRole::Escape, self.escape)),
            None,
            self.truncation.map(|t| (DelimiterRole::Truncation, t)),
        ];
        if self.has_subcomponent() {
            declared[4] = Some((DelimiterRole::Subcomponent, self.subcomponent));
        } else if self.truncation.is_some() {
            return Err(DelimiterError::TruncationWithoutSubcomponent);
        }
        for (i, &(role, ch)) in declared.iter().flatten().enumerate() {
            if is_reserved(ch) {
                return Err(DelimiterError::ReservedCharacter { role, ch });
            }
            if let Some(&(first, _)) = declared.iter().flatten().take(i).find(|(_, c)| *c == ch) {
                return Err(DelimiterError::DuplicateCharacter {
                    ch,
                    first,
                    second: role,
                });
            }
        }
        Ok(())
    }

    /// Whether MSH-2 declared a subcomponent separator.
    pub fn has_subcomponent(&self) -> bool {
        self.subcomponent != Self::NO_SUBCOMPONENT
    }

    /// Whether every delimiter is an ASCII character. A header whose delimiters are not
    /// cannot be read from its bytes before they are decoded (MSH-18 is found by an ASCII
    /// scan), so an answer is written with the standard ones instead.
    ///
    /// ```
    /// use hl7_model::delimiters::Delimiters;
    /// assert!(Delimiters::default().is_ascii());
    /// assert!(!Delimiters::from_encoding_characters('\u{fffd}', "^~\\&").unwrap().is_ascii());
    /// ```
    pub fn is_ascii(&self) -> bool {
        [self.field, self.component, self.repetition, self.escape]
            .into_iter()
            .chain(self.has_subcomponent().then_some(self.subcomponent))
            .chain(self.truncation)
            .all(|c| c.is_ascii())
    }

    /// MSH-2 as these delimiters are written: `^~\&`, `^~\&#` with a truncation character,
    /// `^~\` without a subcomponent separator.
    ///
    /// ```
    /// use hl7_model::delimiters::Delimiters;
    /// let d = Delimiters { truncation: Some('#'), ..Delimiters::default() };
    /// assert_eq!(d.encoding_characters(), "^~\\&#");
    /// ```
    pub fn encoding_characters(&self) -> String {
        let mut s = String::with_capacity(5);
        s.extend([self.component, self.repetition, self.escape]);
        if self.has_subcomponent() {
            s.push(self.subcomponent);
        }
        s.extend(self.truncation);
        s
    }

    /// Whether `c` is one of the declared delimiters (field, component, repetition, escape,
    /// subcomponent, truncation): the characters that cannot appear unescaped in a value.
    pub fn is_delimiter(&self, c: char) -> bool {
        c == self.field
            || c == self.component
            || c == self.repetition
            || c == self.escape
            || (c == self.subcomponent && self.has_subcomponent())
            || Some(c) == self.truncation
    }
}

fn is_reserved(ch: char) -> bool {
    ch.is_alphanumeric() || ch == '\r' || ch == '\n'
}

/// Header segments (`MSH`, `FHS`, `BHS`): they declare the delimiters, and their first two
/// fields are the delimiters themselves, taken verbatim. The one list of them: the tokenizer,
/// the segment views, paths, JSON and validation all ask here.
pub fn is_header(id: &str) -> bool {
    matches!(id, "MSH" | "FHS" | "BHS")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(header: &str) -> DelimiterError {
        Delimiters::from_header(header).unwrap_err()
    }

    #[test]
    fn reads_four_and_five_characters() {
        assert_eq!(
            Delimiters::from_header("MSH|^~\\&|A").unwrap(),
            Delimiters::default()
        );
        let d = Delimiters::from_header("MSH|^~\\&#|A").unwrap();
        assert_eq!(d.truncation, Some('#'));
        assert_eq!(d.encoding_characters(), "^~\\&#");
        let d = Delimiters::from_header("BHS$%#!(").unwrap();
        assert_eq!(
            (d.field, d.component, d.repetition, d.escape, d.subcomponent),
            ('$', '%', '#', '!', '(')
        );
    }

    #[test]
    fn three_characters_declare_no_subcomponent() {
        let d = Delimiters::from_header("MSH|^~\\|").unwrap();
        assert!(!d.has_subcomponent());
        assert_eq!(d.subcomponent, Delimiters::NO_SUBCOMPONENT);
        assert_eq!(d.encoding_characters(), "^~\\");
        assert!(!d.is_delimiter('&'));
        assert!(!d.is_delimiter('\r'));
        // Read by position, even when the sender meant something else.
        let d = Delimiters::from_header("MSH|^~&|").unwrap();
        assert_eq!(d.escape, '&');
    }

    #[test]
    fn rejects_unusable_headers() {
        assert_eq!(err("PID|1"), DelimiterError::NotAHeader);
        assert_eq!(err("MS"), DelimiterError::NotAHeader);
        assert_eq!(err("MSH"), DelimiterError::MissingFieldSeparator);
        assert_eq!(err("MSH|"), DelimiterError::MissingEncodingCharacters);
        assert_eq!(err("MSH||A"), DelimiterError::MissingEncodingCharacters);
        assert_eq!(
            err("MSH|^~|"),
            DelimiterError::TooFewEncodingCharacters { found: 2 }
        );
        assert_eq!(
            err("MSH|^~\\&#$|"),
            DelimiterError::TooManyEncodingCharacters { found: 6 }
        );
        assert_eq!(
            err("MSH|^~\\&SENDER|"),
            DelimiterError::TooManyEncodingCharacters { found: 10 }
        );
        assert_eq!(
            err("MSH|0000|"),
            DelimiterError::ReservedCharacter {
                role: DelimiterRole::Component,
                ch: '0'
            }
        );
        assert_eq!(
            err("MSHH0"),
            DelimiterError::ReservedCharacter {
                role: DelimiterRole::Field,
                ch: 'H'
            }
        );
        assert_eq!(
            err("MSH|^~\\é|"),
            DelimiterError::ReservedCharacter {
                role: DelimiterRole::Subcomponent,
                ch: 'é'
            }
        );
        assert_eq!(
            err("MSH|^~^&|"),
            DelimiterError::DuplicateCharacter {
                ch: '^',
                first: DelimiterRole::Component,
                second: DelimiterRole::Escape
            }
        );
        assert_eq!(
            err("MSH|^|\\&|"),
            DelimiterError::TooFewEncodingCharacters { found: 1 }
        );
        assert_eq!(err("MSH^^~\\&"), DelimiterError::MissingEncodingCharacters);
        assert_eq!(
            err("MSH|^~A&").to_string(),
            "'A' cannot be the escape character: letters, digits, CR and LF are reserved"
        );
    }

    #[test]
    fn doubled_escape_is_repaired_only_when_needed() {
        let h = Delimiters::read_header("MSH|^~\\\\&|A").unwrap();
        assert!(h.repaired_doubled_escape);
        assert_eq!(h.encoding_characters, "^~\\\\&");
        assert_eq!(h.delimiters, Delimiters::default());
        let h = Delimiters::read_header("MSH|^~\\\\|A").unwrap();
        assert!(h.repaired_doubled_escape);
        assert!(!h.delimiters.has_subcomponent());
        // Strict construction does not repair.
        assert!(Delimiters::from_encoding_characters('|', "^~\\\\&").is_err());
        let h = Delimiters::read_header("MSH|^~\\&|A").unwrap();
        assert!(!h.repaired_doubled_escape);
    }

    #[test]
    fn validate_hand_built_delimiters() {
        assert_eq!(Delimiters::default().validate(), Ok(()));
        let d = Delimiters {
            subcomponent: Delimiters::NO_SUBCOMPONENT,
            truncation: Some('#'),
            ..Delimiters::default()
        };
        assert_eq!(
            d.validate(),
            Err(DelimiterError::TruncationWithoutSubcomponent)
        );
        let d = Delimiters {
            truncation: Some('|'),
            ..Delimiters::default()
        };
        assert!(matches!(
            d.validate(),
            Err(DelimiterError::DuplicateCharacter { ch: '|', .. })
        ));
        let d = Delimiters {
            field: '\n',
            ..Delimiters::default()
        };
        assert!(matches!(
            d.validate(),
            Err(DelimiterError::ReservedCharacter { .. })
        ));
    }
}
