//! The ABC-SMC loop (population Monte Carlo with an adaptive tolerance): generation 0
//! draws particles from the uniform prior; each later generation resamples the accepted
//! particles of the one before by weight and perturbs them with a Gaussian kernel of
//! twice their weighted variance (Beaumont et al. 2009), redrawing proposals outside
//! the bounds. A generation's tolerance is the `acceptance` quantile of its distances,
//! but never above the last generation's; it accepts the particles within it (at least
//! its best), weighted by prior over proposal density. Every draw is keyed (seed, generation, particle), so a rerun proposes the
//! same particles and the sweep machinery skips the runs that exist.

use std::path::Path;

use super::Calibration;
use crate::batch::run_sweep_text;
use crate::error::{Error, Result};
use crate::math::Det;
use crate::report::{Group, load_groups};
use crate::rng::{Purpose, RunKey, choose_weighted};
use crate::targets::fit::{FitRow, fit_table, loss, to_markdown};

/// One evaluated particle.
#[derive(Clone, Debug, PartialEq)]
pub struct Particle {
    pub generation: u32,
    pub index: u32,
    pub theta: Vec<f64>,
    pub distance: f64,
    pub accepted: bool,
    /// Normalised over the generation's accepted particles; 0 if not accepted.
    pub weight: f64,
}

/// A generation's summary, for the convergence table.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub generation: u32,
    pub epsilon: f64,
    pub best: f64,
    pub median: f64,
    pub accepted: usize,
    /// Effective sample size of the accepted weights.
    pub ess: f64,
}

/// A parameter's prior: uniform on [lo, hi], or normal (mean, sd) truncated to it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Prior {
    pub lo: f64,
    pub hi: f64,
    pub normal: Option<(f64, f64)>,
}

impl Prior {
    /// A draw from the prior (a truncated normal by rejection; after 1,000 misses, a
    /// uniform draw: a prior that far outside its bounds is as good as flat there).
    fn draw(&self, st: &mut crate::rng::Stream) -> f64 {
        if let Some((m, sd)) = self.normal {
            for _ in 0..1000 {
                let x = m + sd * st.normal();
                if (self.lo..=self.hi).contains(&x) {
                    return x;
                }
            }
        }
        self.lo + st.uniform() * (self.hi - self.lo)
    }

    /// The prior density up to a constant (0 outside the bounds).
    fn density(&self, x: f64) -> f64 {
        if !(self.lo..=self.hi).contains(&x) {
            return 0.0;
        }
        match self.normal {
            Some((m, sd)) => (-0.5 * ((x - m) / sd).powi(2)).dexp(),
            None => 1.0,
        }
    }
}

/// What a calibration reports as it goes.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// One run (a particle's replicate) is done, or was there already.
    RunDone,
    /// A generation is done: its summary.
    Generation(Step),
}

impl Step {
    /// The step as a line for people.
    pub fn line(&self, proposed: u32) -> String {
        format!(
            "generation {}: tolerance {:.3}, best distance {:.3}, median {:.3}, {} accepted of {proposed} (effective {:.1})",
            self.generation, self.epsilon, self.best, self.median, self.accepted, self.ess
        )
    }
}

/// What a calibration found.
pub struct Outcome {
    pub particles: Vec<Particle>,
    pub steps: Vec<Step>,
    /// Weighted mean of the last generation's accepted particles.
    pub posterior_mean: Vec<f64>,
    pub posterior_sd: Vec<f64>,
    /// The fit table of the scenario as given, and with the posterior mean.
    pub before: Vec<FitRow>,
    pub after: Vec<FitRow>,
    pub runs: usize,
}

pub use crate::batch::Backend;

