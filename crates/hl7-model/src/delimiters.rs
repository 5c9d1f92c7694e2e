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
