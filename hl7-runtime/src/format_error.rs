//! Why a primitive's wire text does not follow its datatype's format.
//!
//! Typed views ([`crate::temporal`], [`crate::number`]) report bad text with this error rather
//! than failing the message: the text itself is kept as sent, and a validator can turn the error
//! into an HL7 error 102 (data type error) at the field's location.

use crate::temporal::Precision;

/// A primitive's text that does not follow its datatype's format, or a typed value a constructor
/// cannot represent.
///
/// ```
/// use hl7_model::format_error::FormatErrorKind;
/// use hl7_model::temporal::DateTime;
///
/// let err = "20230229".parse::<DateTime>().unwrap_err();
/// assert_eq!(err.datatype(), "DTM");
/// assert_eq!(err.text(), "20230229");
/// assert_eq!(*err.kind(), FormatErrorKind::DayOutOfRange { year: 2023, month: 2, day: 29 });
/// assert_eq!(
///     err.to_string(),
///     "invalid DTM \"20230229\": day 29 does not exist in 2023-02"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {datatype} {text:?}: {kind}")]
pub struct FormatError {
    datatype: &'static str,
    kind: FormatErrorKind,
    text: String,
}

impl FormatError {
    /// An error of `kind` in `text`, which was meant to be of HL7 datatype `datatype` (`"DTM"`,
    /// `"NM"` …).
    pub fn new(datatype: &'static str, kind: FormatErrorKind, text: impl Into<String>) -> Self {
        FormatError {
            datatype,
            kind,
            text: text.into(),
        }
    }

    /// The HL7 datatype the text was read as: `"DT"`, `"TM"`, `"DTM"`, `"NM"` or `"SI"`.
    pub fn datatype(&self) -> &'static str {
        self.datatype
    }

    /// What is wrong.
    pub fn kind(&self) -> &FormatErrorKind {
        &self.kind
    }

    /// The offending text: the wire text for a parse, or the HL7 rendering of the rejected
    /// values for a constructor.
    pub fn text(&self) -> &str {
        &self.text
    }
}

/// What is wrong with a primitive's text. Positions are 0-based character positions.
///
/// It derives `Error` for its message only: a [`FormatError`] shows it, and does not give it as
/// its `source()`, so that reports do not print it twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FormatErrorKind {
    /// The text is empty.
    #[error("the value is empty")]
    Empty,
    /// A character the format does not allow at this place.
    #[error("unexpected {found:?} at position {position}")]
    UnexpectedChar { position: usize, found: char },
    /// A number of digits the format does not allow; `expected` says which are allowed.
    #[error("{digits} digits where the format allows {expected}")]
    BadLength {
        digits: usize,
        expected: &'static str,
    },
    /// An NM with a sign or decimal point but no digit.
    #[error("a number needs at least one digit")]
    NoDigits,
    /// Fractional seconds after a time that stops before the seconds.
    #[error("fractional seconds are only allowed after the seconds")]
    FractionWithoutSeconds,
    /// A fraction of a second with no digit or more than four.
    #[error("{digits} digits of fractional seconds where the format allows 1 to 4")]
    BadFractionLength { digits: usize },
    /// A time zone offset other than four digits after its sign.
    #[error("a time zone offset of {digits} digits where the format needs 4 (+/-HHMM)")]
    BadOffsetLength { digits: usize },
    /// A time zone offset beyond 14 hours or with 60 minutes or more.
    #[error("time zone offset {hours:02}{minutes:02} is out of range (hours 00-14, minutes 00-59)")]
    OffsetOutOfRange { hours: u16, minutes: u16 },
    /// A year beyond the four digits HL7 gives it.
    #[error("year {0} is out of range (0000-9999)")]
    YearOutOfRange(u16),
    /// A month other than 01 to 12.
    #[error("month {0:02} is out of range (01-12)")]
    MonthOutOfRange(u8),
    /// A day that the month does not have in that year.
    #[error("day {day:02} does not exist in {year:04}-{month:02}")]
    DayOutOfRange { year: u16, month: u8, day: u8 },
    /// An hour other than 00 to 23.
    #[error("hour {0:02} is out of range (00-23)")]
    HourOutOfRange(u8),
    /// A minute other than 00 to 59.
    #[error("minute {0:02} is out of range (00-59)")]
    MinuteOutOfRange(u8),
    /// A second other than 00 to 59.
    #[error("second {0:02} is out of range (00-59)")]
    SecondOutOfRange(u8),
    /// Fractional seconds of 10 000 ten-thousandths or more.
    #[error("fraction {0} is out of range (0-9999 ten-thousandths of a second)")]
    FractionOutOfRange(u16),
    /// A precision the type cannot carry (a date to the hour, a time to the day).
    #[error("a precision of {0} is not allowed here")]
    PrecisionNotAllowed(Precision),
    /// A time given to a date that does not reach the day.
    #[error("a time of day needs a date given to the day")]
    TimeWithoutDay,
    /// A value above the datatype's maximum.
    #[error("the value is above the maximum {max}")]
    TooLarge { max: u32 },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_datatype_text_and_problem() {
        let e = FormatError::new(
            "NM",
            FormatErrorKind::UnexpectedChar {
                position: 1,
                found: 'e',
            },
            "1e5",
        );
        assert_eq!(
            e.to_string(),
            "invalid NM \"1e5\": unexpected 'e' at position 1"
        );
        let e = FormatError::new("TM", FormatErrorKind::HourOutOfRange(24), "2400");
        assert_eq!(
            e.to_string(),
            "invalid TM \"2400\": hour 24 is out of range (00-23)"
        );
    }
}
