//! HL7 dates and times (DT, TM, DTM and the first component of TS) with the precision they were
//! sent at.
//!
//! HL7 makes the number of digits sent the precision of the value: `2024` is a year, `202403` a
//! month, `20240315083000` a second. [`Date`], [`Time`] and [`DateTime`] keep that precision and
//! write back exactly the digits they were read from, so that a typed view never claims more
//! than the sender knew. The formats (HL7 v2.5 chapter 2A, unchanged since):
//!
//! | type | format |
//! |---|---|
//! | DT | `YYYY[MM[DD]]` |
//! | TM | `HH[MM[SS[.S[S[S[S]]]]]][+/-ZZZZ]` |
//! | DTM, TS.1 | `YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]` |
//!
//! Choices where the standard leaves room:
//! - Before v2.3 (TM) and v2.5 (TS) the hour had to come with its minutes (`HHMM`). The later
//!   formats are a superset of the older ones, so one parser reads every version.
//! - Seconds run 00-59 and a text with second 60 is an error: HL7 defines no leap second, and
//!   `60` would be one only at the last minute of a UTC day, which a local time with an offset
//!   cannot show reliably. An hour of 24 is an error too: HL7 writes midnight as `0000`.
//! - `+0000` and `-0000` both mean UTC (the standard says so); the typed value keeps an offset of
//!   0 and writes `+0000`. The wire text is kept as sent elsewhere, so nothing is lost.
//! - The offset stands outside every bracket of the DTM format, so it may follow any precision,
//!   even a year (`2024+0100`). A DT has no offset.
//! - At most four fractional digits, as the format says; senders that send more (`.123456`) get
//!   an error rather than a silently shortened value.
//! - Years are 0000-9999 in the proleptic Gregorian calendar (leap years every 4 years, except
//!   centuries not divisible by 400).
//!
//! The views' readings use these: [`crate::typed::Dt::date`], [`crate::typed::Tm::time`],
//! [`crate::typed::Dtm::datetime`]; `to_hl7` gives the text to write by path.

use std::fmt;
use std::str::FromStr;

use crate::format_error::{FormatError, FormatErrorKind};

/// How much of a date or time was given, coarsest first. HL7 takes it from the number of digits
/// sent; the four finest are fractions of a second with 1 to 4 digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Precision {
    /// `YYYY`
    Year,
    /// `YYYYMM`
    Month,
    /// `YYYYMMDD`
    Day,
    /// `HH`, after the date in a DTM.
    Hour,
    /// `HHMM`
    Minute,
    /// `HHMMSS`
    Second,
    /// One fractional digit (`.S`).
    TenthSecond,
    /// Two fractional digits (`.SS`).
    HundredthSecond,
    /// Three fractional digits (`.SSS`).
    ThousandthSecond,
    /// Four fractional digits (`.SSSS`), the finest HL7 allows.
    TenThousandthSecond,
}

impl Precision {
    /// The number of fractional digits of a second this precision writes: 0 down to seconds,
    /// then 1 to 4.
    pub const fn fraction_digits(self) -> u8 {
        match self {
            Precision::TenthSecond => 1,
            Precision::HundredthSecond => 2,
            Precision::ThousandthSecond => 3,
            Precision::TenThousandthSecond => 4,
            _ => 0,
        }
    }

    /// The precision of `digits` fractional digits of a second (1 to 4).
    pub const fn from_fraction_digits(digits: u8) -> Option<Precision> {
        match digits {
            1 => Some(Precision::TenthSecond),
            2 => Some(Precision::HundredthSecond),
            3 => Some(Precision::ThousandthSecond),
            4 => Some(Precision::TenThousandthSecond),
            _ => None,
        }
    }

    /// The ten-thousandths of a second one unit of the last fractional digit is worth (1 000
    /// for a tenth); 10 000 when there is no fraction.
    const fn fraction_step(self) -> u16 {
        match self.fraction_digits() {
            1 => 1000,
            2 => 100,
            3 => 10,
            4 => 1,
            _ => 10_000,
        }
    }
}

impl fmt::Display for Precision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Precision::Year => "year",
            Precision::Month => "month",
            Precision::Day => "day",
            Precision::Hour => "hour",
            Precision::Minute => "minute",
            Precision::Second => "second",
            Precision::TenthSecond => "1/10 second",
            Precision::HundredthSecond => "1/100 second",
            Precision::ThousandthSecond => "1/1000 second",
            Precision::TenThousandthSecond => "1/10000 second",
        })
    }
}

/// Whether `year` has a 29th of February (proleptic Gregorian calendar).
pub const fn is_leap_year(year: u16) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

/// The number of days of `month` (1-12) in `year`; 0 for a month out of range.
pub const fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// The largest UTC offset HL7 accepts, in whole hours (real zones reach +14:00).
const MAX_OFFSET_HOURS: u16 = 14;

// ---------------------------------------------------------------------------------------------
// Date

/// A DT: a calendar date to the year, month or day.
///
/// ```
/// use hl7_model::temporal::{Date, Precision};
///
/// let d: Date = "202402".parse().unwrap();
/// assert_eq!((d.year(), d.month(), d.day()), (2024, Some(2), None));
/// assert_eq!(d.precision(), Precision::Month);
/// assert_eq!(d.to_hl7(), "202402");
///
/// assert!("20230229".parse::<Date>().is_err()); // 2023 is not a leap year
/// assert_eq!(Date::from_ymd(2024, 2, 29).unwrap().to_string(), "20240229");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Date {
    year: u16,
    // Below the precision these hold 1, so that equal values compare and hash equal.
    month: u8,
    day: u8,
    precision: Precision,
}

impl Date {
    /// The date `year`-`month`-`day` given to `precision` (year, month or day). Values finer
    /// than the precision are ignored: `Date::new(2024, 0, 0, Precision::Year)` is the year
    /// 2024.
    pub fn new(year: u16, month: u8, day: u8, precision: Precision) -> Result<Date, FormatError> {
        let fail =
            |kind| FormatError::new("DT", kind, render_date_digits(year, month, day, precision));
        if precision > Precision::Day {
            return Err(fail(FormatErrorKind::PrecisionNotAllowed(precision)));
        }
        if year > 9999 {
            return Err(fail(FormatErrorKind::YearOutOfRange(year)));
        }
        let d = Date {
            year,
            month,
            day,
            precision,
        }
        .truncated(precision);
        check_month_day(d.year, d.month, d.day).map_err(fail)?;
        Ok(d)
    }

    /// The date to the day.
    pub fn from_ymd(year: u16, month: u8, day: u8) -> Result<Date, FormatError> {
        Date::new(year, month, day, Precision::Day)
    }

    /// The date to the month.
    pub fn from_ym(year: u16, month: u8) -> Result<Date, FormatError> {
        Date::new(year, month, 1, Precision::Month)
    }

    /// The date to the year.
    pub fn from_year(year: u16) -> Result<Date, FormatError> {
        Date::new(year, 1, 1, Precision::Year)
    }

