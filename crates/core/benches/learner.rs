//! Online cost of the learner models: one prediction and one update of the default
//! (logistic) model and of BKT, for a student with some history, on synthetic data shaped
//! like assist2009_pid (many items, a hundred skills). SPEC's speed bar: an update under
//! 2 µs, a prediction under 1 µs.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use ownpace_core::learner::bkt::{self, BktModel, BktVariant};
use ownpace_core::learner::logistic::{self, FitOptions, LogisticModel};
use ownpace_core::learner::{Attempt, Sequence, StudentModel};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn synthetic(students: usize) -> Vec<Sequence> {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    (0..students)
        .map(|s| {
            let ability: f64 = rng.random_range(-1.0..1.0);
            let attempts = (0..80)
                .map(|_| {
                    let item: u32 = rng.random_range(0..2000);
                    let skills = if item.is_multiple_of(7) {
                        vec![item % 100, (item + 1) % 100]
                    } else {
                        vec![item % 100]
                    };
                    let p = 1.0 / (1.0 + (-(ability + f64::from(item % 5) / 4.0 - 0.3)).exp());
                    Attempt {
                        item,
                        skills,
                        correct: rng.random_bool(p),
                        timestamp: None,
                    }
                })
                .collect();
            Sequence {
                student: s.to_string(),
                attempts,
            }
        })
        .collect()
}

/// Items and skills cycled through by the benchmarks.
fn queries() -> Vec<(u32, Vec<u32>)> {
    (0..64u32)
        .map(|i| (i * 31 % 2000, vec![(i * 31 % 2000) % 100]))
        .collect()
}

fn warm<S: StudentModel>(mut s: S, q: &[(u32, Vec<u32>)]) -> S {
    for (i, (item, skills)) in q.iter().enumerate().cycle().take(200) {
        s.update(*item, skills, i % 3 != 0);
    }
    s
}

fn bench(c: &mut Criterion) {
    let train = synthetic(500);
    let q = queries();
    let logistic = LogisticModel::new(logistic::fit(&train, &FitOptions::default()));
    let bkt = BktModel::new(bkt::fit(&train, BktVariant::Standard));

    let mut s = warm(logistic.student(), &q);
    let mut i = 0;
    c.bench_function("logistic predict", |b| {
        b.iter(|| {
            i = (i + 1) % q.len();
            black_box(s.predict(black_box(q[i].0), black_box(&q[i].1)))
        })
    });
    c.bench_function("logistic update", |b| {
        b.iter(|| {
            i = (i + 1) % q.len();
            s.update(black_box(q[i].0), black_box(&q[i].1), i % 3 != 0)
        })
    });

    let mut s = warm(bkt.student(), &q);
    c.bench_function("bkt predict", |b| {
        b.iter(|| {
            i = (i + 1) % q.len();
            black_box(s.predict(black_box(q[i].0), black_box(&q[i].1)))
        })
    });
    c.bench_function("bkt update", |b| {
        b.iter(|| {
            i = (i + 1) % q.len();
            s.update(black_box(q[i].0), black_box(&q[i].1), i % 3 != 0)
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
