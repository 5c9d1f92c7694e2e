//! What a message costs once parsed, measured with a counting allocator over every corpus
//! message of every version; how deep the stack goes; and how big the generated view types
//! are. A binary of its own, so that its global allocator counts these tests alone; they take
//! turns, since the counter sees every thread.

#[path = "it/common/mod.rs"]
mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Mutex;
use std::sync::atomic::{AtomicIsize, Ordering};

use common::corpus_messages;
use hl7_model::er7::Er7Error;
use hl7_model::message::{Message, ParseError, ParseOptions, parse_all, parse_with};
use std::time::{Duration, Instant};

/// Bytes currently allocated, through the system allocator.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);
/// The most bytes allocated at once since it was last reset to `LIVE`.
static PEAK: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call is forwarded unchanged to `System`; the counter is only arithmetic.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        PEAK.fetch_max(live + layout.size() as isize, Ordering::Relaxed);
        // SAFETY: the caller's contract is passed on unchanged.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let grow = new_size as isize - layout.size() as isize;
        let live = LIVE.fetch_add(grow, Ordering::Relaxed);
        PEAK.fetch_max(live + grow, Ordering::Relaxed);
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// One test at a time: the counter sees every thread.
static TURN: Mutex<()> = Mutex::new(());

/// The memory target: once parsed, a message holds at most twice its wire size when it is
/// 1 KB or more, and at most its wire size plus 1 KB below that; counted by the allocator,
/// on every corpus message of every version (the message's own size included).
#[test]
fn a_parsed_message_holds_about_what_was_sent() {
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    let opts = ParseOptions::default();
    let (mut measured, mut small, mut versions) = (0, 0, std::collections::BTreeSet::new());
    let mut worst = (0.0f64, String::new());
    for (file, text) in corpus_messages() {
        let before = LIVE.load(Ordering::Relaxed);
        let Ok(m) = parse_with(&text, &opts) else {
            continue;
        };
        let live = (LIVE.load(Ordering::Relaxed) - before) as usize + size_of_val(&m);
        let wire = text.len();
        let limit = if wire >= 1024 { 2 * wire } else { wire + 1024 };
        assert!(
            live <= limit,
            "{}: {live} bytes live for {wire} sent (limit {limit})",
            file.display()
        );
        // The message's own account agrees with the allocator's.
        assert!(
            m.heap_bytes() + size_of_val(&m) >= live * 9 / 10,
            "{}: heap_bytes {} against {live} counted",
            file.display(),
            m.heap_bytes()
        );
        let ratio = live as f64 / wire as f64;
        if wire >= 1024 && ratio > worst.0 {
            worst = (ratio, file.display().to_string());
        }
        small += usize::from(wire < 1024);
        versions.insert(m.version().version);
        measured += 1;
        drop(m);
    }
    assert!(
        measured >= 380 && small >= 100,
        "{measured} messages, {small} small"
    );
    assert!(versions.len() >= 10, "{versions:?}");
    eprintln!("worst ratio at 1 KB or more: {:.2} ({})", worst.0, worst.1);
}

/// Parsing, validating, writing back and serialising every corpus message works on a thread
/// with a 64 KB stack, in a debug build: nothing on the way is held on the stack by the size
/// of a structure's definition.
#[test]
fn every_corpus_message_is_read_on_a_64_kb_stack() {
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    let texts: Vec<String> = corpus_messages().into_iter().map(|(_, t)| t).collect();
    let read = std::thread::Builder::new()
        .stack_size(64 * 1024)
        .spawn(move || {
            let opts = ParseOptions::default();
            let mut read = 0;
            for text in &texts {
                let Ok(m) = parse_with(text, &opts) else {
                    continue;
                };
                let _findings = m.validate();
                let er7 = m.to_er7();
                let json = serde_json::to_string(&m).expect("serialises");
                let tree = m.tree_lines();
                assert!(!er7.is_empty() && json.len() > 2 && !tree.is_empty());
                read += 1;
            }
            read
        })
        .expect("a thread")
        .join()
        .expect("no stack overflow");
    assert!(read >= 380, "{read}");
}

