//! `relocsim compare`: the headline table's values and paired intervals against the
//! numbers the simulations reported, the shape of the CSV and markdown, a report.html
//! that needs nothing from outside, charts that are real SVG and PNG, the same bytes
//! from the same runs, and clear refusals of bad input (exit 2).

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::compare::{self, REPLICATES, fixture, scratch};
use relocsim::report;

fn compare_into(inputs: &[PathBuf], baseline: &str, name: &str) -> PathBuf {
    let out = scratch(name);
    report::compare(inputs, baseline, &out).expect("compare succeeds");
    out
}

/// The report of the whole fixture sweep, made once.
fn sweep_report() -> &'static Path {
    static OUT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    OUT.get_or_init(|| compare_into(&[fixture().sweep.clone()], "baseline", "sweep"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// table.csv as maps from column name to field.
fn csv_rows(dir: &Path) -> Vec<BTreeMap<String, String>> {
    let text = read(&dir.join("table.csv"));
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
    lines
        .map(|l| {
            let fields: Vec<&str> = l.split(',').collect();
            assert_eq!(fields.len(), header.len(), "line {l:?}");
            header
                .iter()
                .cloned()
                .zip(fields.iter().map(|f| f.to_string()))
                .collect()
        })
        .collect()
}

fn find<'a>(
    rows: &'a [BTreeMap<String, String>],
    year: &str,
    indicator: &str,
    scenario: &str,
) -> &'a BTreeMap<String, String> {
    rows.iter()
        .find(|r| r["year"] == year && r["indicator"] == indicator && r["scenario"] == scenario)
        .unwrap_or_else(|| panic!("no row {year} {indicator} {scenario}"))
}