    /// Reads a DT, `YYYY[MM[DD]]`.
    pub fn parse(s: &str) -> Result<Date, FormatError> {
        let raw = scan(s, false).map_err(|k| FormatError::new("DT", k, s))?;
        date_from_digits(raw.main, DT_LENGTHS).map_err(|k| FormatError::new("DT", k, s))
    }

    /// The year (0-9999).
    pub fn year(&self) -> u16 {
        self.year
    }

    /// The month (1-12), when the precision reaches it.
    pub fn month(&self) -> Option<u8> {
        (self.precision >= Precision::Month).then_some(self.month)
    }

    /// The day of the month (1-31), when the precision reaches it.
    pub fn day(&self) -> Option<u8> {
        (self.precision >= Precision::Day).then_some(self.day)
    }

    /// Year, month or day.
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// The same date to another precision (year, month or day). A coarser one drops the finer
    /// parts; a finer one fills them with 01, which claims more than the date knew, so use it
    /// only when that is what the receiver needs.
    pub fn with_precision(self, precision: Precision) -> Result<Date, FormatError> {
        if precision > Precision::Day {
            return Err(FormatError::new(
                "DT",
                FormatErrorKind::PrecisionNotAllowed(precision),
                self.to_hl7(),
            ));
        }
        Ok(self.truncated(precision))
    }

    /// The canonical HL7 text, at this date's precision.
    pub fn to_hl7(&self) -> String {
        self.to_string()
    }

    /// Resets the parts finer than `precision`; coarser parts are kept, so a valid date stays
    /// valid.
    fn truncated(mut self, precision: Precision) -> Date {
        if precision < Precision::Month {
            self.month = 1;
        }
        if precision < Precision::Day {
            self.day = 1;
        }
        self.precision = precision.min(Precision::Day);
        self
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        if self.precision >= Precision::Month {
            write!(f, "{:02}", self.month)?;
        }
        if self.precision >= Precision::Day {
            write!(f, "{:02}", self.day)?;
        }
        Ok(())
    }
}

impl FromStr for Date {
    type Err = FormatError;
    fn from_str(s: &str) -> Result<Date, FormatError> {
        Date::parse(s)
    }
}

// ---------------------------------------------------------------------------------------------
// Time

/// A TM: a time of day to the hour, minute, second or 1 to 4 fractional digits of a second,
/// with an optional offset from UTC. Without an offset it is the sender's local time (or the
/// zone of MSH-7, as HL7 says).
///
/// ```
/// use hl7_model::temporal::{Precision, Time};
///
/// let t: Time = "093544.2312-0500".parse().unwrap();
/// assert_eq!((t.hour(), t.minute(), t.second()), (9, Some(35), Some(44)));
/// assert_eq!(t.ten_thousandths(), Some(2312));
/// assert_eq!(t.precision(), Precision::TenThousandthSecond);
/// assert_eq!(t.offset_minutes(), Some(-300));
/// assert_eq!(t.to_hl7(), "093544.2312-0500");
///
/// let built = Time::from_hm(8, 0).unwrap().with_offset_minutes(60).unwrap();
/// assert_eq!(built.to_string(), "0800+0100");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Time {
    hour: u8,
    // Below the precision these hold 0, so that equal values compare and hash equal.
    minute: u8,
    second: u8,
    /// Ten-thousandths of a second, a multiple of the precision's last digit.
    fraction: u16,
    precision: Precision,
    offset: Option<i16>,
}

impl Time {
    /// The time `hour`:`minute`:`second` plus `ten_thousandths` of a second, given to
    /// `precision` (hour or finer), without an offset.
    ///
    /// Values finer than the precision are ignored; the fraction is cut (not rounded, which
    /// could carry into the seconds) to the precision's digits: 1234 ten-thousandths to
    /// [`Precision::TenthSecond`] is `.1`.
    pub fn new(
        hour: u8,
        minute: u8,
        second: u8,
        ten_thousandths: u16,
        precision: Precision,
    ) -> Result<Time, FormatError> {
        let fail = |kind| {
            FormatError::new(
                "TM",
                kind,
                render_time_digits(hour, minute, second, ten_thousandths, precision),
            )
        };
        if precision < Precision::Hour {
            return Err(fail(FormatErrorKind::PrecisionNotAllowed(precision)));
        }
        if precision.fraction_digits() > 0 && ten_thousandths > 9999 {
            return Err(fail(FormatErrorKind::FractionOutOfRange(ten_thousandths)));
        }
        let t = Time {
            hour,
            minute,
            second,
            fraction: ten_thousandths,
            precision,
            offset: None,
        }
        .truncated(precision);
        check_clock(t.hour, t.minute, t.second).map_err(fail)?;
        Ok(t)
    }

    /// The time to the minute.
    pub fn from_hm(hour: u8, minute: u8) -> Result<Time, FormatError> {
        Time::new(hour, minute, 0, 0, Precision::Minute)
    }

    /// The time to the second.
    pub fn from_hms(hour: u8, minute: u8, second: u8) -> Result<Time, FormatError> {
        Time::new(hour, minute, second, 0, Precision::Second)
    }

    /// Reads a TM, `HH[MM[SS[.S[S[S[S]]]]]][+/-ZZZZ]`.
    pub fn parse(s: &str) -> Result<Time, FormatError> {
        let fail = |k| FormatError::new("TM", k, s);
        let raw = scan(s, true).map_err(fail)?;
        let mut t = time_from_digits(raw.main, raw.fraction).map_err(fail)?;
        t.offset = offset_from_digits(raw.offset).map_err(fail)?;
        Ok(t)
    }

    /// The hour (0-23).
    pub fn hour(&self) -> u8 {
        self.hour
    }

    /// The minute (0-59), when the precision reaches it.
    pub fn minute(&self) -> Option<u8> {
        (self.precision >= Precision::Minute).then_some(self.minute)
    }

    /// The second (0-59), when the precision reaches it.
    pub fn second(&self) -> Option<u8> {
        (self.precision >= Precision::Second).then_some(self.second)
    }

    /// The fraction of the second in ten-thousandths (`.5` is 5000), when the precision reaches
    /// it; [`Precision::fraction_digits`] says how many digits were given.
    pub fn ten_thousandths(&self) -> Option<u16> {
        (self.precision > Precision::Second).then_some(self.fraction)
    }

    /// Hour or finer.
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// The offset from UTC in minutes (east positive), when one was given.
    pub fn offset_minutes(&self) -> Option<i16> {
        self.offset
    }

    /// The same time with an offset from UTC of `minutes` (east positive); at most 14 hours 59
    /// minutes either way.
    pub fn with_offset_minutes(self, minutes: i16) -> Result<Time, FormatError> {
        check_offset_minutes(minutes)?;
        Ok(Time {
            offset: Some(minutes),
            ..self
        })
    }

    /// The same time as local time, without an offset.
    pub fn without_offset(self) -> Time {
        Time {
            offset: None,
            ..self
        }
    }

    /// The same time to another precision (hour or finer). A coarser one drops the finer parts;
    /// a finer one fills them with zeros, which claims more than the time knew.
    pub fn with_precision(self, precision: Precision) -> Result<Time, FormatError> {
        if precision < Precision::Hour {
            return Err(FormatError::new(
                "TM",
                FormatErrorKind::PrecisionNotAllowed(precision),
                self.to_hl7(),
            ));
        }
        Ok(self.truncated(precision))
    }