/// Every generated view type of every version is a handle of a few words, at most 512 bytes,
/// whatever its definition holds.
#[test]
fn every_generated_type_is_at_most_512_bytes() {
    // Its allocations would count in the other tests' measurements.
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    let versions: [(&str, &[(&str, usize)]); 13] = [
        ("2.1", hl7_model::v2_1::VIEW_SIZES),
        ("2.2", hl7_model::v2_2::VIEW_SIZES),
        ("2.3", hl7_model::v2_3::VIEW_SIZES),
        ("2.3.1", hl7_model::v2_3_1::VIEW_SIZES),
        ("2.4", hl7_model::v2_4::VIEW_SIZES),
        ("2.5", hl7_model::v2_5::VIEW_SIZES),
        ("2.5.1", hl7_model::v2_5_1::VIEW_SIZES),
        ("2.6", hl7_model::v2_6::VIEW_SIZES),
        ("2.7", hl7_model::v2_7::VIEW_SIZES),
        ("2.7.1", hl7_model::v2_7_1::VIEW_SIZES),
        ("2.8", hl7_model::v2_8::VIEW_SIZES),
        ("2.8.1", hl7_model::v2_8_1::VIEW_SIZES),
        ("2.8.2", hl7_model::v2_8_2::VIEW_SIZES),
    ];
    let mut largest = ("", "", 0);
    for (version, sizes) in versions {
        let v = hl7_model::VERSIONS
            .iter()
            .find(|v| v.version == version)
            .expect("compiled in");
        // One entry per composite, segment and structure at least: nothing was left out.
        let composites = v.datatypes.iter().filter(|d| !d.components.is_empty());
        assert!(
            sizes.len() >= composites.count() + v.segments.len() + v.structures.len(),
            "v{version}: {} types listed",
            sizes.len()
        );
        for &(name, size) in sizes {
            assert!(size <= 512, "v{version} {name}: {size} bytes");
            if size > largest.2 {
                largest = (version, name, size);
            }
        }
    }
    eprintln!(
        "largest: v{} {} ({} bytes)",
        largest.0, largest.1, largest.2
    );
}

/// A field, component or escape pattern repeated to `len` bytes in PID-3, or a segment or a
/// group-opening segment repeated to `len` bytes.
fn hostile(pattern: &str, len: usize) -> String {
    let head = "MSH|^~\\&|A|B|C|D|20240101||ORU^R01^ORU_R01|1|P|2.5\r";
    let mut text = String::with_capacity(len + 200);
    text.push_str(head);
    match pattern {
        "segments" | "OBR" => {
            text.push_str("PID|1||7\r");
            let seg = if pattern == "OBR" {
                "OBR|1\r"
            } else {
                "NTE|1||x\r"
            };
            while text.len() < len {
                text.push_str(seg);
            }
        }
        _ => {
            text.push_str("PID|1||");
            while text.len() < len {
                text.push_str(pattern);
            }
            text.push('\r');
        }
    }
    text
}

/// Runs `step`, returning its result and the most bytes it held at once beyond what was
/// live before it.
fn peak_of<T>(step: impl FnOnce() -> T) -> (T, usize) {
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let out = step();
    (out, (PEAK.load(Ordering::Relaxed) - before).max(0) as usize)
}

