//! The table's parsers under criterion, on each message of the set:
//! `cargo bench -p hl7-bench --features criterion` (add `-- ADT` to run one message's group).

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

fn parse(c: &mut Criterion) {
    let samples = hl7_bench::samples().expect("the corpus is in the repository");
    let parsers = hl7_bench::parsers();
    for s in &samples {
        let mut g = c.benchmark_group(s.name);
        g.throughput(Throughput::Bytes(s.text.len() as u64));
        if s.text.len() > 1 << 20 {
            g.sample_size(10);
        }
        for p in &parsers {
            if (p.parse)(&s.text).is_none() {
                continue;
            }
            g.bench_with_input(BenchmarkId::from_parameter(p.name), &s.text, |b, t| {
                b.iter(|| (p.parse)(std::hint::black_box(t)))
            });
        }
        g.finish();
    }
}

criterion_group!(benches, parse);
criterion_main!(benches);
