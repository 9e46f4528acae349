//! Fuzz target: any text given as a scenario must give a resolved scenario or an error,
//! never a panic. Region paths resolve against the shipped scenarios' folder.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let base = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
        let _ = relocsim::scenario::parse(text, "fuzz.toml", &base);
    }
});