    /// The canonical HL7 text, at this time's precision.
    pub fn to_hl7(&self) -> String {
        self.to_string()
    }

    fn truncated(mut self, precision: Precision) -> Time {
        if precision < Precision::Minute {
            self.minute = 0;
        }
        if precision < Precision::Second {
            self.second = 0;
        }
        let step = precision.fraction_step();
        self.fraction = if step > 9999 {
            0
        } else {
            self.fraction - self.fraction % step
        };
        self.precision = precision.max(Precision::Hour);
        self
    }

    /// Writes the clock digits, without the offset.
    fn write_clock(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}", self.hour)?;
        if self.precision >= Precision::Minute {
            write!(f, "{:02}", self.minute)?;
        }
        if self.precision >= Precision::Second {
            write!(f, "{:02}", self.second)?;
        }
        let digits = usize::from(self.precision.fraction_digits());
        if digits > 0 {
            let value = self.fraction / self.precision.fraction_step();
            write!(f, ".{value:0digits$}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_clock(f)?;
        write_offset(f, self.offset)
    }
}

impl FromStr for Time {
    type Err = FormatError;
    fn from_str(s: &str) -> Result<Time, FormatError> {
        Time::parse(s)
    }
}

// ---------------------------------------------------------------------------------------------
// DateTime

/// A DTM (and the first component of a TS): a date, to the year or finer, then when the date
/// reaches the day a time of day, with an optional offset from UTC. Without an offset it is the
/// sender's local time.
///
/// ```
/// use hl7_model::temporal::{Date, DateTime, Precision, Time};
///
/// let dt: DateTime = "19760704010159-0500".parse().unwrap();
/// assert_eq!(dt.date(), Date::from_ymd(1976, 7, 4).unwrap());
/// assert_eq!(dt.hour(), Some(1));
/// assert_eq!(dt.precision(), Precision::Second);
/// assert_eq!(dt.offset_minutes(), Some(-300));
/// assert_eq!(dt.to_hl7(), "19760704010159-0500");
///
/// // Building a value at a chosen precision:
/// let built = DateTime::from_ymd_hms(2024, 3, 15, 8, 30, 0)
///     .unwrap()
///     .with_precision(Precision::Minute)
///     .with_offset_minutes(60)
///     .unwrap();
/// assert_eq!(built.to_hl7(), "202403150830+0100");
/// let exact = DateTime::new(
///     Date::from_ymd(2024, 3, 15).unwrap(),
///     Time::new(8, 30, 5, 1230, Precision::HundredthSecond).unwrap(),
/// )
/// .unwrap();
/// assert_eq!(exact.to_hl7(), "20240315083005.12");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateTime {
    date: Date,
    /// Present only when `date` reaches the day; its own offset is always `None`, the offset
    /// lives in `offset` since a DTM may carry one without a time.
    time: Option<Time>,
    offset: Option<i16>,
}

impl DateTime {
    /// `date`, which must be given to the day, at `time`, taking the time's offset.
    pub fn new(date: Date, time: Time) -> Result<DateTime, FormatError> {
        if date.precision != Precision::Day {
            return Err(FormatError::new(
                "DTM",
                FormatErrorKind::TimeWithoutDay,
                format!("{date}{time}"),
            ));
        }
        Ok(DateTime {
            date,
            time: Some(time.without_offset()),
            offset: time.offset,
        })
    }

    /// The date and time to the second, without an offset.
    pub fn from_ymd_hms(
        year: u16,
        month: u8,
        day: u8,
        hour: u8,
        minute: u8,
        second: u8,
    ) -> Result<DateTime, FormatError> {
        let date = Date::from_ymd(year, month, day).map_err(as_dtm)?;
        let time = Time::from_hms(hour, minute, second).map_err(as_dtm)?;
        DateTime::new(date, time)
    }

    /// Reads a DTM or the first component of a TS,
    /// `YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]`.
    pub fn parse(s: &str) -> Result<DateTime, FormatError> {
        let fail = |k| FormatError::new("DTM", k, s);
        let raw = scan(s, true).map_err(fail)?;
        let n = raw.main.len();
        if !matches!(n, 4 | 6 | 8 | 10 | 12 | 14) {
            return Err(fail(FormatErrorKind::BadLength {
                digits: n,
                expected: DTM_LENGTHS,
            }));
        }
        let (date_digits, time_digits) = raw.main.split_at(n.min(8));
        let date = date_from_digits(date_digits, DTM_LENGTHS).map_err(fail)?;
        let time = if time_digits.is_empty() {
            if raw.fraction.is_some() {
                return Err(fail(FormatErrorKind::FractionWithoutSeconds));
            }
            None
        } else {
            Some(time_from_digits(time_digits, raw.fraction).map_err(fail)?)
        };
        let offset = offset_from_digits(raw.offset).map_err(fail)?;
        Ok(DateTime { date, time, offset })
    }

    /// The date part, at this value's precision or to the day.
    pub fn date(&self) -> Date {
        self.date
    }

    /// The time part with this value's offset, when the precision reaches the hour.
    pub fn time(&self) -> Option<Time> {
        self.time.map(|t| Time {
            offset: self.offset,
            ..t
        })
    }

    /// The year (0-9999).
    pub fn year(&self) -> u16 {
        self.date.year()
    }

    /// The month (1-12), when the precision reaches it.
    pub fn month(&self) -> Option<u8> {
        self.date.month()
    }

    /// The day of the month, when the precision reaches it.
    pub fn day(&self) -> Option<u8> {
        self.date.day()
    }

    /// The hour (0-23), when the precision reaches it.
    pub fn hour(&self) -> Option<u8> {
        self.time.map(|t| t.hour())
    }

    /// The minute, when the precision reaches it.
    pub fn minute(&self) -> Option<u8> {
        self.time.and_then(|t| t.minute())
    }

    /// The second, when the precision reaches it.
    pub fn second(&self) -> Option<u8> {
        self.time.and_then(|t| t.second())
    }

    /// The fraction of the second in ten-thousandths, when the precision reaches it.
    pub fn ten_thousandths(&self) -> Option<u16> {
        self.time.and_then(|t| t.ten_thousandths())
    }

    /// From year to ten-thousandths of a second.
    pub fn precision(&self) -> Precision {
        self.time.map_or(self.date.precision, |t| t.precision)
    }

    /// The offset from UTC in minutes (east positive), when one was given.
    pub fn offset_minutes(&self) -> Option<i16> {
        self.offset
    }

    /// The same value with an offset from UTC of `minutes` (east positive); at most 14 hours 59
    /// minutes either way.
    pub fn with_offset_minutes(self, minutes: i16) -> Result<DateTime, FormatError> {
        check_offset_minutes(minutes).map_err(as_dtm)?;
        Ok(DateTime {
            offset: Some(minutes),
            ..self
        })
    }

    /// The same value as local time, without an offset.
    pub fn without_offset(self) -> DateTime {
        DateTime {
            offset: None,
            ..self
        }
    }

