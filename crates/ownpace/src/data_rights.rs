//! The shell's side of a family's data rights: `export-student`, `erase-student`,
//! `erasure-log`, `reapply-erasures` and `retention`. Each is a thin wrapper over the
//! web crate's export and retention and the storage's erasure (see docs/privacy.md).

use anyhow::{Context, anyhow, bail};
use ownpace_storage::{ErasedVia, ErasureLogEntry, Role, Store};
use std::io::{BufRead, Write};
use std::path::Path;

async fn student(store: &Store, username: &str) -> anyhow::Result<ownpace_storage::User> {
    let user = store.user_by_username(username).await?.ok_or_else(|| {
        anyhow!(
            "no account named `{username}`: `ownpace users list --role student` shows every student"
        )
    })?;
    if user.role != Role::Student {
        bail!(
            "`{username}` is {} account: only a student's record is exported or erased",
            user.role
        );
    }
    Ok(user)
}

/// `ownpace export-student USERNAME --out FILE.zip`.
pub async fn export(
    store: &Store,
    username: &str,
    out: &Path,
    homepage: &str,
) -> anyhow::Result<()> {
    let user = student(store, username).await?;
    let now = ownpace_web::now_ms();
    let bytes = ownpace_web::export::student_zip(store, &user, homepage, now)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    std::fs::write(out, &bytes).with_context(|| format!("writing {}", out.display()))?;
    // The shell's export is audited like the pages' (no person: the server's operator).
    store
        .audit(
            &user.id,
            "exported from the command line",
            Some(&user.id),
            now,
        )
        .await?;
    println!(
        "Wrote the record of {} to {} ({} bytes).",
        user.display_name,
        out.display(),
        bytes.len()
    );
    Ok(())
}

/// `ownpace erase-student USERNAME [--reason TEXT] [--yes]`: asks on standard input
/// unless `yes`.
pub async fn erase(
    store: &Store,
    username: &str,
    reason: Option<&str>,
    yes: bool,
) -> anyhow::Result<()> {
    let user = student(store, username).await?;
    if !yes {
        eprint!(
            "Erase {} ({username}) for good? Their account and everything that identifies them is deleted. Type the username to confirm: ",
            user.display_name
        );
        std::io::stderr().flush().ok();
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("reading the confirmation from standard input")?;
        if line.trim() != username {
            bail!("not confirmed: nothing was erased");
        }
    }
    let erased = store
        .erase_student(
            &user.id,
            reason.unwrap_or(""),
            None,
            ErasedVia::CommandLine,
            ownpace_web::now_ms(),
        )
        .await?;
    println!(
        "Erased. The erasure log names the student only as {} ({} rows deleted, {} kept for statistics under the pseudonym).",
        erased.pseudonym, erased.rows_deleted, erased.rows_pseudonymised
    );
    Ok(())
}

/// `ownpace erasure-log [--json]`: the log, oldest first (JSON lines with `--json`, the
/// form `reapply-erasures --log` reads).
pub async fn log(store: &Store, json: bool) -> anyhow::Result<()> {
    let entries = store.erasure_log().await?;
    let mut out = std::io::stdout().lock();
    for entry in &entries {
        if json {
            writeln!(out, "{}", serde_json::to_string(entry)?)?;
        } else {
            writeln!(
                out,
                "{}  {:<20} {:<26} {}",
                ownpace_web::export::timestamp(entry.erased_at),
                entry.pseudonym,
                entry.via,
                entry.reason
            )?;
        }
    }
    if entries.is_empty() && !json {
        writeln!(out, "No student has been erased.")?;
    }
    Ok(())
}

/// `ownpace reapply-erasures [--log FILE]`: erases again, in a restored backup, every
/// student the log (the file, else this database's own) says was erased.
pub async fn reapply(store: &Store, log_file: Option<&Path>) -> anyhow::Result<()> {
    let entries: Vec<ErasureLogEntry> = match log_file {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            text.lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty())
                .map(|(n, l)| {
                    serde_json::from_str(l).with_context(|| {
                        format!(
                            "{}:{}: not a line of `ownpace erasure-log --json`",
                            path.display(),
                            n + 1
                        )
                    })
                })
                .collect::<anyhow::Result<_>>()?
        }
        None => store.erasure_log().await?,
    };
    let again = store
        .reapply_erasures(&entries, ownpace_web::now_ms())
        .await?;
    println!(
        "{} erasure{} in the log; {} student{} erased again{}.",
        entries.len(),
        if entries.len() == 1 { "" } else { "s" },
        again.len(),
        if again.len() == 1 { "" } else { "s" },
        if again.is_empty() {
            String::new()
        } else {
            format!(" ({})", again.join(", "))
        }
    );
    Ok(())
}

/// `ownpace retention [--dry-run]`.
pub async fn retention(
    store: &Store,
    config: ownpace_web::Config,
    dry_run: bool,
) -> anyhow::Result<()> {
    let days = config.retention_days_after_leaving;
    if days <= 0 {
        println!(
            "Retention is off (retention_days_after_leaving is 0): nobody is erased automatically."
        );
        return Ok(());
    }
    let state = ownpace_web::AppState::new(store.clone(), config);
    if dry_run {
        let due = ownpace_web::retention::due(&state)
            .await
            .map_err(|e| anyhow!("{e}"))?;
        println!(
            "{} student{} left their last class more than {days} days ago and would be erased:",
            due.len(),
            if due.len() == 1 { "" } else { "s" }
        );
        for left in due {
            println!(
                "  {:<20} {:<30} left {}",
                left.student.username,
                left.student.display_name,
                ownpace_web::export::timestamp(left.left_at)
                    .split('T')
                    .next()
                    .unwrap_or(""),
            );
        }
        return Ok(());
    }
    let erased = ownpace_web::retention::run(&state)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    println!(
        "Erased {} student{} who left more than {days} days ago{}.",
        erased.len(),
        if erased.len() == 1 { "" } else { "s" },
        if erased.is_empty() {
            String::new()
        } else {
            format!(" ({})", erased.join(", "))
        }
    );
    Ok(())
}