/// What a user does with one message, step by step: the time of the whole, and each step's
/// peak memory.
fn use_fully(text: &str, opts: &ParseOptions) -> (Duration, [(&'static str, usize); 6]) {
    let start = Instant::now();
    let (m, parse): (Message, _) = peak_of(|| parse_with(text, opts).expect("parses"));
    let (findings, validate) = peak_of(|| m.validate().len());
    let (er7, write) = peak_of(|| m.to_er7().len());
    let (json, serialise) = peak_of(|| serde_json::to_string(&m).expect("serialises").len());
    let (read, paths) = peak_of(|| {
        let first = m.get("PID-3(0)-1").expect("a path").map_or(0, |v| v.len());
        let name = m.get("PID-3-1-1").expect("a path").map_or(0, |v| v.len());
        first + name
    });
    let (tree, lines) = peak_of(|| m.tree_lines().len());
    std::hint::black_box(findings + er7 + json + read + tree);
    let elapsed = start.elapsed();
    drop(m);
    (
        elapsed,
        [
            ("parse", parse),
            ("validate", validate),
            ("to_er7", write),
            ("json", serialise),
            ("paths", paths),
            ("tree_lines", lines),
        ],
    )
}

/// The fastest of three runs, and each step's peak memory.
fn measure(text: &str, opts: &ParseOptions) -> (Duration, [(&'static str, usize); 6]) {
    let mut best = use_fully(text, opts);
    for _ in 0..2 {
        let run = use_fully(text, opts);
        if run.0 < best.0 {
            best.0 = run.0;
        }
    }
    best
}

/// No input makes time or memory grow faster than its size: 1 MB of `~`, `\X..\`, `^`, `&`,
/// of segments, and of one segment that a group keeps opening, parsed, validated, written
/// back, serialised and read by path. Each is compared with the same pattern at 1/8 of the
/// size: eight times the input may cost eight times as much (24 allowed, for noise), where a
/// quadratic step would cost 64 times. Each step's memory at its peak stays within a constant
/// factor of the input.
#[test]
fn one_megabyte_of_any_pattern_costs_linear_time_and_memory() {
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    // The limits raised, so that the cost of what they would refuse is measured too.
    let opts = ParseOptions::default()
        .max_segments(1 << 20)
        .max_repetitions(1 << 20);
    const MB: usize = 1 << 20;
    for pattern in ["~", "\\X41\\", "^", "&", "segments", "OBR"] {
        let big = hostile(pattern, MB);
        let small = hostile(pattern, MB / 8);
        let (t_small, _) = measure(&small, &opts);
        let (t_big, peaks) = measure(&big, &opts);
        let ratio = t_big.as_secs_f64() / t_small.as_secs_f64().max(1e-6);
        let shown: Vec<String> = peaks
            .iter()
            .map(|(step, bytes)| format!("{step} {:.1}", *bytes as f64 / MB as f64))
            .collect();
        eprintln!(
            "{pattern:>9}: 1 MB in {t_big:?} ({ratio:.1}× the 128 KB run); peak MB: {}",
            shown.join(", ")
        );
        assert!(
            ratio < 24.0,
            "{pattern}: {ratio:.1}× the time for 8× the input"
        );
        for (step, bytes) in peaks {
            assert!(
                bytes < 40 * big.len(),
                "{pattern}: {step} held {bytes} bytes at once for {} bytes",
                big.len()
            );
        }
    }
}

/// The limits of parsing refuse with typed errors, at their defaults and as configured.
#[test]
fn the_size_segment_and_repetition_limits_refuse_with_typed_errors() {
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    let segments = hostile("segments", 1 << 20);
    let count = segments.split('\r').filter(|s| !s.is_empty()).count();
    assert!(count > 100_000);
    assert_eq!(
        parse_with(&segments, &ParseOptions::default()).unwrap_err(),
        ParseError::TooManySegments { limit: 100_000 }
    );
    let tight = ParseOptions::default().max_message_len(1000);
    assert!(matches!(
        parse_with(&hostile("~", 1001), &tight),
        Err(ParseError::TooLong { limit: 1000, .. })
    ));
    assert!(parse_with(&hostile("~", 900), &tight).is_ok());

    // 1 MB of `~` is a million repetitions of PID-3.
    let tildes = hostile("~", 1 << 20);
    assert_eq!(
        parse_with(&tildes, &ParseOptions::default()).unwrap_err(),
        ParseError::TooManyRepetitions {
            segment: 2,
            id: "PID".to_owned(),
            field: 3,
            limit: 10_000
        }
    );
    let reps = |n: usize| {
        let head = "MSH|^~\\&|A|B|C|D|20240101||ORU^R01^ORU_R01|1|P|2.5\r";
        format!("{head}PID|1||{}\r", vec!["x"; n].join("~"))
    };
    let ten = ParseOptions::default().max_repetitions(10);
    assert!(parse_with(&reps(10), &ten).is_ok());
    assert!(matches!(
        parse_with(&reps(11), &ten),
        Err(ParseError::TooManyRepetitions {
            field: 3,
            limit: 10,
            ..
        })
    ));
    // MSH-2 holds the repetition separator, and is not a repeated field.
    let one = ParseOptions::default().max_repetitions(1);
    assert!(parse_with(&reps(1), &one).is_ok());

    // A batch is held to its own segment count, envelope included, before any message is
    // read: a million segments by default.
    let head = "MSH|^~\\&|A|B|C|D|20240101||ADT^A01^ADT_A01|1|P|2.5\r";
    let batch = format!("BHS|^~\\&\r{head}PID|1\r{head}PID|2\rBTS|2\r");
    let limit = |n| ParseOptions::default().max_batch_segments(n);
    assert_eq!(parse_all(&batch, &limit(6)).unwrap().len(), 2);
    assert_eq!(
        parse_all(&batch, &limit(5)).unwrap_err(),
        ParseError::Er7(Er7Error::TooManySegments { limit: 5 })
    );
    let many = format!("{head}{}", "ZZZ\r".repeat(1_000_000));
    assert_eq!(
        parse_all(&many, &ParseOptions::default()).unwrap_err(),
        ParseError::Er7(Er7Error::TooManySegments { limit: 1_000_000 })
    );
}