fn num(row: &BTreeMap<String, String>, col: &str) -> f64 {
    row[col]
        .parse()
        .unwrap_or_else(|_| panic!("{col} = {:?}", row[col]))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn table_values_and_paired_intervals_match_the_simulations() {
    let f = fixture();
    let rows = csv_rows(sweep_report());
    let reported =
        |s: &str, r: u32, ind: &str, year: i32| f.indicators[&(s.to_string(), r)][ind][&year];
    for ind in [
        "beijing_population",
        "firms_moved_out_of_beijing_cum",
        "xiongan_firms",
    ] {
        for year in [2025, 2026] {
            let base: Vec<f64> = (0..REPLICATES)
                .map(|r| reported("baseline", r, ind, year))
                .collect();
            let pol: Vec<f64> = (0..REPLICATES)
                .map(|r| reported("relief", r, ind, year))
                .collect();
            let d: Vec<f64> = pol.iter().zip(&base).map(|(p, b)| p - b).collect();
            let n = d.len() as f64;
            let mean = d.iter().sum::<f64>() / n;
            let sd = (d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
            // t_{0.975, 2} from a published table.
            let half = 4.3027 * sd / n.sqrt();
            let row = find(&rows, &year.to_string(), ind, "relief");
            assert_eq!(row["replicates"], "3");
            assert_eq!(row["pairs"], "3");
            assert!(
                close(num(row, "mean"), pol.iter().sum::<f64>() / n),
                "{ind} {year}"
            );
            assert!(close(num(row, "diff_from_baseline"), mean), "{ind} {year}");
            assert!(
                close(num(row, "diff_ci95_low"), mean - half),
                "{ind} {year}"
            );
            assert!(
                close(num(row, "diff_ci95_high"), mean + half),
                "{ind} {year}"
            );
            let b = find(&rows, &year.to_string(), ind, "baseline");
            assert!(close(num(b, "mean"), base.iter().sum::<f64>() / n));
            assert_eq!(
                b["diff_from_baseline"], "",
                "the baseline has no difference"
            );
        }
    }
}

#[test]
fn the_policy_moves_firms_out_of_beijing_beyond_the_interval() {
    let rows = csv_rows(sweep_report());
    let row = find(&rows, "2026", "firms_moved_out_of_beijing_cum", "relief");
    assert!(
        num(row, "diff_ci95_low") > 0.0,
        "relief (hazard x6, staying costs 30% of value added) should move more firms out of Beijing than the baseline: {row:?}"
    );
}

#[test]
fn csv_and_markdown_have_one_line_per_indicator_year_and_scenario() {
    let dir = sweep_report();
    let rows = csv_rows(dir);
    let indicators: std::collections::BTreeSet<&str> =
        rows.iter().map(|r| r["indicator"].as_str()).collect();
    // Every headline indicator of the Jing-Jin-Ji region exists in these runs.
    assert_eq!(indicators.len(), 12, "{indicators:?}");
    // Milestones of 2020-2026: 2025 and the last year.
    assert_eq!(rows.len(), 2 * 12 * 2);
    assert!(read(&dir.join("table.csv")).starts_with(
        "year,indicator,label,unit,scenario,replicates,mean,ci95_low,ci95_high,diff_from_baseline,diff_ci95_low,diff_ci95_high,pairs\n"
    ));
    // Labels and units come from the indicator catalogue, names stay as in the data.
    let pop = find(&rows, "2025", "beijing_population", "baseline");
    assert_eq!(
        (&pop["label"][..], &pop["unit"][..]),
        ("Beijing population", "persons")
    );
    let share = find(&rows, "2025", "hebei_output_share", "baseline");
    assert_eq!(
        (&share["label"][..], &share["unit"][..]),
        ("Hebei share of output", "share")
    );
    let md = read(&dir.join("table.md"));
    assert!(md.contains("\n## 2025\n") && md.contains("\n## 2026\n"));
    let table_lines: Vec<&str> = md.lines().filter(|l| l.starts_with('|')).collect();
    // Per year: header, alignment and 12 indicators.
    assert_eq!(table_lines.len(), 2 * 14);
    for l in &table_lines {
        // indicator, unit, baseline, relief, relief - baseline: 5 cells, 6 bars.
        assert_eq!(l.matches('|').count(), 6, "{l}");
    }
    assert!(md.contains("| baseline (n=3) | relief (n=3) | relief − baseline |"));
    let pop = table_lines
        .iter()
        .find(|l| l.starts_with("| Beijing population | persons |"))
        .unwrap();
    assert!(pop.contains(" ± "), "paired interval shown: {pop}");
}

#[test]
fn report_html_is_self_contained_and_says_what_each_scenario_does() {
    let html = read(&sweep_report().join("report.html"));
    for bad in [
        "src=\"http",
        "href=\"http",
        "src='http",
        "href='http",
        "<script",
        "<link",
        "@import",
        "url(",
        "<iframe",
    ] {
        assert!(!html.contains(bad), "report.html contains {bad:?}");
    }
    // Every src or href points into the page itself.
    for attr in ["src=\"", "href=\""] {
        for (i, _) in html.match_indices(attr) {
            let rest = &html[i + attr.len()..];
            assert!(
                rest.starts_with('#') || rest.starts_with("data:"),
                "external {attr}: {}",
                &rest[..rest.len().min(60)]
            );
        }
    }
    assert!(
        html.contains("Beijing sheds general manufacturing, faster than the shipped scenario.")
    );
    assert!(html.contains("<strong>non_capital_relief</strong> (2020–2026)"));
    assert!(html.contains("<code>policy.non_capital_relief.hazard_multiplier</code>"));
    assert!(
        html.contains("<td>6.0×</td>"),
        "the differing setting's value"
    );
    assert!(html.contains("@media print"));
    // The answer first, in words: each headline indicator's paired difference with its
    // interval, and a warning that 3 pairs are too few; the settings last.
    let at = |h: &str| {
        html.find(&format!("<h2>{h}</h2>"))
            .unwrap_or_else(|| panic!("{h}"))
    };
    assert!(at("Effects against the baseline") < at("Headline indicators"));
    assert!(at("Methods") < at("Settings that differ"));
    assert!(html.contains("These differences may be noise.</strong> 3 replicate(s)"));
    let effects = &html[at("Effects against the baseline")..at("Headline indicators")];
    assert!(
        effects.contains("<h3>relief against baseline, 2026</h3>"),
        "{effects}"
    );
    assert!(effects.matches("95% interval").count() >= 5, "{effects}");
    // The charts of differences come with the effects, before the table of levels.
    for stem in ["effects", "map"] {
        assert!(
            effects.contains(&format!("<figure id=\"{stem}\">")),
            "{stem} among the effects"
        );
    }
    assert!(
        effects.contains("Natural Earth"),
        "the map cites its source"
    );
    let levels = &html[at("Charts")..at("Scenarios")];
    assert!(levels.contains("<figure id=\"population_by_city\">"));
    assert!(!levels.contains("<figure id=\"effects\">"));
    for h in compare::HEADINGS {
        assert!(html.contains(&format!("<h2>{h}</h2>")), "heading {h}");
    }
    let charts = std::fs::read_dir(sweep_report().join("charts"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().unwrap() == "svg")
        .count();
    assert_eq!(html.matches("<svg").count(), charts, "every chart inline");
    // Methods: manifest references with data-file checksums.
    let run = fixture().run_dir("relief", 2);
    let manifest = relocsim::output::Manifest::read(&run.join("manifest.toml")).unwrap();
    let flows = manifest
        .files
        .iter()
        .find(|f| f.name == "flows.parquet")
        .unwrap();
    assert!(html.contains(&run.join("manifest.toml").display().to_string()));
    assert!(html.contains(&flows.sha256[..12]));
    assert!(
        !html.contains(&manifest.started_utc),
        "no clock time in the report"
    );
}

#[test]
fn charts_are_real_svg_and_png() {
    let dir = sweep_report().join("charts");
    let mut stems: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().unwrap() == "svg")
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    stems.sort();
    assert_eq!(
        stems,
        [
            "capital_population_cap",
            "effects",
            "firms_moved_out_by_destination",
            "map",
            "new_area",
            "output_per_head_dispersion",
            "population_by_city",
        ]
    );
    for stem in &stems {
        let svg = read(&dir.join(format!("{stem}.svg")));
        assert!(svg.trim_start().starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert_eq!(svg.matches("<svg").count(), svg.matches("</svg>").count());
        assert!(svg.contains("<text"), "{stem}: labels are text");
        let png = std::fs::read(dir.join(format!("{stem}.png"))).unwrap();
        assert!(png.len() > 10_000, "{stem}.png: {} bytes", png.len());
        let decoder = png::Decoder::new(std::io::Cursor::new(png));
        let mut reader = decoder.read_info().expect("a valid PNG");
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).expect("PNG decodes");
        assert!(info.width >= 1000 && info.height >= 400, "{stem}: {info:?}");
        let ink = buf.iter().filter(|&&b| b < 128).count();
        assert!(
            ink > buf.len() / 200,
            "{stem}.png is nearly blank ({ink} dark bytes)"
        );
    }
    let map = read(&dir.join("map.svg"));
    for city in ["Beijing", "Xiong&apos;an", "Shijiazhuang"] {
        assert!(
            map.contains(city) || map.contains(&city.replace("&apos;", "'")),
            "map labels {city}"
        );
    }
    // The map: province outlines under the circles, which show relief minus baseline.
    assert!(map.contains("relief − baseline"), "one panel per policy");
    assert!(
        !map.contains(">baseline<"),
        "no panel for the baseline itself"
    );
    assert!(map.matches("<polygon").count() >= 8, "provinces drawn");
    let effects = read(&dir.join("effects.svg"));
    assert!(effects.contains("relief − baseline"));
    assert!(effects.contains("difference, persons"));
    let cap = read(&dir.join("capital_population_cap.svg"));
    assert!(cap.contains("population cap: 23.0 million"));
}

#[test]
fn the_same_runs_give_the_same_bytes() {
    let f = fixture();
    // The inputs in another order, as single run directories.
    let mut dirs: Vec<PathBuf> = (0..REPLICATES)
        .rev()
        .flat_map(|r| [f.run_dir("relief", r), f.run_dir("baseline", r)])
        .collect();
    dirs.rotate_left(1);
    let other = compare_into(&dirs, "baseline", "again");
    for name in [
        "table.md",
        "table.csv",
        "charts/map.svg",
        "charts/map.png",
        "charts/population_by_city.png",
    ] {
        let (a, b) = (sweep_report().join(name), other.join(name));
        assert!(
            std::fs::read(&a).unwrap() == std::fs::read(&b).unwrap(),
            "{name} differs"
        );
    }
    // The methods note names the manifests as given, so only it may differ.
    let strip = |p: &Path| {
        let t = read(p);
        t[..t.find("<section id=\"methods\">").unwrap()].to_string()
    };
    assert!(strip(&sweep_report().join("report.html")) == strip(&other.join("report.html")));
}

#[test]
fn replicates_without_a_baseline_partner_are_unpaired() {
    let f = fixture();
    let lone = f.root.join("lone-relief");
    compare::run(&compare::resolve(compare::RELIEF, 99, 0), &lone);
    let out = compare_into(
        &[f.run_dir("baseline", 0), f.run_dir("baseline", 1), lone],
        "baseline",
        "unpaired",
    );
    let rows = csv_rows(&out);
    let row = find(&rows, "2026", "beijing_population", "relief");
    assert_eq!(row["pairs"], "0");
    assert_eq!(row["diff_ci95_low"], "");
    assert!(read(&out.join("table.md")).contains("(unpaired)"));
}

/// A sweep's variants compare each with the baseline's run of the same variant (as
/// `summarize` pairs them), not with one baseline group; `--baseline` names the scenario.
#[test]
fn a_sweeps_variants_pair_with_the_baselines_variant() {
    let (file, out) = common::sweep_setup(
        "compare-variants",
        &["baseline", "non_capital_relief"],
        2,
        "[[axis]]\nkey = \"behaviour.migration_rate\"\nvalues = [0.03, 0.05]\n",
    );
    let sweep = relocsim::batch::Sweep::load(&file).unwrap();
    assert!(common::run_sweep(&sweep, &out).all_complete());
    let report = out.with_file_name("report");
    let (code, err) = cli(&[&out], "baseline", &report);
    assert_eq!(code, 0, "{err}");
    let rows = csv_rows(&report);
    for v in ["migration_rate-0.03", "migration_rate-0.05"] {
        let row = find(
            &rows,
            "2022",
            "beijing_population",
            &format!("non_capital_relief/{v}"),
        );
        assert_eq!(row["pairs"], "2", "{v} pairs with the baseline's {v}");
    }
    let html = read(&report.join("report.html"));
    assert!(html.contains(
        "<h3>non_capital_relief/migration_rate-0.05 against baseline/migration_rate-0.05, 2022</h3>"
    ));
    // The pairing is by variant: the table's difference is the paired one.
    let md = read(&report.join("table.md"));
    assert!(
        md.contains("non_capital_relief/migration_rate-0.03 − baseline/migration_rate-0.03"),
        "{md}"
    );
}

/// `relocsim compare INPUTS... --baseline BASELINE --out OUT`: (exit code, stderr).
fn cli(inputs: &[&Path], baseline: &str, out: &Path) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_relocsim"))
        .arg("compare")
        .args(inputs)
        .args(["--baseline", baseline])
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stderr).into_owned();
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn the_command_writes_the_report() {
    let out = scratch("cli");
    let sweep = &fixture().sweep;
    let (code, err) = cli(&[sweep], "baseline", &out);
    assert_eq!(code, 0, "{err}");
    for f in ["report.html", "table.md", "table.csv", "charts/map.png"] {
        assert!(out.join(f).is_file(), "{f}");
    }
}

#[test]
fn a_directory_without_runs_is_refused_with_exit_2() {
    let empty = scratch("empty");
    let (code, err) = cli(&[&empty], "baseline", &scratch("o1"));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no run found (no manifest.toml"), "{err}");
}

#[test]
fn an_unknown_baseline_lists_the_scenarios_found() {
    let (code, err) = cli(&[&fixture().sweep], "basline", &scratch("o2"));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(
            "--baseline \"basline\": no such scenario among the runs; found: baseline, relief"
        ),
        "{err}"
    );
}

#[test]
fn runs_of_other_years_or_regions_are_refused() {
    let f = fixture();
    let short = f.root.join("short");
    compare::run(
        &compare::resolve(&compare::BASELINE.replace("2026", "2024"), 7, 0),
        &short,
    );
    let (code, err) = cli(&[&f.sweep, &short], "baseline", &scratch("o3"));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("runs of different years (years 2020-2026 and years 2020-2024)"),
        "{err}"
    );

    let mut spec = relocsim::region::Region::embedded().spec;
    spec.name = "jing-jin-ji-variant".into();
    spec.cities[0].avg_wage *= 1.01;
    let mut sc = relocsim::scenario::Scenario::from_toml(compare::BASELINE, "t.toml").unwrap();
    sc.region = Some(spec);
    sc.scenario.scale = compare::SCALE;
    let other = relocsim::scenario::resolve(sc, "t.toml", Path::new(".")).unwrap();
    let elsewhere = f.root.join("elsewhere");
    compare::run(&other, &elsewhere);
    let (code, err) = cli(&[&f.sweep, &elsewhere], "baseline", &scratch("o4"));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("runs of different regions"), "{err}");
}