    /// The same value to another precision; the offset is kept. A coarser one drops the finer
    /// parts; a finer one fills them with their lowest values (month and day 01, time 00),
    /// which claims more than the value knew.
    pub fn with_precision(self, precision: Precision) -> DateTime {
        if precision <= Precision::Day {
            return DateTime {
                date: self.date.truncated(precision),
                time: None,
                offset: self.offset,
            };
        }
        let midnight = Time {
            hour: 0,
            minute: 0,
            second: 0,
            fraction: 0,
            precision: Precision::Hour,
            offset: None,
        };
        DateTime {
            // Parts below the date's precision already hold 01, a valid day.
            date: self.date.truncated(Precision::Day),
            time: Some(self.time.unwrap_or(midnight).truncated(precision)),
            offset: self.offset,
        }
    }

    /// The canonical HL7 text, at this value's precision.
    pub fn to_hl7(&self) -> String {
        self.to_string()
    }
}

impl From<Date> for DateTime {
    fn from(date: Date) -> DateTime {
        DateTime {
            date,
            time: None,
            offset: None,
        }
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.date, f)?;
        if let Some(t) = &self.time {
            t.write_clock(f)?;
        }
        write_offset(f, self.offset)
    }
}

impl FromStr for DateTime {
    type Err = FormatError;
    fn from_str(s: &str) -> Result<DateTime, FormatError> {
        DateTime::parse(s)
    }
}

// ---------------------------------------------------------------------------------------------
// Parsing helpers. They work on bytes and report kinds; the public parsers add the datatype
// and text.

// How the messages name the digit counts each format allows before any fraction.
const DT_LENGTHS: &str = "4, 6 or 8 (YYYY[MM[DD]])";
const TM_LENGTHS: &str = "2, 4 or 6 before any fraction (HH[MM[SS]])";
const DTM_LENGTHS: &str = "4, 6, 8, 10, 12 or 14 before any fraction (YYYY[MM[DD[HH[MM[SS]]]]])";

/// A date/time text split into its parts, every byte of each checked to be a digit.
struct Raw<'a> {
    main: &'a [u8],
    fraction: Option<&'a [u8]>,
    /// Sign (true for `-`) and digits.
    offset: Option<(bool, &'a [u8])>,
}

/// Splits `s` at `.` and `+`/`-`, taking those only when `extras` is set (a DT has neither).
fn scan(s: &str, extras: bool) -> Result<Raw<'_>, FormatErrorKind> {
    if s.is_empty() {
        return Err(FormatErrorKind::Empty);
    }
    let b = s.as_bytes();
    let mut i = digits_end(b, 0);
    let main = &b[..i];
    let mut fraction = None;
    let mut offset = None;
    if extras {
        if b.get(i) == Some(&b'.') {
            let start = i + 1;
            i = digits_end(b, start);
            fraction = Some(&b[start..i]);
        }
        if let Some(&sign @ (b'+' | b'-')) = b.get(i) {
            let start = i + 1;
            i = digits_end(b, start);
            offset = Some((sign == b'-', &b[start..i]));
        }
    }
    if i < b.len() {
        return Err(unexpected_at(s, i));
    }
    Ok(Raw {
        main,
        fraction,
        offset,
    })
}

/// The index of the first non-digit at or after `start`.
fn digits_end(b: &[u8], start: usize) -> usize {
    let mut i = start;
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    i
}

/// The error for the character at byte `i` of `s`. Callers stop at the first byte they do not
/// accept, after only ASCII bytes, so `i` is a character boundary; the fallbacks only keep
/// this panic-free if that ever changes.
pub(crate) fn unexpected_at(s: &str, i: usize) -> FormatErrorKind {
    FormatErrorKind::UnexpectedChar {
        position: s.get(..i).map_or(i, |p| p.chars().count()),
        found: s
            .get(i..)
            .and_then(|r| r.chars().next())
            .unwrap_or(char::REPLACEMENT_CHARACTER),
    }
}

/// The number written by ASCII digits `b[at..at + len]`; callers pass at most 4 digits.
fn number(b: &[u8], at: usize, len: usize) -> u16 {
    b.get(at..at + len)
        .unwrap_or(&[])
        .iter()
        .fold(0u16, |n, d| {
            n.wrapping_mul(10)
                .wrapping_add(u16::from(d.wrapping_sub(b'0')))
        })
}

/// Two digits as a `u8`; at most 99.
fn number2(b: &[u8], at: usize) -> u8 {
    u8::try_from(number(b, at, 2)).unwrap_or(u8::MAX)
}

fn date_from_digits(d: &[u8], expected: &'static str) -> Result<Date, FormatErrorKind> {
    let precision = match d.len() {
        4 => Precision::Year,
        6 => Precision::Month,
        8 => Precision::Day,
        n => {
            return Err(FormatErrorKind::BadLength {
                digits: n,
                expected,
            });
        }
    };
    let year = number(d, 0, 4);
    let month = if precision >= Precision::Month {
        number2(d, 4)
    } else {
        1
    };
    let day = if precision >= Precision::Day {
        number2(d, 6)
    } else {
        1
    };
    check_month_day(year, month, day)?;
    Ok(Date {
        year,
        month,
        day,
        precision,
    })
}

fn time_from_digits(d: &[u8], fraction: Option<&[u8]>) -> Result<Time, FormatErrorKind> {
    let mut precision = match d.len() {
        2 => Precision::Hour,
        4 => Precision::Minute,
        6 => Precision::Second,
        n => {
            return Err(FormatErrorKind::BadLength {
                digits: n,
                expected: TM_LENGTHS,
            });
        }
    };
    let hour = number2(d, 0);
    let minute = if precision >= Precision::Minute {
        number2(d, 2)
    } else {
        0
    };
    let second = if precision >= Precision::Second {
        number2(d, 4)
    } else {
        0
    };
    check_clock(hour, minute, second)?;
    let mut ten_thousandths = 0;
    if let Some(f) = fraction {
        if precision != Precision::Second {
            return Err(FormatErrorKind::FractionWithoutSeconds);
        }
        let digits = u8::try_from(f.len()).unwrap_or(u8::MAX);
        precision = Precision::from_fraction_digits(digits)
            .ok_or(FormatErrorKind::BadFractionLength { digits: f.len() })?;
        ten_thousandths = number(f, 0, f.len()) * precision.fraction_step();
    }
    Ok(Time {
        hour,
        minute,
        second,
        fraction: ten_thousandths,
        precision,
        offset: None,
    })
}

fn offset_from_digits(offset: Option<(bool, &[u8])>) -> Result<Option<i16>, FormatErrorKind> {
    let Some((negative, d)) = offset else {
        return Ok(None);
    };
    if d.len() != 4 {
        return Err(FormatErrorKind::BadOffsetLength { digits: d.len() });
    }
    let (hours, minutes) = (number(d, 0, 2), number(d, 2, 2));
    if hours > MAX_OFFSET_HOURS || minutes > 59 {
        return Err(FormatErrorKind::OffsetOutOfRange { hours, minutes });
    }
    // At most 14 * 60 + 59, well inside i16.
    let total = i16::try_from(hours * 60 + minutes).unwrap_or(i16::MAX);
    Ok(Some(if negative { -total } else { total }))
}

