//! `hl7`: the command-line face of the toolkit, for HL7 v2 files in ER7 (pipe-delimited) form.
//!
//! - `hl7 tree FILE…` prints each message's structure and group tree
//!   ([`hl7_model::message::Message::tree_lines`]): the structure id, then its segments
//!   and groups, nested.
//! - `hl7 validate [--strict] FILE…` prints every validation finding
//!   ([`hl7_model::message::Message::validate`]) and exits with 1 when any is an error
//!   (with `--strict`, a warning too).
//! - `hl7 encode FILE…` parses each file and writes it back in ER7, every segment ended by
//!   `\r`: the bytes that were read, with line ends normalised.
//! - `hl7 json [--pretty] FILE…` prints each message in the JSON form of [`hl7_model::json`]
//!   (`{"version", "structure", "message"}`), one compact document per line (NDJSON), or
//!   indented with `--pretty`.
//! - `hl7 get [--value] FILE PATH…` prints, for each message, what each terser-style PATH
//!   ([`hl7_model::path`]: `PID-5`, `PID-3(1)-1`, `/.ORDER_OBSERVATION(1)/OBX(2)-5`) names:
//!   one line per message, the paths' results separated by tabs, an empty string where a path
//!   names nothing. The result is the wire text (escapes kept, so it stays on one line); with
//!   `--value`, the decoded value of the first component, as HAPI's Terser gives it.
//! - `hl7 v3 FILE PATH…` prints the HL7 v3 form (R1 XML ITS) of each path's value and what
//!   the v2 → v3 mapping did not carry ([`hl7_v3::map`]).
//!
//! - `hl7 listen --mllp ADDR --store PATH` receives messages over MLLP and answers each with
//!   its ACK once it is committed to the SQLite store at PATH (`hl7_wire`); Ctrl-C stops after
//!   the messages in flight. `--https ADDR` (or `--http ADDR`) takes HL7 over HTTP(S) too;
//!   `--tls-cert`/`--tls-key` serve TLS, `--client-ca` and `--allow-name` ask for and check
//!   client certificates, `--allow-addr` limits the peers.
//! - `hl7 send --to ADDR FILE…` sends each message and waits for its ACK: exit 1 when any was
//!   AE/AR, 2 when one got no ACK. `--http URL` posts instead; `--tls-ca` (and
//!   `--tls-cert`/`--tls-key` for a client certificate) send over TLS.
//! - `hl7 store PATH` lists a store: id, received time (UTC), MSH-10, type, state.
//!
//! A FILE may hold one message, several one after another, or a batch (`FHS`/`BHS` …
//! `BTS`/`FTS`), also as captured from an MLLP connection (framing bytes skipped); `-` reads
//! standard input. Every version from 2.1 to 2.8.2 is compiled in.
//! Input is read as bytes, each message decoded by its MSH-18 and MSH-20 character sets
//! ([`hl7_model::charset`]); bytes the declared set cannot hold are an error, not replaced.
//! - `hl7 charset FILE…` prints, per message, MSH-18 and MSH-20, the decoder used, and the
//!   DICOM (0008,0005) value (and dcm4che's).
//!
//! Every message is read into a [`hl7_model::Message`]: its text
//! and group tree, nothing decoded until asked for.
//!
//! Exit codes: 0 when all went well, 1 when `validate` found an error, 2 when a file could not
//! be read or a message could not be parsed (each reported on stderr with the file name).

#![forbid(unsafe_code)]

use std::fmt::Display;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod charset;
mod v3;

use clap::{Parser, Subcommand};
use hl7_model::er7::{Batch, Item};
use hl7_model::message::{Message, ParseOptions};
use hl7_model::validate::Severity;

mod wire;

const INPUT_NOTE: &str = "FILE may hold one message, several messages one after another, or a \
batch (FHS/BHS … BTS/FTS), also as captured from an MLLP connection (framing bytes skipped); `-` \
reads standard input. Each message is decoded by its MSH-18 (and MSH-20) character sets; bytes \
the declared set cannot hold are an error.";

