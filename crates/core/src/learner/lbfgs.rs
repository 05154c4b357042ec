//! A small L-BFGS minimiser for the smooth convex losses of the logistic models.
//!
//! Hand-written (about a hundred lines) rather than a dependency: the logistic models need
//! only unconstrained minimisation of an L2-regularised log-loss, and the optimiser crates
//! pull in linear-algebra stacks much larger than the problem.

/// Minimises `f`, which writes the gradient into its second argument and returns the
/// value. Stops after `max_iter` iterations or when the relative decrease of the value
/// falls below `tol`. Returns the minimiser and the value at it.
pub(crate) fn minimize(
    mut f: impl FnMut(&[f64], &mut [f64]) -> f64,
    x0: Vec<f64>,
    max_iter: usize,
    tol: f64,
) -> (Vec<f64>, f64) {
    const MEMORY: usize = 10;
    let n = x0.len();
    let mut x = x0;
    let mut g = vec![0.0; n];
    let mut fx = f(&x, &mut g);
    let mut s_hist: Vec<Vec<f64>> = Vec::new();
    let mut y_hist: Vec<Vec<f64>> = Vec::new();
    let mut rho_hist: Vec<f64> = Vec::new();
    let mut x_new = vec![0.0; n];
    let mut g_new = vec![0.0; n];
    for _ in 0..max_iter {
        // Two-loop recursion: d = -H g.
        let mut d: Vec<f64> = g.iter().map(|v| -v).collect();
        let k = s_hist.len();
        let mut alpha = vec![0.0; k];
        for i in (0..k).rev() {
            alpha[i] = rho_hist[i] * dot(&s_hist[i], &d);
            axpy(-alpha[i], &y_hist[i], &mut d);
        }
        let gamma = match k {
            0 => 1.0 / norm(&g).max(1e-12),
            _ => dot(&s_hist[k - 1], &y_hist[k - 1]) / dot(&y_hist[k - 1], &y_hist[k - 1]),
        };
        d.iter_mut().for_each(|v| *v *= gamma);
        for i in 0..k {
            let beta = rho_hist[i] * dot(&y_hist[i], &d);
            axpy(alpha[i] - beta, &s_hist[i], &mut d);
        }
        let mut slope = dot(&g, &d);
        if slope >= 0.0 {
            // Not a descent direction (numerical trouble): restart from steepest descent.
            s_hist.clear();
            y_hist.clear();
            rho_hist.clear();
            d = g.iter().map(|v| -v / norm(&g).max(1e-12)).collect();
            slope = dot(&g, &d);
            if slope >= 0.0 {
                break;
            }
        }
        // Backtracking line search with the Armijo condition.
        let mut step = 1.0;
        let mut f_new;
        loop {
            for i in 0..n {
                x_new[i] = x[i] + step * d[i];
            }
            f_new = f(&x_new, &mut g_new);
            if f_new <= fx + 1e-4 * step * slope || step < 1e-12 {
                break;
            }
            step *= 0.5;
        }
        if f_new > fx {
            break;
        }
        let s: Vec<f64> = (0..n).map(|i| x_new[i] - x[i]).collect();
        let y: Vec<f64> = (0..n).map(|i| g_new[i] - g[i]).collect();
        let sy = dot(&s, &y);
        if sy > 1e-12 {
            if s_hist.len() == MEMORY {
                s_hist.remove(0);
                y_hist.remove(0);
                rho_hist.remove(0);
            }
            s_hist.push(s);
            y_hist.push(y);
            rho_hist.push(1.0 / sy);
        }
        std::mem::swap(&mut x, &mut x_new);
        std::mem::swap(&mut g, &mut g_new);
        let decrease = fx - f_new;
        fx = f_new;
        if decrease <= tol * fx.abs().max(1e-12) {
            break;
        }
    }
    (x, fx)
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn norm(a: &[f64]) -> f64 {
    dot(a, a).sqrt()
}

fn axpy(a: f64, x: &[f64], y: &mut [f64]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += a * xi;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimises_a_quadratic() {
        // f = Σ c_i (x_i - i)², minimum at x_i = i.
        let (x, fx) = minimize(
            |x, g| {
                let mut f = 0.0;
                for i in 0..x.len() {
                    let c = 1.0 + i as f64;
                    f += c * (x[i] - i as f64).powi(2);
                    g[i] = 2.0 * c * (x[i] - i as f64);
                }
                f
            },
            vec![0.0; 5],
            100,
            1e-15,
        );
        for (i, v) in x.iter().enumerate() {
            assert!((v - i as f64).abs() < 1e-5, "{x:?}");
        }
        assert!(fx < 1e-9);
    }

    #[test]
    fn minimises_rosenbrock() {
        let (x, _) = minimize(
            |x, g| {
                let (a, b) = (x[0], x[1]);
                g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
                g[1] = 200.0 * (b - a * a);
                (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2)
            },
            vec![-1.2, 1.0],
            500,
            1e-16,
        );
        assert!(
            (x[0] - 1.0).abs() < 1e-3 && (x[1] - 1.0).abs() < 1e-3,
            "{x:?}"
        );
    }
}
