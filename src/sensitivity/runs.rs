//! Running a study through the sweep machinery: one sweep per scenario the outputs read
//! (`DIR/sweeps/SCENARIO`), one variant per distinct design point of that scenario,
//! every scenario with the study's seed so that a policy scenario and its baseline at
//! the same point and replicate share their random numbers (their difference is the
//! policy's effect, not noise between two draws). Design points that set a scenario
//! alike (a step of a Morris trajectory that moves another scenario's policy) share
//! one run. Runs complete already are not run again, so rerunning resumes.

use std::collections::BTreeMap;
use std::path::Path;

use rayon::prelude::*;

use super::study::{Design, Method, Study, StudyScenario};
use super::{Estimate, morris, sobol};
use crate::batch::{Backend, Sweep, run_sweep_text};
use crate::error::{Error, Result};
use crate::report::read_run;
use crate::targets::fit::{RunTables, value};

/// One scenario's sweep: its variants (name and overrides) and the variant of each
/// design point.
pub struct ScenarioPlan<'s> {
    pub scenario: &'s StudyScenario,
    pub variants: Vec<(String, Vec<(String, toml::Value)>)>,
    pub of_point: Vec<usize>,
}

/// The sweeps of a study's design.
pub fn plan<'s>(study: &'s Study, design: &Design) -> Vec<ScenarioPlan<'s>> {
    study
        .used_scenarios()
        .into_iter()
        .map(|s| {
            let mut seen: BTreeMap<String, usize> = BTreeMap::new();
            let mut variants = Vec::new();
            let mut of_point = Vec::new();
            for (p, u) in design.points().iter().enumerate() {
                let set = overrides(study, s, u);
                let key = format!("{set:?}");
                let v = *seen.entry(key).or_insert_with(|| {
                    variants.push((format!("d{p:06}"), set));
                    variants.len() - 1
                });
                of_point.push(v);
            }
            ScenarioPlan {
                scenario: s,
                variants,
                of_point,
            }
        })
        .collect()
}

/// What point `u` sets in scenario `s`: each behavioural and trend parameter (and, for a
/// migration lever, its `[reference]` too: a value is a hypothesis about the world, as
/// in a calibration), and each policy parameter in every policy table of its kind.
fn overrides(study: &Study, s: &StudyScenario, u: &[f64]) -> Vec<(String, toml::Value)> {
    let mut set = Vec::new();
    for (i, param) in study.params.iter().enumerate() {
        let v = study.value(i, u[i]);
        match param.kind() {
            Some(kind) => {
                for (j, _) in s.policies.iter().enumerate().filter(|(_, k)| *k == kind) {
                    set.push((format!("policy.{j}.{}", param.field()), v.clone()));
                }
            }
            None => {
                set.push((param.name.to_string(), v.clone()));
                if let Some(r) = crate::scenario::Reference::key_for(param.name) {
                    set.push((r, v));
                }
            }
        }
    }
    set
}

/// The sweep file of one scenario's plan.
fn sweep_text(study: &Study, p: &ScenarioPlan) -> String {
    let s = &study.spec.sensitivity;
    let mut t = format!(
        "[sweep]\nname = {:?}\nscenarios = [{:?}]\nreplicates = {}\ninclude_default = false\n\n[set]\n\"scenario.scale\" = {:?}\n\"scenario.seed\" = {}\n",
        format!("{}-{}", s.name, p.scenario.name),
        p.scenario.path.display().to_string(),
        s.replicates,
        s.scale,
        s.seed,
    );
    for (name, set) in &p.variants {
        t += &format!("\n[[variant]]\nname = {name:?}\n[variant.set]\n");
        for (k, v) in set {
            t += &format!("{k:?} = {v}\n");
        }
    }
    t
}

/// Runs of the plans: distinct points x replicates, over the scenarios.
pub fn run_count(plans: &[ScenarioPlan], replicates: u32) -> usize {
    plans.iter().map(|p| p.variants.len()).sum::<usize>() * replicates as usize
}