/// A copy of a fixture run to damage.
fn copy_run(name: &str) -> PathBuf {
    copy_to(
        &fixture().run_dir("baseline", 0),
        &scratch(name).join("run"),
    )
}

fn copy_to(from: &Path, to: &Path) -> PathBuf {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
    }
    to.to_path_buf()
}

#[test]
fn a_variant_other_than_default_is_its_own_scenario() {
    let sweep = scratch("variants").join("sweep");
    for r in 0..2 {
        let leaf = |v: &str, s: &str| sweep.join(format!("scenario={s}/variant={v}/replicate={r}"));
        copy_to(
            &fixture().run_dir("baseline", r),
            &leaf("default", "baseline"),
        );
        copy_to(&fixture().run_dir("relief", r), &leaf("fast", "relief"));
    }
    // A hidden directory (a run still being written) is not read.
    copy_to(&fixture().run_dir("relief", 2), &sweep.join(".partial"));
    let out = compare_into(&[sweep], "baseline", "variants-out");
    let rows = csv_rows(&out);
    let row = find(&rows, "2026", "xiongan_firms", "relief/fast");
    assert_eq!(
        (row["replicates"].as_str(), row["pairs"].as_str()),
        ("2", "2")
    );
}

#[test]
fn interrupted_and_duplicate_runs_are_refused() {
    let run = copy_run("interrupted");
    let m = run.join("manifest.toml");
    std::fs::write(
        &m,
        read(&m).replace("status = \"complete\"", "status = \"interrupted\""),
    )
    .unwrap();
    let (code, err) = cli(&[&run], "baseline", &scratch("o5"));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("the run is not complete"), "{err}");

    let one = fixture().run_dir("baseline", 1);
    let (code, err) = cli(&[&one, &one], "baseline", &scratch("o6"));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("two runs of baseline with seed 7 and replicate 1"),
        "{err}"
    );
}

