//! How fast `duly gen` makes and writes events, on one core.
//!
//! `cargo bench -p duly-gen` reports the time for 10,000 children (about
//! 118,000 events) written as JSON Lines with their labels; a million
//! children take a hundred times as long. Measured on the shared two-core
//! machine under load: 107 to 150 ms (about 11 µs a child), so a million
//! children in 11 to 15 seconds; `duly gen --children 1000000` to a file
//! took 7.9 s of user time with a peak of 6 MB resident.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use duly_gen::{Generator, Options};
use std::hint::black_box;
use std::io::sink;

const CHILDREN: u64 = 10_000;

fn generator(shuffle: bool) -> Generator {
    let options = Options {
        children: CHILDREN,
        seed: 42,
        from: jiff::civil::date(2024, 4, 1),
        to: jiff::civil::date(2026, 3, 31),
        shuffle,
    };
    match Generator::new(options) {
        Ok(generator) => generator,
        Err(err) => unreachable!("a fixed, valid period: {err}"),
    }
}

fn generate(c: &mut Criterion) {
    let mut group = c.benchmark_group("generate");
    group.sample_size(10);
    group.throughput(Throughput::Elements(CHILDREN));
    for shuffle in [false, true] {
        let generator = generator(shuffle);
        let name = if shuffle {
            "10k children, shuffled"
        } else {
            "10k children"
        };
        group.bench_function(name, |b| {
            b.iter(|| black_box(generator.write(sink(), Some(sink())).map(|s| s.events)))
        });
    }
    group.finish();
}

criterion_group!(benches, generate);
criterion_main!(benches);