/// Runs the calibration into the backend's directory, reporting each generation
/// through `on`.
pub fn calibrate(c: &Calibration, opts: &Backend, on: &(dyn Fn(Event) + Sync)) -> Result<Outcome> {
    let s = &c.spec.calibration;
    let priors: Vec<Prior> = c.spec.parameters.iter().map(|p| p.prior()).collect();
    let bounds: Vec<(f64, f64)> = priors.iter().map(|p| (p.lo, p.hi)).collect();
    let key = RunKey::new(s.seed, 0);
    let mut particles: Vec<Particle> = Vec::new();
    let mut steps = Vec::new();
    let mut previous: Vec<Particle> = Vec::new();
    let mut runs = 0;
    for g in 0..s.generations {
        let thetas = propose(key, g, s.particles, &priors, &previous);
        let dir = opts.dir().join(format!("generation={g}"));
        let distances = evaluate(c, opts, &dir, &thetas, &mut runs, on)?;
        let mut batch: Vec<Particle> = thetas
            .into_iter()
            .zip(distances)
            .enumerate()
            .map(|(i, (theta, distance))| Particle {
                generation: g,
                index: i as u32,
                theta,
                distance,
                accepted: false,
                weight: 0.0,
            })
            .collect();
        let last = steps.last().map_or(f64::INFINITY, |t: &Step| t.epsilon);
        let step = accept(&mut batch, &previous, &priors, s.acceptance, last);
        on(Event::Generation(step.clone()));
        steps.push(step);
        previous = batch.iter().filter(|p| p.accepted).cloned().collect();
        particles.extend(batch);
    }
    let (mean, sd) = weighted_moments(&previous, bounds.len());
    let check = check_runs(c, opts, &mean, &mut runs, on)?;
    let label = |v: &str| check.iter().find(|g| g.label.ends_with(&format!("/{v}")));
    let table = |v: &str| -> Result<Vec<FitRow>> {
        let g = label(v).ok_or_else(|| missing(opts.dir(), v))?;
        fit_table(&c.targets, std::slice::from_ref(g))
    };
    Ok(Outcome {
        particles,
        steps,
        posterior_mean: mean,
        posterior_sd: sd,
        before: table("as_given")?,
        after: table("posterior_mean")?,
        runs,
    })
}

fn missing(out: &Path, what: &str) -> Error {
    Error::Read {
        file: out.join("check"),
        message: format!("no runs of {what}"),
    }
}

/// The particles of generation `g`: from the prior, or perturbed from `previous`.
fn propose(key: RunKey, g: u32, n: u32, priors: &[Prior], previous: &[Particle]) -> Vec<Vec<f64>> {
    let bounds: Vec<(f64, f64)> = priors.iter().map(|p| (p.lo, p.hi)).collect();
    let sigma = kernel_sd(previous, &bounds);
    let weights: Vec<f64> = previous.iter().map(|p| p.weight).collect();
    (0..n)
        .map(|i| {
            let mut st = key.stream(g, u64::from(i), Purpose::Calibration);
            if previous.is_empty() {
                return priors.iter().map(|p| p.draw(&mut st)).collect();
            }
            let parent = &previous[choose_weighted(&weights, st.uniform())].theta;
            (0..bounds.len())
                .map(|k| {
                    let (lo, hi) = bounds[k];
                    // Redraw outside the bounds (the prior is 0 there); clamp at last.
                    for _ in 0..100 {
                        let x = parent[k] + sigma[k] * st.normal();
                        if (lo..=hi).contains(&x) {
                            return x;
                        }
                    }
                    parent[k].clamp(lo, hi)
                })
                .collect()
        })
        .collect()
}

/// The perturbation kernel's standard deviation per parameter: twice the weighted
/// variance of the accepted particles (Beaumont et al. 2009), at least a millionth of
/// the range.
fn kernel_sd(previous: &[Particle], bounds: &[(f64, f64)]) -> Vec<f64> {
    let (_, sd) = weighted_moments(previous, bounds.len());
    sd.iter()
        .zip(bounds)
        .map(|(s, (lo, hi))| (2.0f64).sqrt() * s.max(1e-6 * (hi - lo)))
        .collect()
}