fn check_month_day(year: u16, month: u8, day: u8) -> Result<(), FormatErrorKind> {
    if !(1..=12).contains(&month) {
        return Err(FormatErrorKind::MonthOutOfRange(month));
    }
    if day == 0 || day > days_in_month(year, month) {
        return Err(FormatErrorKind::DayOutOfRange { year, month, day });
    }
    Ok(())
}

fn check_clock(hour: u8, minute: u8, second: u8) -> Result<(), FormatErrorKind> {
    if hour > 23 {
        return Err(FormatErrorKind::HourOutOfRange(hour));
    }
    if minute > 59 {
        return Err(FormatErrorKind::MinuteOutOfRange(minute));
    }
    if second > 59 {
        return Err(FormatErrorKind::SecondOutOfRange(second));
    }
    Ok(())
}

fn check_offset_minutes(minutes: i16) -> Result<(), FormatError> {
    let abs = minutes.unsigned_abs();
    let (hours, mins) = (abs / 60, abs % 60);
    if hours > MAX_OFFSET_HOURS {
        let sign = if minutes < 0 { '-' } else { '+' };
        return Err(FormatError::new(
            "TM",
            FormatErrorKind::OffsetOutOfRange {
                hours,
                minutes: mins,
            },
            format!("{sign}{hours:02}{mins:02}"),
        ));
    }
    Ok(())
}

/// Errors of a DTM's parts are errors of the DTM.
fn as_dtm(e: FormatError) -> FormatError {
    FormatError::new("DTM", *e.kind(), e.text())
}

fn write_offset(f: &mut fmt::Formatter<'_>, offset: Option<i16>) -> fmt::Result {
    if let Some(m) = offset {
        let sign = if m < 0 { '-' } else { '+' };
        let abs = m.unsigned_abs();
        write!(f, "{sign}{:02}{:02}", abs / 60, abs % 60)?;
    }
    Ok(())
}

/// The digits a constructor was given, as HL7 would write them, for its error.
fn render_date_digits(year: u16, month: u8, day: u8, precision: Precision) -> String {
    let mut s = format!("{year:04}");
    if precision >= Precision::Month {
        s.push_str(&format!("{month:02}"));
    }
    if precision >= Precision::Day {
        s.push_str(&format!("{day:02}"));
    }
    s
}