/// Seconds the runs take on one core, from the agents and steps of each: figures
/// measured on the 2-core machine relocsim is developed on (a run's start, files and
/// check through the sweep machinery, and reading its outputs back; then its
/// agent-steps). The headline study (15,270 runs at scale 0.005) took 37.7 min there.
pub fn core_seconds(plans: &[ScenarioPlan], replicates: u32) -> f64 {
    const START_SECONDS: f64 = 0.17;
    const SECONDS_PER_AGENT_STEP: f64 = 14e-9;
    let per_run =
        |s: &StudyScenario| START_SECONDS + s.agents * f64::from(s.steps) * SECONDS_PER_AGENT_STEP;
    plans
        .iter()
        .map(|p| p.variants.len() as f64 * per_run(p.scenario))
        .sum::<f64>()
        * f64::from(replicates)
}

/// What a study reports as it goes: each run done (or found), and each phase (a
/// scenario's sweep running, its runs being read back).
pub struct Progress<'a> {
    pub run: &'a (dyn Fn() + Sync),
    pub phase: &'a (dyn Fn(&str) + Sync),
}

/// One output's values: per design point, per replicate.
pub struct Values {
    pub per_point: Vec<Vec<f64>>,
}

impl Values {
    /// The mean over replicates at each point: what the indices explain.
    pub fn means(&self) -> Vec<f64> {
        self.per_point
            .iter()
            .map(|v| crate::stats::mean(v))
            .collect()
    }

    /// The share of the means' variance that is simulation noise. Every point runs
    /// with the same seeds, so a replicate's draw shifts all points alike and cancels
    /// between them; what the indices see is the rest, the point-by-replicate residual
    /// of a two-way layout, e_pr = y_pr - ȳ_p - ȳ_r + ȳ, whose variance over the
    /// replicates (σ²_e / R) is set against the variance of the means over the points.
    /// None with one replicate (nothing measures the noise) or no variance.
    pub fn noise_share(&self) -> Option<f64> {
        let (p, r) = (self.per_point.len(), self.per_point.first()?.len());
        if r < 2 || p < 2 {
            return None;
        }
        let means = self.means();
        let grand = crate::stats::mean(&means);
        let by_rep: Vec<f64> = (0..r)
            .map(|j| crate::stats::mean(&self.per_point.iter().map(|v| v[j]).collect::<Vec<_>>()))
            .collect();
        let sum_sq: f64 = (self.per_point.iter().zip(&means))
            .flat_map(|(v, m)| {
                v.iter()
                    .zip(&by_rep)
                    .map(move |(y, c)| (y - m - c + grand).powi(2))
            })
            .sum();
        let residual = sum_sq / ((p - 1) * (r - 1)) as f64;
        let total = crate::stats::sd(&means).map_or(0.0, |s| s * s);
        (total > 0.0).then(|| (residual / r as f64 / total).min(1.0))
    }
}

/// Runs the sweeps of `plans` into `opts.dir()/sweeps` and returns each output's values
/// at each point of `design` and replicate.
pub fn run(
    study: &Study,
    design: &Design,
    plans: &[ScenarioPlan],
    opts: &Backend,
    on: &Progress,
) -> Result<Vec<Values>> {
    let mut read: BTreeMap<String, Vec<Vec<Vec<Option<f64>>>>> = BTreeMap::new();
    for p in plans {
        let name = &p.scenario.name;
        let dir = opts.dir().join("sweeps").join(name);
        (on.phase)(&format!("{name}: running its sweep"));
        let (sweep, out) = run_sweep_text(opts, &dir, &sweep_text(study, p), on.run)?;
        (on.phase)(&format!("{name}: reading its {} runs", sweep.plan().len()));
        read.insert(name.clone(), read_values(study, &sweep, &out)?);
    }
    let r = study.spec.sensitivity.replicates as usize;
    let of = |name: &str| plans.iter().find(|p| p.scenario.name == name);
    (study.spec.outputs.iter().enumerate())
        .map(|(o, spec)| {
            let at = |name: &str, point: usize, rep: usize| -> Result<f64> {
                let p = of(name).expect("a used scenario");
                read[name][p.of_point[point]][rep][o].ok_or_else(|| Error::Read {
                    file: opts.dir().join("sweeps").join(name),
                    message: format!(
                        "output {}: a run of {name} does not report {}",
                        spec.name,
                        spec.target().describe()
                    ),
                })
            };
            let per_point = (0..design.points().len())
                .map(|point| {
                    (0..r)
                        .map(|rep| {
                            let v = at(&spec.scenario, point, rep)?;
                            match &spec.baseline {
                                Some(b) => Ok(v - at(b, point, rep)?),
                                None => Ok(v),
                            }
                        })
                        .collect::<Result<Vec<f64>>>()
                })
                .collect::<Result<Vec<_>>>()?;
            Ok(Values { per_point })
        })
        .collect()
}

