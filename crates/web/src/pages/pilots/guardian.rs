//! What a guardian sees of their child's pilots, and the opt-out.

#[allow(clippy::wildcard_imports)]
use super::*;

/// A pilot as a guardian sees it on the family page.
pub(crate) struct GuardianPilot {
    pub id: String,
    pub question: String,
    pub status: &'static str,
    pub words: String,
    /// Empty when the pilot is blinded.
    pub condition: String,
    pub opted_out: bool,
    pub can_opt_out: bool,
}

pub(crate) async fn for_guardian(
    state: &AppState,
    student_id: &UserId,
) -> Result<Vec<GuardianPilot>, WebError> {
    let now = state.now();
    Ok(state
        .store
        .pilots_of_student(student_id)
        .await?
        .into_iter()
        .map(|(p, m)| {
            let started = p.started_at.map_or_else(String::new, |t| crate::views::date(t, now));
            let words = match p.status {
                PilotStatus::Finished => format!(
                    "The class tried out two or more ways of teaching from {started} and compared how students did. It has finished: everyone has the usual experience."
                ),
                _ => format!(
                    "The class is trying out two or more ways of teaching for {} days from {started}, to see which helps more. Each student was placed in one by a fair draw. The ways differ only in what Ownpace offers (for example reviews or a screen-time budget); nothing else changes. {}",
                    p.plan.duration_days,
                    if p.plan.blinded {
                        "So that knowing cannot change how students work, Ownpace does not show which way your child has."
                    } else {
                        ""
                    }
                ),
            };
            GuardianPilot {
                id: p.id.clone(),
                question: p.plan.question.clone(),
                status: p.status.as_str(),
                condition: if p.plan.blinded {
                    String::new()
                } else {
                    p.plan
                        .conditions
                        .get(m.condition)
                        .map_or_else(String::new, |c| c.name.clone())
                },
                opted_out: m.opted_out_at.is_some(),
                can_opt_out: p.status == PilotStatus::Running,
                words,
            }
        })
        .collect())
}

pub async fn opt_out(
    State(state): State<AppState>,
    GuardianOf {
        guardian: current,
        student,
    }: GuardianOf,
    Path((_, pilot_id)): Path<(String, String)>,
) -> Result<Response, WebError> {
    // Only a pilot the child is in: any other id answers like a missing one.
    let Some((pilot, member)) = state
        .store
        .pilots_of_student(&student.id)
        .await?
        .into_iter()
        .find(|(p, _)| p.id == pilot_id)
    else {
        return Err(WebError::NotFound);
    };
    let location = format!("/family/{}#pilots", student.id);
    let result = async {
        if member.opted_out_at.is_some() {
            return Ok(Flash::success(format!(
                "{} was already opted out of this pilot",
                student.display_name
            )));
        }
        if pilot.status != PilotStatus::Running {
            return Err(WebError::BadRequest(
                "pilot: this pilot is not running, so there is nothing to opt out of".into(),
            ));
        }
        state
            .store
            .opt_out_of_pilot(&pilot.id, &student.id, &current.user.id, state.now())
            .await?;
        crate::audit::access(
            &state,
            &current,
            AuditAction::PilotOptedOut,
            &[&student.id],
            Some(&pilot.plan.question),
        )
        .await?;
        Ok(Flash::success(format!(
            "{} is opted out: they have the usual experience from now on and are not counted in the pilot's results",
            student.display_name
        )))
    }
    .await;
    flash::finish(&state, &current, &location, result, "pilot", []).await
}
