//! Runs the built `hl7` binary on files, on standard input and on broken input.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn example() -> PathBuf {
    workspace().join("examples/oru_r01.hl7")
}

/// A batch file (FHS, BHS, two messages, BTS, FTS) from the vendored corpus.
fn batch_file() -> PathBuf {
    workspace().join("tests/corpus/messages/ruby-hl7/realm-batch.hl7")
}

fn hl7(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hl7"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the hl7 binary runs");
    let mut pipe = child.stdin.take().expect("stdin is piped");
    pipe.write_all(stdin.unwrap_or_default())
        .expect("stdin is written");
    drop(pipe);
    child.wait_with_output().expect("the hl7 binary ends")
}

fn path_arg(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("UTF-8 output")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `text` with every segment ended by `\r`, blank lines dropped.
fn normalised(text: &[u8]) -> Vec<u8> {
    let text = String::from_utf8(text.to_vec()).expect("UTF-8 input");
    let mut out = String::new();
    for line in text.split(['\r', '\n']).filter(|l| !l.is_empty()) {
        out.push_str(line);
        out.push('\r');
    }
    out.into_bytes()
}

/// The example with MSH-10 (message control id) emptied.
fn without_msh10() -> String {
    let text = std::fs::read_to_string(example()).expect("the example is readable");
    let (msh, rest) = text
        .split_once(['\r', '\n'])
        .expect("more than one segment");
    let mut fields: Vec<&str> = msh.split('|').collect();
    // MSH-1 is the separator itself, so MSH-n is piece n-1.
    assert!(!fields[9].is_empty(), "the example has an MSH-10");
    fields[9] = "";
    format!("{}\r{rest}", fields.join("|"))
}

fn code(o: &Output) -> i32 {
    o.status
        .code()
        .expect("the binary exits normally, not by a signal")
}

#[test]
fn tree_of_the_example() {
    let o = hl7(&["tree", path_arg(&example())], None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[..5],
        [
            "ORU_R01",
            "  MSH",
            "  PATIENT_RESULT",
            "    PATIENT",
            "      PID"
        ]
    );
    assert!(!out.starts_with('#'), "no file header for a single file");
}

#[test]
fn tree_from_stdin() {
    let bytes = std::fs::read(example()).unwrap();
    let o = hl7(&["tree", "-"], Some(&bytes));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let from_file = hl7(&["tree", path_arg(&example())], None);
    assert_eq!(o.stdout, from_file.stdout);
}

#[test]
fn tree_of_several_files_has_headers() {
    let e = path_arg(&example()).to_owned();
    let o = hl7(&["tree", &e, "-"], Some(&std::fs::read(example()).unwrap()));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.starts_with(&format!("# {e}\nORU_R01\n  MSH\n")),
        "{out}"
    );
    assert!(out.contains("\n\n# <stdin>\nORU_R01\n"), "{out}");
}

