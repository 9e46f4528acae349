//! Fuzz target: any text given as a sweep file must give a checked sweep or an error,
//! never a panic, an abort on allocation or a hang. Scenario paths resolve against the
//! shipped sweeps' folder, so `../baseline.toml` names a real scenario.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let base = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/sweeps");
        let _ = relocsim::batch::Sweep::parse(text, "fuzz.toml", &base);
    }
});