fn render_time_digits(h: u8, m: u8, s: u8, fraction: u16, precision: Precision) -> String {
    let mut out = format!("{h:02}");
    if precision >= Precision::Minute {
        out.push_str(&format!("{m:02}"));
    }
    if precision >= Precision::Second {
        out.push_str(&format!("{s:02}"));
    }
    if precision > Precision::Second {
        out.push_str(&format!(".{fraction:04}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    use FormatErrorKind as K;

    fn unexpected(position: usize, found: char) -> FormatErrorKind {
        K::UnexpectedChar { position, found }
    }

    #[test]
    fn valid_dates_keep_their_precision() {
        // text, year, month, day, precision
        type Case = (&'static str, u16, Option<u8>, Option<u8>, Precision);
        let cases: &[Case] = &[
            ("2024", 2024, None, None, Precision::Year),
            ("0000", 0, None, None, Precision::Year),
            ("9999", 9999, None, None, Precision::Year),
            ("202401", 2024, Some(1), None, Precision::Month),
            ("202412", 2024, Some(12), None, Precision::Month),
            ("19991231", 1999, Some(12), Some(31), Precision::Day),
            ("20240229", 2024, Some(2), Some(29), Precision::Day),
            ("20000229", 2000, Some(2), Some(29), Precision::Day),
            ("19000228", 1900, Some(2), Some(28), Precision::Day),
            ("20230430", 2023, Some(4), Some(30), Precision::Day),
        ];
        for &(text, y, m, d, p) in cases {
            let date = Date::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(
                (date.year(), date.month(), date.day(), date.precision()),
                (y, m, d, p),
                "{text}"
            );
            assert_eq!(date.to_hl7(), text);
        }
    }

    #[test]
    fn invalid_dates_say_why() {
        let len = |digits| K::BadLength {
            digits,
            expected: DT_LENGTHS,
        };
        let day = |year, month, day| K::DayOutOfRange { year, month, day };
        let cases: &[(&str, FormatErrorKind)] = &[
            ("", K::Empty),
            ("24", len(2)),
            ("20241", len(5)),
            ("2024011", len(7)),
            ("202401011", len(9)),
            ("202401011200", len(12)),
            ("2024-01-01", unexpected(4, '-')),
            ("20240101+0100", unexpected(8, '+')),
            ("2024.5", unexpected(4, '.')),
            (" 2024", unexpected(0, ' ')),
            ("2024 ", unexpected(4, ' ')),
            ("2024é1", unexpected(4, 'é')),
            ("２０２４", unexpected(0, '２')),
            ("202400", K::MonthOutOfRange(0)),
            ("202413", K::MonthOutOfRange(13)),
            ("20240100", day(2024, 1, 0)),
            ("20240132", day(2024, 1, 32)),
            ("20230229", day(2023, 2, 29)),
            ("19000229", day(1900, 2, 29)),
            ("21000229", day(2100, 2, 29)),
            ("20240230", day(2024, 2, 30)),
            ("20240431", day(2024, 4, 31)),
            ("20240631", day(2024, 6, 31)),
            ("20240931", day(2024, 9, 31)),
            ("20241131", day(2024, 11, 31)),
        ];
        for (text, kind) in cases {
            let err = Date::parse(text).expect_err(text);
            assert_eq!(err.kind(), kind, "{text}");
            assert_eq!(err.text(), *text);
            assert_eq!(err.datatype(), "DT");
        }
    }

    #[test]
    fn leap_years() {
        for (year, leap) in [
            (1600, true),
            (1700, false),
            (1900, false),
            (2000, true),
            (2023, false),
            (2024, true),
            (2100, false),
            (2400, true),
            (0, true),
            (4, true),
        ] {
            assert_eq!(is_leap_year(year), leap, "{year}");
            assert_eq!(days_in_month(year, 2), if leap { 29 } else { 28 });
            assert_eq!(Date::from_ymd(year, 2, 29).is_ok(), leap, "{year}");
            assert_eq!(DateTime::parse(&format!("{year:04}0229")).is_ok(), leap);
        }
        assert_eq!(days_in_month(2024, 0), 0);
        assert_eq!(days_in_month(2024, 13), 0);
    }

    #[test]
    fn valid_times() {
        // text, hour, minute, second, ten-thousandths, precision, offset
        type Case = (
            &'static str,
            u8,
            Option<u8>,
            Option<u8>,
            Option<u16>,
            Precision,
            Option<i16>,
        );
        let cases: &[Case] = &[
            ("13", 13, None, None, None, Precision::Hour, None),
            ("0000", 0, Some(0), None, None, Precision::Minute, None),
            ("0800", 8, Some(0), None, None, Precision::Minute, None),
            (
                "235959",
                23,
                Some(59),
                Some(59),
                None,
                Precision::Second,
                None,
            ),
            (
                "235959+1100",
                23,
                Some(59),
                Some(59),
                None,
                Precision::Second,
                Some(660),
            ),
            (
                "093544.2312",
                9,
                Some(35),
                Some(44),
                Some(2312),
                Precision::TenThousandthSecond,
                None,
            ),
            (
                "093544.2",
                9,
                Some(35),
                Some(44),
                Some(2000),
                Precision::TenthSecond,
                None,
            ),
            (
                "093544.05",
                9,
                Some(35),
                Some(44),
                Some(500),
                Precision::HundredthSecond,
                None,
            ),
            (
                "093544.000-0330",
                9,
                Some(35),
                Some(44),
                Some(0),
                Precision::ThousandthSecond,
                Some(-210),
            ),
            ("12+1400", 12, None, None, None, Precision::Hour, Some(840)),
            ("12-1459", 12, None, None, None, Precision::Hour, Some(-899)),
            (
                "1200+0545",
                12,
                Some(0),
                None,
                None,
                Precision::Minute,
                Some(345),
            ),
        ];
        for &(text, h, m, s, frac, p, off) in cases {
            let t = Time::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(
                (
                    t.hour(),
                    t.minute(),
                    t.second(),
                    t.ten_thousandths(),
                    t.precision(),
                    t.offset_minutes()
                ),
                (h, m, s, frac, p, off),
                "{text}"
            );
            assert_eq!(t.to_hl7(), text);
        }
    }

    #[test]
    fn invalid_times_say_why() {
        let len = |digits| K::BadLength {
            digits,
            expected: TM_LENGTHS,
        };
        let cases: &[(&str, FormatErrorKind)] = &[
            ("", K::Empty),
            ("1", len(1)),
            ("123", len(3)),
            ("12345", len(5)),
            ("1234567", len(7)),
            ("12:30", unexpected(2, ':')),
            ("2400", K::HourOutOfRange(24)),
            ("99", K::HourOutOfRange(99)),
            ("1260", K::MinuteOutOfRange(60)),
            ("123060", K::SecondOutOfRange(60)),
            ("1230.5", K::FractionWithoutSeconds),
            ("12.5", K::FractionWithoutSeconds),
            ("123000.", K::BadFractionLength { digits: 0 }),
            ("123000.12345", K::BadFractionLength { digits: 5 }),
            ("123000.5.", unexpected(8, '.')),
            ("1230+", K::BadOffsetLength { digits: 0 }),
            ("1230+01", K::BadOffsetLength { digits: 2 }),
            ("1230+01000", K::BadOffsetLength { digits: 5 }),
            (
                "1230+1500",
                K::OffsetOutOfRange {
                    hours: 15,
                    minutes: 0,
                },
            ),
            (
                "1230-0060",
                K::OffsetOutOfRange {
                    hours: 0,
                    minutes: 60,
                },
            ),
            ("1230+01:00", unexpected(7, ':')),
            ("1230Z", unexpected(4, 'Z')),
            ("1230+0100+0100", unexpected(9, '+')),
            ("+0100", len(0)),
            (".5", len(0)),
            ("12\u{0}", unexpected(2, '\u{0}')),
        ];
        for (text, kind) in cases {
            let err = Time::parse(text).expect_err(text);
            assert_eq!(err.kind(), kind, "{text}");
            assert_eq!(err.text(), *text);
            assert_eq!(err.datatype(), "TM");
        }
    }

    #[test]
    fn valid_datetimes() {
        let cases: &[(&str, Precision, Option<i16>)] = &[
            ("2024", Precision::Year, None),
            ("2024+0100", Precision::Year, Some(60)),
            ("202403", Precision::Month, None),
            ("20240315", Precision::Day, None),
            ("20240315-0500", Precision::Day, Some(-300)),
            ("2024031508", Precision::Hour, None),
            ("202403150830", Precision::Minute, None),
            ("20240315083059", Precision::Second, None),
            ("20240315083059.1", Precision::TenthSecond, None),
            ("20240315083059.12", Precision::HundredthSecond, None),
            ("20240315083059.123", Precision::ThousandthSecond, None),
            ("20240315083059.1234", Precision::TenThousandthSecond, None),
            (
                "20240315083059.1234+1400",
                Precision::TenThousandthSecond,
                Some(840),
            ),
            ("19760704010159-0500", Precision::Second, Some(-300)),
            ("20240229235959", Precision::Second, None),
            ("20240101000000+0000", Precision::Second, Some(0)),
            // A year with an offset, not a date with dashes: the grammar allows it.
            ("2024-0315", Precision::Year, Some(-195)),
        ];
        for &(text, p, off) in cases {
            let dt = DateTime::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!((dt.precision(), dt.offset_minutes()), (p, off), "{text}");
            assert_eq!(dt.to_hl7(), text);
        }
        let dt = DateTime::parse("20240315083059.1234-0130").unwrap();
        assert_eq!(
            (
                dt.year(),
                dt.month(),
                dt.day(),
                dt.hour(),
                dt.minute(),
                dt.second()
            ),
            (2024, Some(3), Some(15), Some(8), Some(30), Some(59))
        );
        assert_eq!(dt.ten_thousandths(), Some(1234));
        assert_eq!(dt.date(), Date::from_ymd(2024, 3, 15).unwrap());
        let t = dt.time().unwrap();
        assert_eq!(t.to_hl7(), "083059.1234-0130");
        assert_eq!(DateTime::new(dt.date(), t), Ok(dt));
        let y = DateTime::parse("2024").unwrap();
        assert_eq!((y.month(), y.hour(), y.time()), (None, None, None));
    }

    #[test]
    fn invalid_datetimes_say_why() {
        let len = |digits| K::BadLength {
            digits,
            expected: DTM_LENGTHS,
        };
        let cases: &[(&str, FormatErrorKind)] = &[
            ("", K::Empty),
            ("\"\"", unexpected(0, '"')),
            ("202", len(3)),
            ("20240", len(5)),
            ("202403151", len(9)),
            ("20240315083", len(11)),
            ("2024031508305", len(13)),
            ("202403150830591", len(15)),
            ("2024-03-15", unexpected(7, '-')),
            ("2024-03", K::BadOffsetLength { digits: 2 }),
            ("20240315T0830", unexpected(8, 'T')),
            ("20240315 0830", unexpected(8, ' ')),
            ("202413", K::MonthOutOfRange(13)),
            (
                "20230229",
                K::DayOutOfRange {
                    year: 2023,
                    month: 2,
                    day: 29,
                },
            ),
            ("2024031524", K::HourOutOfRange(24)),
            ("202403152360", K::MinuteOutOfRange(60)),
            ("20240315235960", K::SecondOutOfRange(60)),
            ("20240315.5", K::FractionWithoutSeconds),
            ("202403150830.5", K::FractionWithoutSeconds),
            ("20240315083059.", K::BadFractionLength { digits: 0 }),
            ("20240315083059.123456", K::BadFractionLength { digits: 6 }),
            ("20240315083059+", K::BadOffsetLength { digits: 0 }),
            ("20240315083059+1", K::BadOffsetLength { digits: 1 }),
            (
                "20240315083059+2400",
                K::OffsetOutOfRange {
                    hours: 24,
                    minutes: 0,
                },
            ),
            ("20240315083059^S", unexpected(14, '^')),
            ("20240315\r", unexpected(8, '\r')),
            ("2024031508305\u{301}", unexpected(13, '\u{301}')),
        ];
        for (text, kind) in cases {
            let err = DateTime::parse(text).expect_err(text);
            assert_eq!(err.kind(), kind, "{text}");
            assert_eq!(err.text(), *text);
            assert_eq!(err.datatype(), "DTM");
        }
    }

    #[test]
    fn minus_zero_offset_is_utc() {
        let dt = DateTime::parse("20240101120000-0000").unwrap();
        assert_eq!(dt.offset_minutes(), Some(0));
        assert_eq!(dt, DateTime::parse("20240101120000+0000").unwrap());
        assert_eq!(dt.to_hl7(), "20240101120000+0000");
        assert_eq!(Time::parse("12-0000").unwrap().to_hl7(), "12+0000");
    }

    #[test]
    fn constructors_validate() {
        assert_eq!(Date::from_ymd(2024, 3, 15).unwrap().to_hl7(), "20240315");
        assert_eq!(Date::from_ym(2024, 3).unwrap().to_hl7(), "202403");
        assert_eq!(Date::from_year(7).unwrap().to_hl7(), "0007");
        // Parts finer than the precision are ignored, not validated.
        assert_eq!(
            Date::new(2024, 0, 0, Precision::Year).unwrap(),
            Date::from_year(2024).unwrap()
        );
        assert_eq!(
            Date::new(2024, 2, 31, Precision::Month).unwrap().to_hl7(),
            "202402"
        );

        let err = Date::from_ymd(2023, 2, 29).unwrap_err();
        assert_eq!(
            *err.kind(),
            K::DayOutOfRange {
                year: 2023,
                month: 2,
                day: 29
            }
        );
        assert_eq!(err.text(), "20230229");
        assert_eq!(
            *Date::from_year(10_000).unwrap_err().kind(),
            K::YearOutOfRange(10_000)
        );
        assert_eq!(
            *Date::from_ym(2024, 13).unwrap_err().kind(),
            K::MonthOutOfRange(13)
        );
        assert_eq!(
            *Date::new(2024, 1, 1, Precision::Hour).unwrap_err().kind(),
            K::PrecisionNotAllowed(Precision::Hour)
        );

        assert_eq!(Time::from_hm(0, 0).unwrap().to_hl7(), "0000");
        assert_eq!(Time::from_hms(23, 59, 59).unwrap().to_hl7(), "235959");
        assert_eq!(
            Time::new(9, 5, 7, 1234, Precision::TenthSecond)
                .unwrap()
                .to_hl7(),
            "090507.1"
        );
        assert_eq!(
            Time::new(9, 5, 7, 50, Precision::ThousandthSecond)
                .unwrap()
                .to_hl7(),
            "090507.005"
        );
        assert_eq!(
            Time::new(9, 99, 99, u16::MAX, Precision::Hour)
                .unwrap()
                .to_hl7(),
            "09"
        );
        assert_eq!(
            *Time::from_hm(24, 0).unwrap_err().kind(),
            K::HourOutOfRange(24)
        );
        assert_eq!(
            *Time::from_hms(12, 0, 60).unwrap_err().kind(),
            K::SecondOutOfRange(60)
        );
        assert_eq!(
            *Time::new(1, 2, 3, 10_000, Precision::TenThousandthSecond)
                .unwrap_err()
                .kind(),
            K::FractionOutOfRange(10_000)
        );
        assert_eq!(
            *Time::new(1, 2, 3, 0, Precision::Day).unwrap_err().kind(),
            K::PrecisionNotAllowed(Precision::Day)
        );

        assert_eq!(
            DateTime::from_ymd_hms(2024, 2, 29, 23, 59, 59)
                .unwrap()
                .to_hl7(),
            "20240229235959"
        );
        let err = DateTime::from_ymd_hms(2024, 2, 30, 0, 0, 0).unwrap_err();
        assert_eq!(err.datatype(), "DTM");
        assert_eq!(err.text(), "20240230");
        let err = DateTime::new(
            Date::from_ym(2024, 2).unwrap(),
            Time::from_hm(1, 2).unwrap(),
        )
        .unwrap_err();
        assert_eq!(*err.kind(), K::TimeWithoutDay);
        assert_eq!(err.text(), "2024020102");
        assert_eq!(
            DateTime::from(Date::from_ym(2024, 2).unwrap()).to_hl7(),
            "202402"
        );
    }

    #[test]
    fn offsets_are_bounded() {
        let t = Time::from_hm(12, 0).unwrap();
        for (minutes, text) in [
            (0, "1200+0000"),
            (-1, "1200-0001"),
            (330, "1200+0530"),
            (-570, "1200-0930"),
            (899, "1200+1459"),
            (-899, "1200-1459"),
        ] {
            let with = t.with_offset_minutes(minutes).unwrap();
            assert_eq!(with.to_hl7(), text);
            assert_eq!(Time::parse(text).unwrap(), with);
            assert_eq!(with.without_offset(), t);
        }
        for minutes in [900, -900, i16::MAX, i16::MIN] {
            let err = t.with_offset_minutes(minutes).unwrap_err();
            assert!(
                matches!(err.kind(), K::OffsetOutOfRange { .. }),
                "{minutes}"
            );
        }
        assert_eq!(
            t.with_offset_minutes(i16::MIN).unwrap_err().text(),
            "-54608"
        );
        let dt = DateTime::from(Date::from_year(2024).unwrap());
        assert_eq!(dt.with_offset_minutes(-60).unwrap().to_hl7(), "2024-0100");
        assert_eq!(dt.with_offset_minutes(901).unwrap_err().datatype(), "DTM");
    }

    #[test]
    fn precision_changes() {
        let dt = DateTime::parse("20240315083059.1234+0100").unwrap();
        let expect = [
            (Precision::Year, "2024+0100"),
            (Precision::Month, "202403+0100"),
            (Precision::Day, "20240315+0100"),
            (Precision::Hour, "2024031508+0100"),
            (Precision::Minute, "202403150830+0100"),
            (Precision::Second, "20240315083059+0100"),
            (Precision::TenthSecond, "20240315083059.1+0100"),
            (Precision::HundredthSecond, "20240315083059.12+0100"),
            (Precision::ThousandthSecond, "20240315083059.123+0100"),
            (Precision::TenThousandthSecond, "20240315083059.1234+0100"),
        ];
        for (p, text) in expect {
            let coarse = dt.with_precision(p);
            assert_eq!(coarse.precision(), p);
            assert_eq!(coarse.to_hl7(), text);
            // Truncating gives the same value as reading the shorter text.
            assert_eq!(coarse, DateTime::parse(text).unwrap());
        }
        let year = DateTime::parse("2024").unwrap();
        assert_eq!(
            year.with_precision(Precision::Minute).to_hl7(),
            "202401010000"
        );
        assert_eq!(
            year.with_precision(Precision::ThousandthSecond).to_hl7(),
            "20240101000000.000"
        );

        let d = Date::parse("20240315").unwrap();
        assert_eq!(
            d.with_precision(Precision::Month).unwrap().to_hl7(),
            "202403"
        );
        assert!(d.with_precision(Precision::Hour).is_err());
        let t = Time::parse("083059.1234").unwrap();
        assert_eq!(t.with_precision(Precision::Hour).unwrap().to_hl7(), "08");
        assert_eq!(
            t.with_precision(Precision::Hour)
                .unwrap()
                .with_precision(Precision::Second)
                .unwrap()
                .to_hl7(),
            "080000"
        );
        assert!(t.with_precision(Precision::Day).is_err());
    }

    #[test]
    fn precision_helpers() {
        for digits in 1..=4u8 {
            let p = Precision::from_fraction_digits(digits).unwrap();
            assert_eq!(p.fraction_digits(), digits);
        }
        assert_eq!(Precision::from_fraction_digits(0), None);
        assert_eq!(Precision::from_fraction_digits(5), None);
        assert_eq!(Precision::Second.fraction_digits(), 0);
        assert!(Precision::Year < Precision::TenThousandthSecond);
        assert_eq!(Precision::ThousandthSecond.to_string(), "1/1000 second");
    }

    #[test]
    fn a_date_with_dashes_says_where() {
        let err = DateTime::parse("2024-01-01").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid DTM \"2024-01-01\": unexpected '-' at position 7"
        );
    }

    #[test]
    fn messages_say_what_is_wrong() {
        let msg = |s: &str| DateTime::parse(s).unwrap_err().to_string();
        assert_eq!(
            msg("20241301"),
            "invalid DTM \"20241301\": month 13 is out of range (01-12)"
        );
        assert_eq!(
            msg("202401011"),
            "invalid DTM \"202401011\": 9 digits where the format allows 4, 6, 8, 10, 12 or 14 \
             before any fraction (YYYY[MM[DD[HH[MM[SS]]]]])"
        );
        assert_eq!(
            msg("20240101120000.12345"),
            "invalid DTM \"20240101120000.12345\": 5 digits of fractional seconds where the \
             format allows 1 to 4"
        );
        assert_eq!(
            msg("20240101+1600"),
            "invalid DTM \"20240101+1600\": time zone offset 1600 is out of range (hours 00-14, \
             minutes 00-59)"
        );
    }

    // -----------------------------------------------------------------------------------------
    // Properties

    fn precision_strategy(min: Precision, max: Precision) -> impl Strategy<Value = Precision> {
        const ALL: [Precision; 10] = [
            Precision::Year,
            Precision::Month,
            Precision::Day,
            Precision::Hour,
            Precision::Minute,
            Precision::Second,
            Precision::TenthSecond,
            Precision::HundredthSecond,
            Precision::ThousandthSecond,
            Precision::TenThousandthSecond,
        ];
        proptest::sample::select(
            ALL.iter()
                .copied()
                .filter(|p| (min..=max).contains(p))
                .collect::<Vec<_>>(),
        )
    }

    fn offset_strategy() -> impl Strategy<Value = Option<i16>> {
        proptest::option::of(-899i16..=899)
    }

    prop_compose! {
        fn date_strategy()(
            year in 0u16..=9999,
            month in 1u8..=12,
            day in 1u8..=31,
            precision in precision_strategy(Precision::Year, Precision::Day),
        ) -> Date {
            let day = day.min(days_in_month(year, month));
            Date::new(year, month, day, precision).unwrap()
        }
    }

    prop_compose! {
        fn time_strategy()(
            hour in 0u8..=23,
            minute in 0u8..=59,
            second in 0u8..=59,
            fraction in 0u16..=9999,
            precision in precision_strategy(Precision::Hour, Precision::TenThousandthSecond),
            offset in offset_strategy(),
        ) -> Time {
            let t = Time::new(hour, minute, second, fraction, precision).unwrap();
            match offset {
                Some(m) => t.with_offset_minutes(m).unwrap(),
                None => t,
            }
        }
    }

    prop_compose! {
        fn datetime_strategy()(
            date in date_strategy(),
            time in time_strategy(),
            with_time in any::<bool>(),
            offset in offset_strategy(),
        ) -> DateTime {
            if with_time {
                let day = date.with_precision(Precision::Day).unwrap();
                DateTime::new(day, time).unwrap()
            } else {
                let dt = DateTime::from(date);
                match offset {
                    Some(m) => dt.with_offset_minutes(m).unwrap(),
                    None => dt,
                }
            }
        }
    }

    /// The text a valid input is written back as: the same, but for `-0000`, which is UTC.
    fn canonical(s: &str) -> String {
        s.replace("-0000", "+0000")
    }

    proptest! {
        // Each case takes microseconds: more of them reach the rarer corners of the grammar.
        #![proptest_config(ProptestConfig::with_cases(2048))]

        #[test]
        fn arbitrary_text_never_panics(s in any::<String>()) {
            let _ = Date::parse(&s);
            let _ = Time::parse(&s);
            let _ = DateTime::parse(&s);
        }

        #[test]
        fn near_miss_text_is_parsed_or_rejected_consistently(
            s in "[0-9]{0,16}(\\.[0-9]{0,6})?([+-][0-9]{0,5})?[0-9.+\\-x]?"
        ) {
            if let Ok(d) = Date::parse(&s) {
                prop_assert_eq!(d.to_hl7(), s.clone());
            }
            if let Ok(t) = Time::parse(&s) {
                prop_assert_eq!(t.to_hl7(), canonical(&s));
                prop_assert_eq!(Time::parse(&t.to_hl7()), Ok(t));
            }
            if let Ok(dt) = DateTime::parse(&s) {
                prop_assert_eq!(dt.to_hl7(), canonical(&s));
                prop_assert_eq!(DateTime::parse(&dt.to_hl7()), Ok(dt));
            }
        }

        #[test]
        fn valid_dates_round_trip(d in date_strategy()) {
            let text = d.to_hl7();
            prop_assert_eq!(Date::parse(&text), Ok(d));
            prop_assert_eq!(DateTime::parse(&text).map(|dt| dt.date()), Ok(d));
        }

        #[test]
        fn valid_times_round_trip(t in time_strategy()) {
            let text = t.to_hl7();
            prop_assert_eq!(Time::parse(&text), Ok(t));
        }

        #[test]
        fn valid_datetimes_round_trip(dt in datetime_strategy()) {
            let text = dt.to_hl7();
            prop_assert_eq!(DateTime::parse(&text), Ok(dt));
            if let Some(t) = dt.time() {
                prop_assert_eq!(DateTime::new(dt.date(), t), Ok(dt));
            }
        }

        #[test]
        fn coarsening_equals_reading_fewer_digits(
            dt in datetime_strategy(),
            p in precision_strategy(Precision::Year, Precision::TenThousandthSecond),
        ) {
            let p = p.min(dt.precision());
            let coarse = dt.with_precision(p);
            prop_assert_eq!(coarse.precision(), p);
            prop_assert!(dt.to_hl7().starts_with(&coarse.without_offset().to_hl7()));
            prop_assert_eq!(DateTime::parse(&coarse.to_hl7()), Ok(coarse));
        }
    }
}
