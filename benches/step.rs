//! One simulation step of the integrated scenario at scales 0.01 and 0.1, with the null
//! sink so only the engine is measured. Throughput is reported in agents, so criterion
//! prints agent-steps per second ("elements/s").

use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use relocsim::Model;
use relocsim::scenario::{self, Scenario};

fn model(scale: f64) -> Model {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/integrated.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut s = Scenario::from_toml(&text, "integrated.toml").unwrap();
    s.scenario.scale = scale;
    let r = scenario::resolve(s, "integrated.toml", Path::new(".")).unwrap();
    Model::new(&r)
}

fn step(c: &mut Criterion) {
    let mut g = c.benchmark_group("step");
    g.sample_size(10);
    for scale in [0.01, 0.1] {
        let mut m = model(scale);
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

criterion_group!(benches, step);
criterion_main!(benches);