#[test]
fn encode_is_byte_exact() {
    let bytes = std::fs::read(example()).unwrap();
    let o = hl7(&["encode", path_arg(&example())], None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(o.stdout, normalised(&bytes));

    let o = hl7(&["encode", "-"], Some(&bytes));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(o.stdout, normalised(&bytes));
}

#[test]
fn encode_of_messages_one_after_another() {
    let one = std::fs::read(example()).unwrap();
    let two = [normalised(&one), normalised(&one)].concat();
    let o = hl7(&["encode", "-"], Some(&two));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(o.stdout, two);

    let o = hl7(&["tree", "-"], Some(&two));
    let out = stdout(&o);
    assert_eq!(out.matches("ORU_R01\n").count(), 2);
    assert!(
        out.contains("\n\nORU_R01\n  MSH\n"),
        "blank line between messages: {out}"
    );
}

/// Each line of `out` as a JSON document.
fn json_lines(out: &str) -> Vec<serde_json::Value> {
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn json_of_the_example() {
    let o = hl7(&["json", path_arg(&example())], None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    let docs = json_lines(&out);
    assert_eq!(docs.len(), 1, "one message, one line: {out}");
    let doc = &docs[0];
    assert_eq!(doc["version"], "2.5");
    assert_eq!(doc["structure"], "ORU_R01");
    let pid = &doc["message"]["PATIENT_RESULT"][0]["PATIENT"]["PID"];
    assert_eq!(pid["PID.5"][0]["XPN.1"]["FN.1"], "DOE", "{doc}");
    assert_eq!(pid["PID.5"][0]["XPN.2"], "JANE");
    assert_eq!(doc["message"]["MSH"]["MSH.2"], "^~\\&");

    let from_stdin = hl7(&["json", "-"], Some(&std::fs::read(example()).unwrap()));
    assert_eq!(code(&from_stdin), 0, "{}", stderr(&from_stdin));
    assert_eq!(from_stdin.stdout, o.stdout);
}

#[test]
fn json_pretty_is_the_same_document_indented() {
    let compact = hl7(&["json", path_arg(&example())], None);
    let pretty = hl7(&["json", "--pretty", path_arg(&example())], None);
    assert_eq!(code(&pretty), 0, "{}", stderr(&pretty));
    let out = stdout(&pretty);
    assert!(out.lines().count() > 20, "{out}");
    assert!(out.starts_with("{\n  \"version\": \"2.5\",\n"), "{out}");
    let pretty: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(vec![pretty], json_lines(&stdout(&compact)));
}

#[test]
fn json_is_one_line_per_message() {
    let one = normalised(&std::fs::read(example()).unwrap());
    let two = [one.clone(), one].concat();
    let o = hl7(&["json", "-"], Some(&two));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let docs = json_lines(&stdout(&o));
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[0], docs[1]);

    // A message that does not parse is reported; the others are still written.
    let broken = [
        b"MSH|^~\\&|A|B|||20240101||ADT^A01|1|P|2.5\rPID|1\r".to_vec(),
        // MSH-12 names a version older than any compiled in.
        b"MSH|^~\\&|||||||ADT^A01|2|P|1.0\r".to_vec(),
    ]
    .concat();
    let o = hl7(&["json", "-"], Some(&broken));
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).starts_with("hl7: <stdin>: message 2: "),
        "{}",
        stderr(&o)
    );
    let docs = json_lines(&stdout(&o));
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0]["structure"], "ADT_A01");
}

#[test]
fn validate_clean_example() {
    let o = hl7(&["validate", path_arg(&example())], None);
    let out = stdout(&o);
    let errors = out.lines().filter(|l| l.contains(": E ")).count();
    assert_eq!(code(&o), if errors > 0 { 1 } else { 0 }, "{out}");
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
}

#[test]
fn validate_reports_missing_msh10() {
    let text = without_msh10();
    let o = hl7(&["validate", "-"], Some(text.as_bytes()));
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert!(
        out.lines()
            .any(|l| l.contains("E 101 at MSH^1^10^1^1") && l.starts_with("<stdin>: ")),
        "{out}"
    );
}

#[test]
fn validate_strict_counts_warnings() {
    // MSH-3.1 far above its length: a warning (102), and nothing else.
    let text = std::fs::read_to_string(example()).unwrap();
    let long = "X".repeat(300);
    let text = text.replacen("|LAB|", &format!("|{long}|"), 1);
    let plain = hl7(&["validate", "-"], Some(text.as_bytes()));
    let out = stdout(&plain);
    assert!(out.contains("W 102 at MSH^1^3^1^1"), "{out}");
    assert!(!out.contains(": E "), "{out}");
    assert_eq!(code(&plain), 0, "warnings alone pass: {out}");
    let strict = hl7(&["validate", "--strict", "-"], Some(text.as_bytes()));
    assert_eq!(strict.stdout, plain.stdout);
    assert_eq!(code(&strict), 1, "--strict counts the warning");
}