/// Reads, checks and writes back HL7 v2 messages in ER7 form.
#[derive(Debug, Parser)]
#[command(name = "hl7", version, about, after_help = INPUT_NOTE)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print each message's structure and group tree, one node per line.
    #[command(after_help = INPUT_NOTE)]
    Tree {
        /// Files to read (`-` for standard input).
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Print every validation finding; exit with 1 when any is an error.
    #[command(after_help = INPUT_NOTE)]
    Validate {
        /// Count warnings as errors for the exit code.
        #[arg(long)]
        strict: bool,
        /// Files to read (`-` for standard input).
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Parse and write back in ER7, every segment ended by `\r`.
    #[command(after_help = INPUT_NOTE)]
    Encode {
        /// Files to read (`-` for standard input).
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Print each message as JSON, one document per line (NDJSON).
    #[command(after_help = INPUT_NOTE)]
    Json {
        /// Indent each document over several lines instead.
        #[arg(long)]
        pretty: bool,
        /// Files to read (`-` for standard input).
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Print the HL7 v3 form (R1 XML ITS) of what each path names, with the mapping's losses.
    V3 {
        /// File to read (`-` for standard input).
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Field or component paths such as PID-5, PID-3(1), OBX(0)-5, PID-11-1.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<String>,
    },
    /// Print what terser-style paths name in each message, one line per message.
    #[command(after_help = GET_NOTE)]
    Get {
        /// The decoded value of the first component instead of the wire text.
        #[arg(long)]
        value: bool,
        /// File to read (`-` for standard input).
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Paths such as PID-5, PID-3(1)-1, /.ORDER_OBSERVATION(1)/OBX(2)-5.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<String>,
    },
    /// Receive messages over MLLP and/or HTTP(S), committing each to a store before acknowledging it.
    Listen(wire::ListenArgs),
    /// Send messages over MLLP or HTTP(S), waiting for each ACK; exit 1 on AE/AR, 2 on no ACK.
    Send(wire::SendArgs),
    /// List what a store holds: id, received time, MSH-10, type, state.
    Store(wire::StoreArgs),
    /// Print each message's MSH-18, the decoder used and its DICOM (0008,0005) value.
    #[command(after_help = INPUT_NOTE)]
    Charset {
        /// Files to read (`-` for standard input).
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
}

const GET_NOTE: &str = "Repetitions in parentheses count from 0, as in HAPI's Terser (PID-3(1) is the second); in brackets from 1 (PID-3[2] is the same). A path without a leading `/` finds its segment anywhere in the message; OBX(2) is the message's third OBX. Each message's results are printed on one line, separated by tabs; a path naming nothing gives an empty string.";

/// Exit code: a file could not be read or a message could not be parsed.
const EXIT_FAILURE: u8 = 2;
/// Exit code: validation found an error.
const EXIT_INVALID: u8 = 1;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut run = Run::default();
    let written = match &cli.command {
        Command::Tree { files } => tree(&mut run, files, &mut out),
        Command::Validate { strict, files } => validate(&mut run, files, *strict, &mut out),
        Command::Encode { files } => encode(&mut run, files, &mut out),
        Command::Json { pretty, files } => json(&mut run, files, *pretty, &mut out),
        Command::Get { value, file, paths } => get(&mut run, file, paths, *value, &mut out),
        Command::V3 { file, paths } => v3::run(&mut run, file, paths, &mut out),
        Command::Listen(args) => wire_result(&mut run, wire::listen(args)),
        Command::Send(args) => match wire::send(args) {
            Ok(code) => {
                run.code = run.code.max(code);
                Ok(())
            }
            Err(e) => wire_result(&mut run, Err(e)),
        },
        Command::Store(args) => wire_result(&mut run, wire::store(args, &mut out)),
        Command::Charset { files } => charsets(&mut run, files, &mut out),
    }
    .and_then(|()| out.flush());
    match written {
        Ok(()) => {}
        // The reader went away (`hl7 tree big.hl7 | head`): nothing more to say.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
        Err(e) => {
            eprintln!("hl7: writing the output: {e}");
            run.fail();
        }
    }
    ExitCode::from(run.code)
}

/// Reports a failed `listen`, `send` or `store`.
fn wire_result(run: &mut Run, result: anyhow::Result<()>) -> io::Result<()> {
    if let Err(e) = result {
        eprintln!("hl7: {e:#}");
        run.fail();
    }
    Ok(())
}

/// The exit code so far: the worst outcome wins.
#[derive(Debug, Default)]
struct Run {
    code: u8,
}

impl Run {
    fn fail(&mut self) {
        self.code = EXIT_FAILURE;
    }

    fn invalid(&mut self) {
        self.code = self.code.max(EXIT_INVALID);
    }

    /// Reports an error about `name` on stderr.
    fn error(&mut self, name: &str, what: impl Display) {
        eprintln!("hl7: {name}: {what}");
        self.fail();
    }
}

/// One input file's text and name as shown in messages.
struct Input {
    name: String,
    text: String,
}

fn display_name(path: &Path) -> String {
    if is_stdin(path) {
        "<stdin>".to_owned()
    } else {
        path.display().to_string()
    }
}

fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Reads a file (or standard input for `-`) as bytes.
fn read_bytes(path: &Path) -> anyhow::Result<Vec<u8>> {
    use anyhow::Context;
    if is_stdin(path) {
        let mut buf = Vec::new();
        io::stdin()
            .lock()
            .read_to_end(&mut buf)
            .context("cannot read standard input")?;
        Ok(buf)
    } else {
        std::fs::read(path).context("cannot read the file")
    }
}

/// Reads a file as text, each message decoded by its MSH-18; notes go to stderr.
fn read(path: &Path) -> anyhow::Result<String> {
    let name = display_name(path);
    charset::text_of(&read_bytes(path)?, |note| eprintln!("hl7: {name}: {note}"))
}

/// `hl7 charset`.
fn charsets(run: &mut Run, files: &[PathBuf], out: &mut impl Write) -> io::Result<()> {
    for path in files {
        let name = display_name(path);
        match read_bytes(path) {
            Ok(bytes) => {
                if let Err(e) = charset::report(&name, &bytes, out)? {
                    run.error(&name, e);
                }
            }
            Err(e) => run.error(&name, format_args!("{e:#}")),
        }
    }
    Ok(())
}

/// Reads every file, reporting those that cannot be read.
fn inputs<'f>(run: &'f mut Run, files: &'f [PathBuf]) -> impl Iterator<Item = Input> + 'f {
    files.iter().filter_map(move |path| {
        let name = display_name(path);
        match read(path) {
            Ok(text) => Some(Input { name, text }),
            Err(e) => {
                run.error(&name, format_args!("{e:#}"));
                None
            }
        }
    })
}

/// The messages of one input, parsed, with their 1-based index; a message that does not parse
/// is reported and left out. `None` when the text cannot be split into messages at all.
fn parse_messages(run: &mut Run, input: &Input) -> Option<Vec<(usize, Message)>> {
    let batch = match Batch::parse(&input.text) {
        Ok(b) => b,
        Err(e) => {
            run.error(&input.name, format_args!("not HL7 v2 ER7 text: {e}"));
            return None;
        }
    };
    let mut parsed = Vec::new();
    let opts = ParseOptions::default();
    for (i, m) in batch.messages().enumerate() {
        match Message::parse(m.as_str(), &opts) {
            Ok(p) => parsed.push((i + 1, p)),
            Err(e) => run.error(&input.name, format_args!("message {}: {e}", i + 1)),
        }
    }
    Some(parsed)
}

fn tree(run: &mut Run, files: &[PathBuf], out: &mut impl Write) -> io::Result<()> {
    let several_files = files.len() > 1;
    let mut first = true;
    let mut separate = |out: &mut dyn Write| -> io::Result<()> {
        if !std::mem::take(&mut first) {
            writeln!(out)?;
        }
        Ok(())
    };
    let inputs: Vec<Input> = inputs(run, files).collect();
    for input in &inputs {
        let Some(messages) = parse_messages(run, input) else {
            continue;
        };
        if several_files {
            separate(out)?;
            writeln!(out, "# {}", input.name)?;
        }
        for (k, (_, parsed)) in messages.iter().enumerate() {
            if several_files && k == 0 {
                // The file's header line already separates it from what came before.
            } else {
                separate(out)?;
            }
            for line in parsed.tree_lines() {
                writeln!(out, "{line}")?;
            }
        }
    }
    Ok(())
}

fn validate(
    run: &mut Run,
    files: &[PathBuf],
    strict: bool,
    out: &mut impl Write,
) -> io::Result<()> {
    let inputs: Vec<Input> = inputs(run, files).collect();
    for input in &inputs {
        let Some(messages) = parse_messages(run, input) else {
            continue;
        };
        // Messages that did not parse count too: the index is the message's place in the file.
        let several = messages.len() > 1 || messages.first().is_some_and(|(i, _)| *i > 1);
        for (index, parsed) in &messages {
            for finding in parsed.validate() {
                let counts = match finding.severity {
                    Severity::Error => true,
                    Severity::Warning => strict,
                    Severity::Information => false,
                };
                if counts {
                    run.invalid();
                }
                if several {
                    writeln!(out, "{} (message {index}): {finding}", input.name)?;
                } else {
                    writeln!(out, "{}: {finding}", input.name)?;
                }
            }
        }
    }
    Ok(())
}

fn encode(run: &mut Run, files: &[PathBuf], out: &mut impl Write) -> io::Result<()> {
    let inputs: Vec<Input> = inputs(run, files).collect();
    for input in &inputs {
        if let Some(text) = encode_one(run, input) {
            out.write_all(text.as_bytes())?;
        }
    }
    Ok(())
}

/// The whole input written back: envelope and stray segments as they were read, each message
/// through its parsed form. `None` (reported) when any part does not parse, so that no partial
/// file is written.
fn encode_one(run: &mut Run, input: &Input) -> Option<String> {
    let batch = match Batch::parse(&input.text) {
        Ok(b) => b,
        Err(e) => {
            run.error(&input.name, format_args!("not HL7 v2 ER7 text: {e}"));
            return None;
        }
    };
    let mut text = String::with_capacity(input.text.len() + 16);
    let mut ok = true;
    let mut index = 0;
    for item in batch.items() {
        match item {
            Item::Envelope(s) | Item::Stray(s) => {
                text.push_str(s.as_str());
                text.push('\r');
            }
            Item::Message(m) => {
                index += 1;
                match Message::parse(m.as_str(), &ParseOptions::default()) {
                    Ok(parsed) => text.push_str(&parsed.to_er7()),
                    Err(e) => {
                        run.error(&input.name, format_args!("message {index}: {e}"));
                        ok = false;
                    }
                }
            }
        }
    }
    ok.then_some(text)
}

fn json(run: &mut Run, files: &[PathBuf], pretty: bool, out: &mut impl Write) -> io::Result<()> {
    let inputs: Vec<Input> = inputs(run, files).collect();
    for input in &inputs {
        let Some(messages) = parse_messages(run, input) else {
            continue;
        };
        for (_, parsed) in &messages {
            // serde_json fails only when writing fails: its error carries the io::Error, so a
            // closed pipe is still recognised as one.
            if pretty {
                serde_json::to_writer_pretty(&mut *out, parsed)?;
            } else {
                serde_json::to_writer(&mut *out, parsed)?;
            }
            writeln!(out)?;
        }
    }
    Ok(())
}

fn get(
    run: &mut Run,
    file: &Path,
    paths: &[String],
    value: bool,
    out: &mut impl Write,
) -> io::Result<()> {
    let mut parsed_paths = Vec::with_capacity(paths.len());
    for p in paths {
        match p.parse::<hl7_model::path::TerserPath>() {
            Ok(path) => parsed_paths.push(path),
            Err(e) => run.error("PATH", e),
        }
    }
    if parsed_paths.len() != paths.len() {
        return Ok(());
    }
    let inputs: Vec<Input> = inputs(run, std::slice::from_ref(&file.to_path_buf())).collect();
    for input in &inputs {
        let Some(messages) = parse_messages(run, input) else {
            continue;
        };
        for (index, parsed) in &messages {
            let mut line = Vec::with_capacity(parsed_paths.len());
            for path in &parsed_paths {
                let got = if value {
                    path.get(parsed.lean())
                } else {
                    path.get_er7(parsed.lean())
                };
                match got {
                    Ok(v) => line.push(v.unwrap_or_default()),
                    Err(e) => {
                        run.error(&input.name, format_args!("message {index}: {e}"));
                        line.push(String::new());
                    }
                }
            }
            writeln!(out, "{}", line.join("\t"))?;
        }
    }
    Ok(())
}
