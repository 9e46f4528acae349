//! Transcendental functions that give the same bits on every machine.
//!
//! `f64::ln`, `exp`, `powf` and the trigonometric functions call the platform's C math
//! library, whose last-bit results differ between libraries and versions; published runs
//! must replay byte for byte on any machine of the same architecture, so the model uses
//! the pure-Rust `libm` port instead. `clippy.toml` forbids the platform versions.

/// Deterministic math on `f64`.
pub trait Det {
    fn dln(self) -> f64;
    fn dexp(self) -> f64;
    fn dpow(self, e: f64) -> f64;
    fn dsin(self) -> f64;
    fn dcos(self) -> f64;
    fn dasin(self) -> f64;
}

impl Det for f64 {
    #[inline]
    fn dln(self) -> f64 {
        libm::log(self)
    }
    #[inline]
    fn dexp(self) -> f64 {
        libm::exp(self)
    }
    #[inline]
    fn dpow(self, e: f64) -> f64 {
        libm::pow(self, e)
    }
    #[inline]
    fn dsin(self) -> f64 {
        libm::sin(self)
    }
    #[inline]
    fn dcos(self) -> f64 {
        libm::cos(self)
    }
    #[inline]
    fn dasin(self) -> f64 {
        libm::asin(self)
    }
}

#[cfg(test)]
mod tests {
    use super::Det;

    #[test]
    fn matches_the_platform_to_rounding() {
        for x in [0.1, 1.0, 2.5, 100.0] {
            #[allow(clippy::disallowed_methods)]
            let (ln, exp) = (f64::ln(x), f64::exp(x));
            assert!((x.dln() - ln).abs() <= 1e-15 * ln.abs().max(1.0));
            assert!((x.dexp() - exp).abs() <= 1e-15 * exp);
        }
    }
}
