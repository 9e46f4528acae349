//! report.html in a real browser, as a policy team opens it: headless Chromium loads a
//! report of one run per scenario and one of five replicates from disk. Each DOM holds
//! the headings, every chart, and the charts of differences among the effects; the
//! one-run page warns that its differences may be noise and the five-replicate page does
//! not; neither logs to the console or fetches from the network (Chromium's net log).
//! Screenshots, kept as target/tmp/report-1-run.png and report-5-replicates.png, show
//! the warning's box, the map's sea and land and the charts' colours.
//!
//! Without Chromium the test prints a notice and skips, so `cargo test` works on any
//! machine, but only outside CI: with CI or RELOCSIM_REQUIRE_BROWSER=1 set (as
//! `.ci/browser-check.sh` sets it after installing Debian's chromium) a missing browser
//! fails it. RELOCSIM_CHROMIUM names another binary.

mod common;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::compare::{self, RELIEF, SEED, fixture, resolve, run, scratch};

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("RELOCSIM_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser"].iter().find_map(|name| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

/// Runs headless Chromium with `args` on a fresh profile; (success, stdout, stderr).
/// Output goes to files so that a large DOM cannot fill a pipe while we wait.
fn browse(bin: &Path, work: &Path, args: &[String]) -> (bool, String, String) {
    let profile = work.join(format!("profile-{}", args.len()));
    let _ = std::fs::remove_dir_all(&profile);
    let (out, err) = (work.join("stdout.txt"), work.join("stderr.txt"));
    let mut child = Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .stdin(Stdio::null())
        .stdout(File::create(&out).unwrap())
        .stderr(File::create(&err).unwrap())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("{} did not finish within 120 s", bin.display());
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let read = |p: &Path| String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned();
    (status.success(), read(&out), read(&err))
}

/// Console messages as Chromium logs them (`INFO:CONSOLE:LINE] "message", source: ...`);
/// its own start-up noise (D-Bus, GPU) is not about the page.
fn console_messages(log: &str) -> Vec<&str> {
    log.lines()
        .filter(|l| l.contains(":CONSOLE") || l.contains("Uncaught"))
        .collect()
}

/// Every http(s) address in a Chromium net log but those of Chromium's own background
/// services (update checks, accounts), which it contacts whatever the page holds.
fn page_requests(net_log: &str) -> Vec<String> {
    let own = ["google.com", "googleapis.com", "gstatic.com"];
    net_log
        .split("\"url\":\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
        .filter(|u| {
            let host = u.split('/').nth(2).unwrap_or("");
            let host = host.split(':').next().unwrap_or("");
            !own.iter()
                .any(|o| host == *o || host.ends_with(&format!(".{o}")))
        })
        .map(String::from)
        .collect()
}

/// Loads `url` with a net log; (DOM, console messages, page requests).
fn load(bin: &Path, work: &Path, url: &str) -> (String, Vec<String>, Vec<String>) {
    let net = work.join("net-log.json");
    let _ = std::fs::remove_file(&net);
    let args = [
        format!("--log-net-log={}", net.display()),
        "--dump-dom".into(),
        url.to_string(),
    ];
    let (ok, dom, log) = browse(bin, work, &args);
    assert!(ok, "chromium --dump-dom {url} failed:\n{log}");
    let net_log = std::fs::read_to_string(&net).expect("chromium wrote its net log");
    let console = console_messages(&log)
        .into_iter()
        .map(String::from)
        .collect();
    (dom, console, page_requests(&net_log))
}

/// Pixels within a few levels of `rgb`.
fn count_colour(rgba: &[u8], channels: usize, rgb: [u8; 3]) -> usize {
    rgba.chunks(channels)
        .filter(|p| (0..3).all(|i| p[i].abs_diff(rgb[i]) <= 6))
        .count()
}

/// The screenshot's pixels and their channel count.
fn screenshot(bin: &Path, work: &Path, url: &str, shot: &Path) -> (Vec<u8>, usize) {
    let _ = std::fs::remove_file(shot);
    let args = [
        format!("--screenshot={}", shot.display()),
        "--window-size=1280,12000".into(),
        url.to_string(),
    ];
    let (ok, _, log) = browse(bin, work, &args);
    assert!(ok && shot.is_file(), "no screenshot:\n{log}");
    let decoder = png::Decoder::new(std::io::BufReader::new(File::open(shot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!((info.width, info.height), (1280, 12000));
    (buf, info.color_type.samples())
}

/// The comparison of `inputs` in the browser: DOM, console, network and a screenshot
/// (kept as target/tmp/report-NAME.png) whose colours show the charts; whether the
/// page warns of noise must be `warns`.
fn check_report(bin: &Path, work: &Path, name: &str, inputs: &[PathBuf], warns: bool) {
    let out = work.join(name);
    relocsim::report::compare(inputs, "baseline", &out).unwrap();
    let page = out.join("report.html").canonicalize().unwrap();
    let url = format!("file://{}", page.display());
    let charts = std::fs::read_dir(out.join("charts"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().unwrap() == "svg")
        .count();
    let (dom, console, requests) = load(bin, work, &url);
    assert!(
        dom.contains("<h1>Scenario comparison</h1>"),
        "{name}: page not loaded"
    );
    for h in compare::HEADINGS {
        assert!(
            dom.contains(&format!("<h2>{h}</h2>")),
            "{name}: heading {h} missing"
        );
    }
    assert_eq!(
        dom.matches("<svg").count(),
        charts,
        "{name}: every chart is in the DOM"
    );
    let effects = &dom[dom.find("<h2>Effects").unwrap()..dom.find("<h2>Headline").unwrap()];
    for fig in ["<figure id=\"effects\">", "<figure id=\"map\">"] {
        assert!(effects.contains(fig), "{name}: {fig} among the effects");
    }
    assert_eq!(
        dom.contains("These differences may be noise."),
        warns,
        "{name}: the warning of noise"
    );
    assert_eq!(
        console,
        Vec::<String>::new(),
        "{name}: the page logged to the console"
    );
    assert_eq!(
        requests,
        Vec::<String>::new(),
        "{name}: the page fetched from the network"
    );

    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("report-{name}.png"));
    let (buf, channels) = screenshot(bin, work, &url, &shot);
    // Only the inline SVG charts draw these colours: the relief scenario's lines
    // (Okabe-Ito orange), the map's gains (blue) and sea; the warning its box.
    let orange = count_colour(&buf, channels, [230, 159, 0]);
    let blue = count_colour(&buf, channels, [0, 114, 178]);
    let sea = count_colour(&buf, channels, [214, 232, 244]);
    let warning = count_colour(&buf, channels, [255, 244, 229]);
    eprintln!(
        "{name}: {} ({orange} orange, {blue} blue, {sea} sea, {warning} warning-box pixels)",
        shot.display()
    );
    assert!(
        orange > 2_000 && blue > 200,
        "{name}: charts not drawn: {orange} orange, {blue} blue"
    );
    assert!(sea > 20_000, "{name}: no sea on the map ({sea} pixels)");
    assert_eq!(
        warning > 20_000,
        warns,
        "{name}: warning box ({warning} pixels)"
    );
}

/// The fixture's sweep with two more replicates of each scenario: five in all.
fn five_replicates(work: &Path) -> PathBuf {
    let sweep = work.join("five");
    for (scenario, text) in [("baseline", compare::BASELINE), ("relief", RELIEF)] {
        for rep in 0..5 {
            let to = sweep
                .join(format!("scenario={scenario}"))
                .join("variant=default")
                .join(format!("replicate={rep}"));
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            if rep < compare::REPLICATES {
                copy_dir(&fixture().run_dir(scenario, rep), &to);
            } else {
                run(&resolve(text, SEED, rep), &to);
            }
        }
    }
    sweep
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
        }
    }
}

#[test]
fn reports_render_in_headless_chromium() {
    let Some(bin) = chromium() else {
        // In CI (CI set, as CI services set it, or RELOCSIM_REQUIRE_BROWSER=1, as
        // .ci/browser-check.sh sets it) a missing browser is a failure, not a pass.
        let set =
            |k: &str| std::env::var(k).is_ok_and(|v| !v.is_empty() && v != "0" && v != "false");
        if set("RELOCSIM_REQUIRE_BROWSER") || set("CI") {
            panic!(
                "no chromium on PATH, and this is CI (CI or RELOCSIM_REQUIRE_BROWSER is set): install Debian's chromium package"
            );
        }
        eprintln!(
            "NOTICE: reports_render_in_headless_chromium SKIPPED: chromium is not installed; \
             outside CI only (with CI or RELOCSIM_REQUIRE_BROWSER=1 set this fails)"
        );
        return;
    };
    let work = scratch("browser");

    // The checks below must be able to fail: a page with a console error and an external
    // image is caught by both.
    let control = work.join("control.html");
    std::fs::write(
        &control,
        "<html><body><img src=\"http://relocsim.invalid/x.png\">\
         <script>console.error('control')</script></body></html>",
    )
    .unwrap();
    let (_, console, requests) = load(&bin, &work, &format!("file://{}", control.display()));
    assert!(
        console.iter().any(|l| l.contains("control")),
        "console check is blind"
    );
    assert!(
        requests.iter().any(|u| u.contains("relocsim.invalid")),
        "request check is blind"
    );

    let f = fixture();
    let one = [f.run_dir("baseline", 0), f.run_dir("relief", 0)];
    check_report(&bin, &work, "1-run", &one, true);
    let five = five_replicates(&work);
    check_report(&bin, &work, "5-replicates", &[five], false);
}
