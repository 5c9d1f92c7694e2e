//! `hl7-bench`: every parser on every message of the set, in one run, as a Markdown table:
//! messages and megabytes per second, the share of the split floor, allocations and live bytes
//! per message; then how parse time scales with message size.
//!
//! ```text
//! cargo run --release -p hl7-bench                                # print the tables
//! cargo run --release -p hl7-bench -- --write docs/representation.md  # and write them there
//! cargo run --release -p hl7-bench -- --seconds 0.05                # a quick look
//! cargo run --release -p hl7-bench -- --only "hl7 parse"              # the parsers named so
//! ```

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use hl7_bench::{
    Counting, Parser, Sample, counters, parsers, samples, scaling_parsers, scaling_samples,
};

#[global_allocator]
static ALLOC: Counting = Counting;

/// The section of a Markdown file that `--write` replaces.
const BEGIN: &str =
    "<!-- BEGIN bench: written by `cargo run --release -p hl7-bench -- --write FILE` -->";
const END: &str = "<!-- END bench -->";

/// What one parser did on one message.
struct Cell {
    ns_per_msg: f64,
    allocations: u64,
    live: isize,
}

fn measure(p: &Parser, text: &str, budget: Duration) -> Option<Cell> {
    // Memory: one parse, counted while its result is alive.
    let (a0, l0) = counters();
    let kept = (p.parse)(text)?;
    let (a1, l1) = counters();
    drop(kept);
    // Time: as many parses as fit the budget (at least three), after one warm-up.
    let mut n = 0u32;
    let start = Instant::now();
    while n < 3 || start.elapsed() < budget {
        std::hint::black_box((p.parse)(std::hint::black_box(text)));
        n += 1;
    }
    Some(Cell {
        ns_per_msg: start.elapsed().as_nanos() as f64 / f64::from(n),
        allocations: a1 - a0,
        live: l1 - l0,
    })
}

fn human(bytes: f64) -> String {
    if bytes >= 1024.0 * 1024.0 {
        format!("{:.1} MB", bytes / (1024.0 * 1024.0))
    } else if bytes >= 1024.0 {
        format!("{:.1} KB", bytes / 1024.0)
    } else {
        format!("{bytes:.0} B")
    }
}

fn table(samples: &[Sample], parsers: &[Parser], budget: Duration) -> String {
    let mut out = String::new();
    for s in samples {
        let len = s.text.len() as f64;
        let _ = writeln!(
            out,
            "\n**{}** ({}, {} segments; {})\n",
            s.name,
            human(len),
            s.text.split('\r').filter(|l| !l.is_empty()).count(),
            s.origin
        );
        out.push_str("| parser | builds | msg/s | MB/s | % of floor | × hl7-2 | allocations | live | live / wire |\n");
        out.push_str("|---|---|---|---|---|---|---|---|---|\n");
        let cells: Vec<Option<Cell>> = parsers
            .iter()
            .map(|p| measure(p, &s.text, budget))
            .collect();
        let floor = cells[0].as_ref().map_or(f64::NAN, |c| c.ns_per_msg);
        let hl7_2 = parsers
            .iter()
            .position(|p| p.name == "hl7-2 0.2.7")
            .and_then(|i| cells[i].as_ref())
            .map_or(f64::NAN, |c| c.ns_per_msg);
        for (p, c) in parsers.iter().zip(&cells) {
            match c {
                Some(c) => {
                    let per_s = 1e9 / c.ns_per_msg;
                    let _ = writeln!(
                        out,
                        "| {} | {} | {:.0} | {:.0} | {:.1} % | {:.2} | {} | {} | {:.2} |",
                        p.name,
                        p.builds,
                        per_s,
                        per_s * len / 1e6,
                        100.0 * floor / c.ns_per_msg,
                        hl7_2 / c.ns_per_msg,
                        c.allocations,
                        human(c.live as f64),
                        c.live as f64 / len
                    );
                }
                None => {
                    let _ = writeln!(
                        out,
                        "| {} | {} | refused the message | | | | | | |",
                        p.name, p.builds
                    );
                }
            }
        }
    }
    out
}

/// Time per byte on each scaling message, relative to the smallest: 1.0 means linear.
fn scaling(samples: &[Sample], parsers: &[Parser], budget: Duration) -> String {
    let mut out = String::from("\n| parser | ");
    for s in samples {
        let _ = write!(out, "{} ({}) | ", s.name, human(s.text.len() as f64));
    }
    out.push('\n');
    out.push_str(&"|---".repeat(samples.len() + 1));
    out.push_str("|\n");
    for p in parsers {
        let _ = write!(out, "| {} | ", p.name);
        for s in samples {
            match measure(p, &s.text, budget) {
                Some(c) => {
                    let _ = write!(
                        out,
                        "{:.0} MB/s | ",
                        s.text.len() as f64 / c.ns_per_msg * 1e3
                    );
                }
                None => out.push_str("refused | "),
            }
        }
        out.push('\n');
    }
    out
}

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let mut write = None;
    let mut seconds = 0.5;
    let mut only: Option<String> = None;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--only" => only = Some(args.next().context("--only needs a parser's name")?),
            "--write" => write = Some(args.next().context("--write needs a path")?),
            "--seconds" => {
                seconds = args
                    .next()
                    .context("--seconds needs a number")?
                    .parse()
                    .context("--seconds needs a number")?
            }
            other => {
                bail!("unknown argument `{other}` (try --write FILE, --seconds S, --only NAME)")
            }
        }
    }
    if write.is_some() && only.is_some() {
        bail!("--write writes every parser's figures: drop --only");
    }
    let budget = Duration::from_secs_f64(seconds);
    // The floor and hl7-2 are what the ratios are taken against: always measured.
    let keep = |name: &str| {
        matches!(name, "split floor" | "hl7-2 0.2.7")
            || only.as_deref().is_none_or(|o| name.contains(o))
    };
    let all: Vec<_> = parsers().into_iter().filter(|p| keep(p.name)).collect();
    let mut report = format!(
        "One run, one thread, release build; each cell is the mean over {seconds} s of parses. \
         \"% of floor\": the split floor's time over the parser's; \"× hl7-2\": hl7-2's untyped \
         parse time over the parser's; live: heap bytes held by the result, plus the result \
         itself.\n"
    );
    report.push_str(&table(&samples()?, &all, budget));
    report.push_str(
        "\n**Scaling**: throughput on growing messages (flat across a row is linear time).\n",
    );
    let scaling_parsers: Vec<_> = scaling_parsers()
        .into_iter()
        .filter(|p| keep(p.name))
        .collect();
    report.push_str(&scaling(&scaling_samples()?, &scaling_parsers, budget));
    print!("{report}");
    if let Some(path) = write {
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
        let (Some(b), Some(e)) = (text.find(BEGIN), text.find(END)) else {
            bail!("{path} has no `{BEGIN}` … `{END}` section");
        };
        let new = format!("{}{BEGIN}\n{report}\n{}", &text[..b], &text[e..]);
        std::fs::write(&path, new).with_context(|| format!("writing {path}"))?;
        eprintln!("wrote the tables into {path}");
    }
    Ok(())
}
