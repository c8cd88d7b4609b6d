//! Forward-mode dual numbers: a value and its derivative along one seeded input.
//!
//! Evaluating the loss with one token's logp seeded (derivative 1) gives d loss / d logp for that
//! token exactly, up to f64 rounding: no step size, unlike finite differences. Kinks (clip, min,
//! clamp) take the derivative of the branch the value selects.

use std::ops::{Add, Div, Mul, Neg, Sub};

#[derive(Debug, Clone, Copy)]
pub struct Dual {
    pub v: f64,
    pub d: f64,
}

impl Dual {
    /// A constant: no derivative.
    pub fn c(v: f64) -> Self {
        Self { v, d: 0.0 }
    }

    /// The input being differentiated against.
    pub fn var(v: f64) -> Self {
        Self { v, d: 1.0 }
    }

    pub fn exp(self) -> Self {
        let e = self.v.exp();
        Self {
            v: e,
            d: e * self.d,
        }
    }

    pub fn sigmoid(self) -> Self {
        let s = 1.0 / (1.0 + (-self.v).exp());
        Self {
            v: s,
            d: s * (1.0 - s) * self.d,
        }
    }

    /// Outside `[lo, hi]` the bound is a constant, so the derivative is 0 there.
    pub fn clamp(self, lo: f64, hi: f64) -> Self {
        if self.v < lo {
            Self::c(lo)
        } else if self.v > hi {
            Self::c(hi)
        } else {
            self
        }
    }

    /// |x|, with derivative sign(x)·dx (0 at 0, as torch and burn take it).
    pub fn abs(self) -> Self {
        if self.v > 0.0 {
            self
        } else if self.v < 0.0 {
            -self
        } else {
            Self::c(0.0)
        }
    }

    pub fn min(self, other: Self) -> Self {
        if other.v < self.v { other } else { self }
    }

    pub fn max(self, other: Self) -> Self {
        if other.v > self.v { other } else { self }
    }
}

impl Add for Dual {
    type Output = Self;
    fn add(self, o: Self) -> Self {
        Self {
            v: self.v + o.v,
            d: self.d + o.d,
        }
    }
}

impl Sub for Dual {
    type Output = Self;
    fn sub(self, o: Self) -> Self {
        Self {
            v: self.v - o.v,
            d: self.d - o.d,
        }
    }
}

impl Mul for Dual {
    type Output = Self;
    fn mul(self, o: Self) -> Self {
        Self {
            v: self.v * o.v,
            d: self.d * o.v + self.v * o.d,
        }
    }
}

impl Neg for Dual {
    type Output = Self;
    fn neg(self) -> Self {
        Self {
            v: -self.v,
            d: -self.d,
        }
    }
}

impl Add<f64> for Dual {
    type Output = Self;
    fn add(self, c: f64) -> Self {
        Self {
            v: self.v + c,
            d: self.d,
        }
    }
}

impl Sub<f64> for Dual {
    type Output = Self;
    fn sub(self, c: f64) -> Self {
        self + -c
    }
}

impl Mul<f64> for Dual {
    type Output = Self;
    fn mul(self, c: f64) -> Self {
        Self {
            v: self.v * c,
            d: self.d * c,
        }
    }
}

impl Div<f64> for Dual {
    type Output = Self;
    fn div(self, c: f64) -> Self {
        Self {
            v: self.v / c,
            d: self.d / c,
        }
    }
}

impl std::iter::Sum for Dual {
    fn sum<I: Iterator<Item = Self>>(iter: I) -> Self {
        iter.fold(Self::c(0.0), Add::add)
    }
}