#[test]
fn batch_from_the_corpus() {
    let batch = batch_file();
    let bytes = std::fs::read(&batch).unwrap();
    assert!(bytes.starts_with(b"FHS"));
    let name = path_arg(&batch).to_owned();

    let o = hl7(&["encode", &name], None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(o.stdout, normalised(&bytes), "envelope kept, byte for byte");

    let o = hl7(&["tree", &name], None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert_eq!(out.matches("ORU_R01\n").count(), 2, "{out}");
    assert!(out.starts_with("ORU_R01\n  MSH\n"), "{out}");
    assert!(!out.contains("FHS") && !out.contains("BHS"), "{out}");

    let o = hl7(&["json", &name], None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let docs = json_lines(&stdout(&o));
    assert_eq!(docs.len(), 2, "the envelope is no message");
    assert!(docs.iter().all(|d| d["structure"] == "ORU_R01"));

    let o = hl7(&["validate", &name], None);
    assert!(matches!(code(&o), 0 | 1), "{}", stderr(&o));
    for line in stdout(&o).lines() {
        assert!(
            line.starts_with(&format!("{name} (message 1): "))
                || line.starts_with(&format!("{name} (message 2): ")),
            "{line}"
        );
    }
}

#[test]
fn garbage_fails_cleanly() {
    let inputs: [&[u8]; 7] = [
        b"garbage\n",
        b"",
        b"MSH",
        b"MSH|",
        b"\xff\xfe\x00\x01 not hl7 at all \x80\x81",
        b"FHS|^~\\&\rBHS|^~\\&\rMSH\rBTS|1\rFTS|1\r",
        b"\x0bMSH|^~\\&|A|B|C|D|20240101||ADT^A01|1|P|2.5\rPID|||\xc3\x28\x1c\r",
    ];
    for input in inputs {
        for cmd in ["tree", "validate", "encode", "json", "get"] {
            let args: &[&str] = if cmd == "get" {
                &[cmd, "-", "PID-5"]
            } else {
                &[cmd, "-"]
            };
            let o = hl7(args, Some(input));
            let err = stderr(&o);
            assert!(!err.contains("panicked"), "{cmd} on {input:?}: {err}");
            let c = code(&o);
            assert!(matches!(c, 0..=2), "{cmd} on {input:?}: exit {c}");
            if c == 2 {
                assert!(
                    err.starts_with("hl7: <stdin>: "),
                    "{cmd} on {input:?}: {err}"
                );
            }
        }
    }
    for cmd in ["tree", "validate", "encode", "json", "get"] {
        let args: &[&str] = if cmd == "get" {
            &[cmd, "-", "PID-5"]
        } else {
            &[cmd, "-"]
        };
        let o = hl7(args, Some(b"garbage\n"));
        assert_eq!(code(&o), 2, "{cmd}");
        assert!(o.stdout.is_empty());
    }
}

#[test]
fn unreadable_file_is_reported() {
    let missing = workspace().join("examples/no-such-file.hl7");
    let name = path_arg(&missing).to_owned();
    let e = path_arg(&example()).to_owned();
    let o = hl7(&["tree", &name, &e], None);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains(&name), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("ORU_R01"),
        "the other file is still read"
    );
}

#[test]
fn help_mentions_character_sets() {
    let o = hl7(&["encode", "--help"], None);
    assert_eq!(code(&o), 0);
    assert!(stdout(&o).contains("MSH-18"), "{}", stdout(&o));
    let o = hl7(&[], None);
    assert_eq!(code(&o), 2, "usage errors exit with 2");
}

#[test]
fn get_prints_what_paths_name() {
    let e = path_arg(&example()).to_owned();
    let o = hl7(
        &["get", &e, "PID-5", "OBX(1)-5", "OBX(1)-3-2", "PID-30"],
        None,
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "DOE^JANE^Q\t142\tTriglyceride\t\n");
    let o = hl7(&["get", "--value", &e, "PID-5"], None);
    assert_eq!(stdout(&o), "DOE\n");
    let o = hl7(
        &[
            "get",
            &e,
            "/PATIENT_RESULT/ORDER_OBSERVATION/OBSERVATION(1)/NTE-3",
        ],
        None,
    );
    assert_eq!(stdout(&o), "Fasting sample\n");
    // Escapes stay in the wire text, and are decoded with --value.
    let text = b"MSH|^~\\&|A||||||ADT^A01|1|P|2.5\rPID|1||||A\\S\\B\r";
    assert_eq!(
        stdout(&hl7(&["get", "-", "PID-5"], Some(text))),
        "A\\S\\B\n"
    );
    assert_eq!(
        stdout(&hl7(&["get", "--value", "-", "PID-5"], Some(text))),
        "A^B\n"
    );
}

#[test]
fn get_prints_one_line_per_message_of_a_batch() {
    let batch = batch_file();
    let o = hl7(&["get", path_arg(&batch), "MSH-10"], None);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // MSH-10 of each MSH line, read from the file by hand.
    let text = std::fs::read_to_string(&batch).unwrap();
    let expected: String = text
        .split(['\r', '\n'])
        .filter(|l| l.starts_with("MSH"))
        .map(|l| format!("{}\n", l.split('|').nth(9).unwrap_or("")))
        .collect();
    assert_eq!(expected.lines().count(), 2);
    assert_eq!(stdout(&o), expected);
}

#[test]
fn get_refuses_a_bad_path_before_reading() {
    let e = path_arg(&example()).to_owned();
    let o = hl7(&["get", &e, "PID-0"], None);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).starts_with("hl7: PATH: path `PID-0`"),
        "{}",
        stderr(&o)
    );
    assert!(o.stdout.is_empty());
}