/// Every output's value in every run of one scenario's sweep: `[variant][replicate]
/// [output]`, None for outputs that do not read the scenario. Runs are read in parallel
/// and collected in the sweep's order.
fn read_values(study: &Study, sweep: &Sweep, out: &Path) -> Result<Vec<Vec<Vec<Option<f64>>>>> {
    let plan = sweep.plan();
    let name = &plan.scenarios[0];
    let targets: Vec<Option<crate::targets::Target>> = (study.spec.outputs.iter())
        .map(|o| (o.scenario == *name || o.baseline.as_ref() == Some(name)).then(|| o.target()))
        .collect();
    let runs: Vec<Vec<Option<f64>>> = (0..plan.len())
        .into_par_iter()
        .map(|i| {
            let run = read_run(&out.join(plan.task(i).path))?;
            let tables = RunTables::read(&run)?;
            Ok((targets.iter())
                .map(|t| t.as_ref().and_then(|t| value(t, &run, &tables)))
                .collect())
        })
        .collect::<Result<_>>()?;
    let r = plan.replicates as usize;
    Ok(runs.chunks(r).map(|c| c.to_vec()).collect())
}

/// One index of one parameter for one output.
#[derive(Clone, Debug, PartialEq)]
pub struct IndexRow {
    pub parameter: String,
    pub output: String,
    /// `S1` and `ST` (Sobol), `mu_star`, `mu` and `sigma` (Morris).
    pub index: &'static str,
    pub estimate: Estimate,
}

/// The indices of one output from its values.
pub fn analyze(study: &Study, design: &Design, output: &str, y: &[f64]) -> Vec<IndexRow> {
    let s = &study.spec.sensitivity;
    let (seed, resamples) = (s.seed, s.resamples);
    let row = |i: usize, index: &'static str, estimate: Estimate| IndexRow {
        parameter: study.params[i].name.to_string(),
        output: output.to_string(),
        index,
        estimate,
    };
    let bare = |value: f64| Estimate {
        value,
        lower: f64::NAN,
        upper: f64::NAN,
    };
    match (design, study.method) {
        (Design::Sobol(d), Method::Sobol { .. }) => sobol::analyze(d.n, d.k, y, seed, resamples)
            .into_iter()
            .enumerate()
            .flat_map(|(i, x)| [row(i, "S1", x.first), row(i, "ST", x.total)])
            .collect(),
        (Design::Morris(d), _) => morris::analyze(d, y, seed, resamples)
            .into_iter()
            .enumerate()
            .flat_map(|(i, e)| {
                [
                    row(i, "mu_star", e.mu_star),
                    row(i, "mu", bare(e.mu)),
                    row(i, "sigma", bare(e.sigma)),
                ]
            })
            .collect(),
        (Design::Sobol(_), Method::Morris { .. }) => unreachable!("the design follows the method"),
    }
}

#[cfg(test)]
mod tests {
    use super::Values;

    fn values(f: impl Fn(usize, usize) -> f64, points: usize, reps: usize) -> Values {
        Values {
            per_point: (0..points)
                .map(|p| (0..reps).map(|r| f(p, r)).collect())
                .collect(),
        }
    }

    #[test]
    fn a_replicate_shift_common_to_every_point_is_not_noise_but_a_point_by_replicate_residual_is() {
        // Common random numbers: replicate r shifts every point by the same amount.
        let shared = values(|p, r| p as f64 + 100.0 * r as f64, 8, 3);
        assert_eq!(shared.noise_share(), Some(0.0));
        // Residuals of +-1 around means of 0..7: (16 / 7) / 2 against a variance of 6.
        let noisy = values(
            |p, r| p as f64 + if (p + r) % 2 == 0 { 1.0 } else { -1.0 },
            8,
            2,
        );
        let share = noisy.noise_share().unwrap();
        assert!(share > 0.05 && share < 0.5, "{share}");
        assert_eq!(values(|p, _| p as f64, 8, 1).noise_share(), None);
        assert_eq!(
            values(|_, r| r as f64, 8, 2).noise_share(),
            None,
            "no variance"
        );
    }
}
