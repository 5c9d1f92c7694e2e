//! Creating messages from nothing: a header with the defaults a receiver expects (delimiters,
//! timestamp, message type with its structure, a unique control id, processing id, version),
//! then the content by [paths](crate::path).
//!
//! ```
//! # #[cfg(feature = "v2_5")] {
//! use hl7_model::build::MessageBuilder;
//!
//! let mut msg = MessageBuilder::new("2.5", "ADT", "A04")
//!     .sending("ADMIT", "HOSP")
//!     .receiving("LAB", "HOSP")
//!     .control_id("MSG00001")
//!     .timestamp("20240101120000")
//!     .build()
//!     .unwrap();
//! msg.set("PID-5-1", "Doe").unwrap();
//! msg.set("PID-5-2", "John").unwrap();
//! assert_eq!(
//!     msg.to_er7(),
//!     "MSH|^~\\&|ADMIT|HOSP|LAB|HOSP|20240101120000||ADT^A04^ADT_A01|MSG00001|P|2.5\rPID|||||Doe^John\r"
//! );
//! # }
//! ```

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::delimiters::Delimiters;
use crate::descriptor::VersionDesc;
use crate::message::{Message, ParseOptions, resolve_version};
use crate::path::PathError;

/// Why a message could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    #[error("version {0} is not compiled in (enable its cargo feature)")]
    UnknownVersion(String),
    #[error("v{version} has no structure for {msg_type}^{event}")]
    UnknownStructure {
        version: &'static str,
        msg_type: String,
        event: String,
    },
    #[error("the delimiters are not usable: {0}")]
    Delimiters(#[from] crate::delimiters::DelimiterError),
    #[error("writing the header: {0}")]
    Path(#[from] PathError),
}

/// The header of a new message; see the [module docs](self).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageBuilder {
    version: String,
    msg_type: String,
    event: String,
    sending: (String, String),
    receiving: (String, String),
    control_id: Option<String>,
    timestamp: Option<String>,
    processing_id: String,
    delimiters: Delimiters,
}

impl MessageBuilder {
    /// A message of `msg_type^event` in `version` (`"2.5"`), with the standard delimiters,
    /// processing id `P`, the current time and a new control id unless set otherwise.
    pub fn new(version: &str, msg_type: &str, event: &str) -> MessageBuilder {
        MessageBuilder {
            version: version.to_owned(),
            msg_type: msg_type.to_owned(),
            event: event.to_owned(),
            sending: Default::default(),
            receiving: Default::default(),
            control_id: None,
            timestamp: None,
            processing_id: "P".to_owned(),
            delimiters: Delimiters::default(),
        }
    }

    /// MSH-3 and MSH-4.
    pub fn sending(mut self, application: &str, facility: &str) -> Self {
        self.sending = (application.to_owned(), facility.to_owned());
        self
    }

    /// MSH-5 and MSH-6.
    pub fn receiving(mut self, application: &str, facility: &str) -> Self {
        self.receiving = (application.to_owned(), facility.to_owned());
        self
    }

    /// MSH-10; by default [`next_control_id`].
    pub fn control_id(mut self, id: &str) -> Self {
        self.control_id = Some(id.to_owned());
        self
    }

    /// MSH-7 as written (`20240101120000`, `20240101120000.123+0100`); by default the current
    /// UTC time to the second with offset `+0000`.
    pub fn timestamp(mut self, ts: &str) -> Self {
        self.timestamp = Some(ts.to_owned());
        self
    }

    /// MSH-11 (`P` production, `T` training, `D` debugging).
    pub fn processing_id(mut self, id: &str) -> Self {
        self.processing_id = id.to_owned();
        self
    }

    /// The delimiters MSH-1 and MSH-2 declare.
    pub fn delimiters(mut self, d: Delimiters) -> Self {
        self.delimiters = d;
        self
    }

