//! `ownpace grouping-report`: how the proposal of project groups (`core::grouping`) does
//! against random assignment of the same group sizes, on a class shaped like the demo
//! class (the demo course's projects and group sizes, 25 students) and on a simulated
//! class of 30 (six projects of 3-4), each over many seeds of simulated rankings, levels,
//! history and pairs kept apart. The figures are in `docs/projects.md`.

use ownpace::course_dir;
use ownpace_core::grouping::{
    self, Figures, GroupingInput, ProjectSlot, figures, propose, random_groups,
};

/// Compare the grouping with random assignment on simulated classes.
#[derive(Debug, clap::Args)]
pub struct GroupingReportArgs {
    /// Students in the simulated class.
    #[arg(long, default_value_t = 30)]
    pub class_size: usize,
    /// The first seed (the same seeds give the same figures).
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// How many simulated classes each figure is the mean of.
    #[arg(long, default_value_t = 50)]
    pub runs: u64,
}

#[derive(Default)]
struct Mean {
    first: f64,
    top_two: f64,
    spread: f64,
    mixed: f64,
    repeats: f64,
    apart: f64,
    out_of_size: f64,
}

impl Mean {
    fn add(&mut self, f: &Figures, n: f64) {
        self.first += f.first_choice / n;
        self.top_two += f.first_or_second / n;
        self.spread += f.mean_spread / n;
        self.mixed += f.mixed_groups / n;
        self.repeats += f.repeat_pairs as f64 / n;
        self.apart += f.kept_apart_together as f64 / n;
        self.out_of_size += f.groups_out_of_size as f64 / n;
    }
}

fn report(name: &str, make: impl Fn(u64) -> GroupingInput, args: &GroupingReportArgs) {
    let (mut ours, mut random) = (Mean::default(), Mean::default());
    let n = args.runs as f64;
    for run in 0..args.runs {
        let class = make(args.seed + run);
        let proposal = propose(&class);
        ours.add(&figures(&class, &proposal), n);
        random.add(
            &figures(&class, &random_groups(&class, &proposal, args.seed + run)),
            n,
        );
    }
    println!("\n{name} (mean of {} simulated classes)", args.runs);
    println!("| figure | grouping | random |");
    println!("|---|---|---|");
    let pct = |x: f64| format!("{:.0}%", x * 100.0);
    println!(
        "| first choice | {} | {} |",
        pct(ours.first),
        pct(random.first)
    );
    println!(
        "| first or second choice | {} | {} |",
        pct(ours.top_two),
        pct(random.top_two)
    );
    println!(
        "| mean spread of levels in a group | {:.2} | {:.2} |",
        ours.spread, random.spread
    );
    println!(
        "| groups mixing levels (more than one band) | {} | {} |",
        pct(ours.mixed),
        pct(random.mixed)
    );
    println!(
        "| repeat partners (pairs per class) | {:.1} | {:.1} |",
        ours.repeats, random.repeats
    );
    println!(
        "| pairs kept apart put together | {:.2} | {:.2} |",
        ours.apart, random.apart
    );
    println!(
        "| groups outside their size | {:.2} | {:.2} |",
        ours.out_of_size, random.out_of_size
    );
}

pub fn run(args: GroupingReportArgs) -> anyhow::Result<()> {
    if args.class_size == 0 || args.runs == 0 {
        anyhow::bail!("--class-size and --runs must be at least 1");
    }
    let course = course_dir::load(&course_dir::demo_course_files())
        .map_err(|_| anyhow::anyhow!("the built-in demo course is invalid"))?
        .course;
    let demo_projects: Vec<ProjectSlot> = course
        .projects
        .iter()
        .map(|p| ProjectSlot {
            id: p.id.clone(),
            min: p.group_min as usize,
            max: p.group_max as usize,
        })
        .collect();
    println!("Project groups: the proposal against random assignment of the same group sizes.");
    report(
        &format!(
            "The demo class: 25 students, the demo course's {} projects",
            demo_projects.len()
        ),
        |seed| grouping::simulated_class_with(demo_projects.clone(), 25, seed),
        &args,
    );
    report(
        &format!(
            "A simulated class of {}: six projects of 3-4",
            args.class_size
        ),
        |seed| grouping::simulated_class(args.class_size, seed),
        &args,
    );
    Ok(())
}