#[test]
fn a_data_file_changed_after_the_run_is_refused() {
    let run = copy_run("changed");
    let ind = run.join("indicators.parquet");
    let mut bytes = std::fs::read(&ind).unwrap();
    // Flip one byte in the middle of the data pages; the file may still decode.
    let mid = bytes.len() / 3;
    bytes[mid] ^= 0x01;
    std::fs::write(&ind, bytes).unwrap();
    let (code, err) = cli(&[&run], "baseline", &scratch("o7"));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("indicators.parquet"), "{err}");
}

#[test]
fn a_baseline_alone_gives_a_report_without_differences() {
    let out = compare_into(&[fixture().run_dir("baseline", 0)], "baseline", "alone");
    let md = read(&out.join("table.md"));
    assert!(
        md.contains("| indicator | unit | baseline (n=1) |\n"),
        "{md}"
    );
    assert!(
        md.lines()
            .filter(|l| l.starts_with('|'))
            .all(|l| !l.contains('±'))
    );
    assert!(
        out.join("charts/firms_moved_out_by_destination.png")
            .is_file()
    );
    // Nothing to differ from: no chart of differences; the map shows change since the start.
    assert!(!out.join("charts/effects.svg").exists());
    let map = read(&out.join("charts/map.svg"));
    assert!(map.contains("Population change"), "map title");
}

#[test]
fn a_missing_directory_is_refused_with_exit_2() {
    let missing = fixture().root.join("no-such-dir");
    let (code, err) = cli(&[&missing], "baseline", &scratch("o8"));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no such file or directory"), "{err}");
}