fn weighted_moments(ps: &[Particle], k: usize) -> (Vec<f64>, Vec<f64>) {
    let total: f64 = ps.iter().map(|p| p.weight).sum();
    if ps.is_empty() || total <= 0.0 {
        return (vec![0.0; k], vec![0.0; k]);
    }
    let mean: Vec<f64> = (0..k)
        .map(|j| ps.iter().map(|p| p.weight * p.theta[j]).sum::<f64>() / total)
        .collect();
    let sd = (0..k)
        .map(|j| {
            let v: f64 = ps
                .iter()
                .map(|p| p.weight * (p.theta[j] - mean[j]).powi(2))
                .sum();
            (v / total).sqrt()
        })
        .collect();
    (mean, sd)
}

/// Accepts the share `acceptance` of `batch` with the smallest distances and weighs them:
/// equally in generation 0, else by prior (uniform) over the proposal density.
fn accept(
    batch: &mut [Particle],
    previous: &[Particle],
    priors: &[Prior],
    acceptance: f64,
    last_epsilon: f64,
) -> Step {
    let bounds: Vec<(f64, f64)> = priors.iter().map(|p| (p.lo, p.hi)).collect();
    let mut sorted: Vec<f64> = batch.iter().map(|p| p.distance).collect();
    sorted.sort_by(f64::total_cmp);
    let keep = ((batch.len() as f64 * acceptance).ceil() as usize).clamp(1, batch.len());
    // The tolerance never rises: a generation whose quantile is above the last keeps
    // the last, and accepts fewer (at least its best particle).
    let epsilon = sorted[keep - 1].min(last_epsilon).max(sorted[0]);
    let sigma = kernel_sd(previous, &bounds);
    let mut n = 0;
    for p in batch.iter_mut() {
        if p.distance <= epsilon && n < keep {
            p.accepted = true;
            n += 1;
            // Generation 0 draws from the prior: equal weights. Later: prior over the
            // density of having proposed the particle.
            p.weight = if previous.is_empty() {
                1.0
            } else {
                let prior: f64 = priors
                    .iter()
                    .zip(&p.theta)
                    .map(|(q, &x)| q.density(x))
                    .product();
                prior / proposal_density(&p.theta, previous, &sigma)
            };
        }
    }
    let total: f64 = batch.iter().map(|p| p.weight).sum();
    batch.iter_mut().for_each(|p| p.weight /= total);
    let ess = 1.0 / batch.iter().map(|p| p.weight * p.weight).sum::<f64>();
    Step {
        generation: batch[0].generation,
        epsilon,
        best: sorted[0],
        median: crate::stats::quantile(&sorted, 0.5),
        accepted: n,
        ess,
    }
}

/// Σ_j w_j Π_k N(θ_k; θ_jk, σ_k): the density of proposing `theta` (normalising
/// constants cancel in the weights).
fn proposal_density(theta: &[f64], previous: &[Particle], sigma: &[f64]) -> f64 {
    previous
        .iter()
        .map(|p| {
            let z2: f64 = (0..theta.len())
                .map(|k| ((theta[k] - p.theta[k]) / sigma[k]).powi(2))
                .sum();
            p.weight * (-0.5 * z2).dexp()
        })
        .sum::<f64>()
        .max(f64::MIN_POSITIVE)
}

/// The sweep of one generation's particles (variants `pNNNN`), or of the check runs.
fn sweep_text(c: &Calibration, name: &str, variants: &[(String, Vec<f64>)]) -> String {
    let s = &c.spec.calibration;
    let scenario = c
        .scenario
        .canonicalize()
        .unwrap_or_else(|_| c.scenario.clone());
    let mut t = format!(
        "[sweep]\nname = {:?}\nscenarios = [{:?}]\nreplicates = {}\ninclude_default = false\n\n[set]\n\"scenario.scale\" = {:?}\n\"scenario.seed\" = {}\n",
        name,
        scenario.display().to_string(),
        s.replicates,
        s.scale,
        s.seed,
    );
    for (v, theta) in variants {
        t += &format!("\n[[variant]]\nname = {v:?}\n[variant.set]\n");
        for (p, x) in c.spec.parameters.iter().zip(theta) {
            t += &format!("{:?} = {x:?}\n", p.name);
            if let Some(r) = crate::scenario::Reference::key_for(&p.name) {
                t += &format!("{r:?} = {x:?}\n");
            }
        }
    }
    t
}