fn charset_file(name: &str) -> String {
    path_arg(&workspace().join("tests/charsets").join(name)).to_owned()
}

#[test]
fn files_are_read_by_their_msh18() {
    for (file, name) in [
        // 宮本 in ISO-2022-JP: both kanji end in the byte `\`.
        ("iso-2022-jp.hl7", "\u{5BAE}\u{672C}"),
        ("latin1-de.hl7", "M\u{FC}ller"),
        ("gb18030.hl7", "\u{5218}"),
        ("big5.hl7", "\u{8A31}"),
    ] {
        let o = hl7(&["get", "--value", &charset_file(file), "PID-5-1"], None);
        assert_eq!(code(&o), 0, "{file}: {}", stderr(&o));
        assert_eq!(stdout(&o), format!("{name}\n"), "{file}");
    }
    // Bytes the declared set cannot hold are an error, not U+FFFD.
    let o = hl7(
        &["get", "--value", "-", "PID-5-1"],
        Some(b"MSH|^~\\&|A||||||ADT^A01|1|P|2.5||||||UNICODE UTF-8\rPID|1||7||\xe9\r"),
    );
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("UTF-8"), "{}", stderr(&o));
}

#[test]
fn charset_prints_msh18_decoder_and_dicom() {
    let o = hl7(
        &[
            "charset",
            &charset_file("iso-2022-jp.hl7"),
            &charset_file("big5.hl7"),
            &charset_file("latin9-fr.hl7"),
        ],
        None,
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    for line in [
        "  MSH-18: ~ISO IR87",
        "  MSH-20: ISO 2022-1994",
        "  decoder: ISO 2022: US-ASCII + ISO-2022-JP",
        "  DICOM (0008,0005): \\ISO 2022 IR 87",
        "  dcm4che: ISO 2022 IR 87",
        "  MSH-18: BIG-5",
        "  decoder: BIG-5 (Big5)",
        "  DICOM (0008,0005): none: MSH-18 `BIG-5` has no DICOM term: decode the message and re-emit it as UNICODE UTF-8 / ISO_IR 192",
        "  DICOM (0008,0005): ISO_IR 203",
    ] {
        assert!(out.lines().any(|l| l == line), "{line:?} not in\n{out}");
    }
}