    fn version_desc(&self) -> Result<&'static VersionDesc, BuildError> {
        let opts = ParseOptions {
            fall_back_to_lower_version: false,
            ..ParseOptions::default()
        };
        match resolve_version(&self.version, &opts) {
            Ok((v, false)) => Ok(v),
            _ => Err(BuildError::UnknownVersion(self.version.clone())),
        }
    }

    /// The version, and the structure its event map gives `msg_type^event`.
    fn structure(
        &self,
    ) -> Result<
        (
            &'static VersionDesc,
            &'static crate::descriptor::StructureDesc,
        ),
        BuildError,
    > {
        let version = self.version_desc()?;
        let structure = version
            .resolve_structure(&self.msg_type, &self.event, None)
            .ok_or_else(|| self.unknown(version))?;
        Ok((version, structure))
    }

    fn unknown(&self, version: &VersionDesc) -> BuildError {
        BuildError::UnknownStructure {
            version: version.version,
            msg_type: self.msg_type.clone(),
            event: self.event.clone(),
        }
    }

    /// The message, in the structure the version's event map gives `msg_type^event`.
    pub fn build(self) -> Result<Message, BuildError> {
        let (version, structure) = self.structure()?;
        self.build_in(version, structure)
    }

    /// The message in structure `T` (a generated structure of this builder's version, or a
    /// site's own): MSH-9.3 names `T`'s structure.
    ///
    /// ```
    /// # #[cfg(feature = "v2_5")] {
    /// use hl7_model::build::MessageBuilder;
    /// use hl7_model::v2_5::OruR01;
    ///
    /// let m = MessageBuilder::new("2.5", "ORU", "R01").control_id("7").build_as::<OruR01>().unwrap();
    /// let oru: OruR01 = m.typed().unwrap();
    /// assert_eq!(oru.msh().unwrap().message_control_id().unwrap().as_str(), "7");
    /// assert_eq!(m.get("MSH-9-3").unwrap().as_deref(), Some("ORU_R01"));
    /// # }
    /// ```
    pub fn build_as<'a, T: crate::typed::TypedStructure<'a>>(self) -> Result<Message, BuildError> {
        let version = self.version_desc()?;
        self.build_in(version, T::STRUCTURE)
    }

    fn build_in(
        self,
        version: &'static VersionDesc,
        structure: &'static crate::descriptor::StructureDesc,
    ) -> Result<Message, BuildError> {
        let d = self.delimiters;
        d.validate()?;
        let mut m = Message::new(version, structure, d);
        // MSH-1 and MSH-2 are the delimiters themselves: the segment starts with them.
        m.set_er7("MSH", &format!("MSH{}{}", d.field, d.encoding_characters()))?;
        for (path, value) in self.header_fields(version, structure.id) {
            m.set(path, &value)?;
        }
        Ok(m)
    }

    /// The header fields after MSH-2, by path, with the values to write (empty ones left
    /// out).
    fn header_fields(
        &self,
        version: &'static VersionDesc,
        structure: &str,
    ) -> Vec<(&'static str, String)> {
        let ts = self
            .timestamp
            .clone()
            .unwrap_or_else(|| format!("{}+0000", now()));
        let mut fields = vec![
            ("MSH-3", self.sending.0.clone()),
            ("MSH-4", self.sending.1.clone()),
            ("MSH-5", self.receiving.0.clone()),
            ("MSH-6", self.receiving.1.clone()),
            ("MSH-7", ts),
            ("MSH-9-1", self.msg_type.clone()),
            ("MSH-9-2", self.event.clone()),
        ];
        // MSH-9.3 (message structure) exists from 2.3.1 on; before, MSH-9 has two components.
        if msh9_components(version) >= 3 {
            fields.push(("MSH-9-3", structure.to_owned()));
        }
        let id = self.control_id.clone().unwrap_or_else(next_control_id);
        fields.push(("MSH-10", id));
        fields.push(("MSH-11", self.processing_id.clone()));
        fields.push(("MSH-12", version.version.to_owned()));
        fields.retain(|(_, v)| !v.is_empty());
        fields
    }
}

fn msh9_components(version: &VersionDesc) -> usize {
    version
        .segment("MSH")
        .and_then(|s| s.fields.iter().find(|f| f.seq == 9))
        .and_then(|f| version.datatype(f.datatype))
        .map_or(0, |dt| dt.components.len())
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A new message control id (MSH-10): the current UTC time to the second followed by a
/// six-digit counter, 20 characters (MSH-10's length in 2.5), unique within a process for up
/// to a million messages a second and across restarts.
pub fn next_control_id() -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed) % 1_000_000;
    format!("{}{n:06}", now())
}

/// The current UTC time as `YYYYMMDDHHMMSS`.
pub(crate) fn now() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format_utc(secs)
}

/// Seconds since 1970-01-01T00:00:00Z as `YYYYMMDDHHMMSS` (proleptic Gregorian calendar).
fn format_utc(secs: u64) -> String {
    let rem = secs % 86_400;
    let (year, month, day) = civil_from_days((secs / 86_400) as i64);
    format!(
        "{year:04}{month:02}{day:02}{:02}{:02}{:02}",
        rem / 3_600,
        rem / 60 % 60,
        rem % 60
    )
}

/// Days since 1970-01-01 as the (year, month, day) of the proleptic Gregorian calendar
/// (Howard Hinnant's algorithm), for timestamps written without a date library.
///
/// ```
/// assert_eq!(hl7_model::build::civil_from_days(0), (1970, 1, 1));
/// assert_eq!(hl7_model::build::civil_from_days(19_723), (2024, 1, 1));
/// ```
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_formatting_matches_known_instants() {
        assert_eq!(format_utc(0), "19700101000000");
        assert_eq!(format_utc(951_782_400), "20000229000000");
        assert_eq!(format_utc(1_704_110_400), "20240101120000");
        assert_eq!(format_utc(4_102_444_799), "20991231235959");
    }

    #[test]
    fn control_ids_are_distinct_and_twenty_characters() {
        let a = next_control_id();
        let b = next_control_id();
        assert_ne!(a, b);
        assert_eq!(a.len(), 20);
        assert!(a.bytes().all(|c| c.is_ascii_digit()));
    }
}