/// Runs one sweep into `dir` (skipping runs there already) and returns its groups.
fn run_sweep(
    opts: &Backend,
    dir: &Path,
    text: &str,
    runs: &mut usize,
    on: &(dyn Fn(Event) + Sync),
) -> Result<Vec<Group>> {
    let (sweep, out) = run_sweep_text(opts, dir, text, &|| on(Event::RunDone))?;
    *runs += sweep.plan().len();
    load_groups(&[out])
}

/// Each particle's distance: over the fit window, of the replicates' mean.
fn evaluate(
    c: &Calibration,
    opts: &Backend,
    dir: &Path,
    thetas: &[Vec<f64>],
    runs: &mut usize,
    on: &(dyn Fn(Event) + Sync),
) -> Result<Vec<f64>> {
    let variants: Vec<(String, Vec<f64>)> = thetas
        .iter()
        .enumerate()
        .map(|(i, t)| (format!("p{i:04}"), t.clone()))
        .collect();
    let text = sweep_text(c, &c.spec.calibration.name, &variants);
    let groups = run_sweep(opts, dir, &text, runs, on)?;
    let rows = fit_table(&c.targets, &groups)?;
    variants
        .iter()
        .map(|(v, _)| {
            let of = rows
                .iter()
                .filter(|r| r.group.ends_with(&format!("/{v}")) && r.fit_window);
            loss(of).ok_or_else(|| missing(dir, v))
        })
        .collect()
}

/// The scenario as given and with the posterior mean, for the fit tables.
fn check_runs(
    c: &Calibration,
    opts: &Backend,
    mean: &[f64],
    runs: &mut usize,
    on: &(dyn Fn(Event) + Sync),
) -> Result<Vec<Group>> {
    let mut text = sweep_text(
        c,
        &format!("{}-check", c.spec.calibration.name),
        &[("posterior_mean".into(), mean.to_vec())],
    );
    text += "\n[[variant]]\nname = \"as_given\"\n";
    run_sweep(opts, &opts.dir().join("check"), &text, runs, on)
}

/// The fit table of an outcome, before and after, as markdown.
pub fn fit_report(c: &Calibration, o: &Outcome) -> (String, String) {
    (
        to_markdown(&c.targets, &o.before),
        to_markdown(&c.targets, &o.after),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priors_draw_and_weigh_as_declared() {
        let key = RunKey::new(3, 0);
        let normal = Prior {
            lo: 0.0,
            hi: 1.0,
            normal: Some((0.3, 0.05)),
        };
        let uniform = Prior {
            lo: 2.0,
            hi: 4.0,
            normal: None,
        };
        let draws = propose(key, 0, 4000, &[normal, uniform], &[]);
        let mean = |k: usize| draws.iter().map(|t| t[k]).sum::<f64>() / draws.len() as f64;
        assert!((mean(0) - 0.3).abs() < 0.005, "{}", mean(0));
        assert!((mean(1) - 3.0).abs() < 0.05, "{}", mean(1));
        assert!(
            draws
                .iter()
                .all(|t| (0.0..=1.0).contains(&t[0]) && (2.0..=4.0).contains(&t[1]))
        );
        assert_eq!(uniform.density(3.0), 1.0);
        assert_eq!(uniform.density(5.0), 0.0);
        assert!((normal.density(0.3) - 1.0).abs() < 1e-12);
        assert!(normal.density(0.4) < normal.density(0.35));
    }
}
