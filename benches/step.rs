//! Criterion benchmarks: one simulation step of the integrated scenario at scales 0.001,
//! 0.01 and 0.1 with the null sink (throughput in agents, so criterion prints
//! agent-steps per second as "elem/s"), and the Parquet writer recording one step.
//! `relocsim bench --scale S` gives the same figures for whole runs, with peak memory.

use std::path::Path;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use relocsim::Model;
use relocsim::Sink;
use relocsim::output::ParquetSink;
use relocsim::scenario::{self, Resolved, Scenario};

fn resolved(scale: f64) -> Resolved {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/integrated.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut s = Scenario::from_toml(&text, "integrated.toml").unwrap();
    s.scenario.scale = scale;
    scenario::resolve(s, "integrated.toml", Path::new(".")).unwrap()
}

fn step(c: &mut Criterion) {
    let mut g = c.benchmark_group("step");
    g.sample_size(10);
    for scale in [0.001, 0.01, 0.1] {
        let mut m = Model::new(&resolved(scale));
        g.throughput(Throughput::Elements(m.n_agents()));
        g.bench_function(format!("scale_{scale}"), |b| {
            b.iter(|| {
                let frame = m.step();
                std::hint::black_box(frame.indicators.len())
            })
        });
    }
    g.finish();
}

fn parquet_writer(c: &mut Criterion) {
    let r = resolved(0.01);
    let mut m = Model::new(&r);
    let frame = m.step();
    let rows =
        (frame.cities.len() + frame.city_sectors.len() + frame.flows.len() + frame.events.len())
            as u64;
    let dir = std::env::temp_dir().join(format!("relocsim-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut g = c.benchmark_group("parquet");
    g.throughput(Throughput::Elements(rows));
    g.bench_function("record_one_step_scale_0.01", |b| {
        b.iter_batched(
            || {
                let mut sink = ParquetSink::new(&dir, None);
                sink.begin(&m.run_info()).unwrap();
                sink
            },
            |mut sink| {
                sink.record(&m.view(&frame)).unwrap();
                sink.finish().unwrap();
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
    let _ = std::fs::remove_dir_all(dir);
}

criterion_group!(benches, step, parquet_writer);
criterion_main!(benches);
