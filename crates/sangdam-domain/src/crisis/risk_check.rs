//! The counselor's structured risk check after a crisis message: its questions, the answers
//! each allows, and the check of a filled-in form.

/// The short structured risk check a counselor fills in after a crisis message (the questions
/// of the usual suicide risk screening: ideation, plan, means, timing, past attempts, protective
/// factors, and what was done).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RiskCheck {
    /// `none`, `passive` or `active`.
    pub ideation: String,
    /// `yes`, `no` or `unknown` for the next three.
    pub plan: String,
    pub means: String,
    pub attempts: String,
    /// `none`, `later` or `now`.
    pub timing: String,
    pub protective: String,
    /// Any of `safety_plan`, `emergency`, `referral`; empty when nothing was done yet.
    pub actions: Vec<String>,
}

/// Longest text of protective factors.
pub const MAX_PROTECTIVE_CHARS: usize = 1000;
pub const IDEATION: &[&str] = &["none", "passive", "active"];
pub const YES_NO: &[&str] = &["yes", "no", "unknown"];
pub const TIMING: &[&str] = &["none", "later", "now"];
pub const ACTIONS: &[&str] = &["safety_plan", "emergency", "referral"];

impl RiskCheck {
    /// Checks a filled-in form: every choice from its list, the text within its limit. The error
    /// is a Fluent message id.
    pub fn new(
        ideation: &str,
        plan: &str,
        means: &str,
        attempts: &str,
        timing: &str,
        protective: &str,
        actions: &[String],
    ) -> Result<Self, &'static str> {
        let ok = IDEATION.contains(&ideation)
            && [plan, means, attempts].iter().all(|v| YES_NO.contains(v))
            && TIMING.contains(&timing)
            && actions.iter().all(|a| ACTIONS.contains(&a.as_str()));
        if !ok {
            return Err("error-crisis-check");
        }
        // A browser sends a line break as `\r\n`.
        let protective = protective.replace("\r\n", "\n");
        let protective = protective.trim();
        if protective.chars().count() > MAX_PROTECTIVE_CHARS || protective.chars().any(|c| c.is_control() && c != '\n')
        {
            return Err("error-crisis-too-long");
        }
        let mut actions: Vec<String> = actions.to_vec();
        actions.sort();
        actions.dedup();
        Ok(Self {
            ideation: ideation.to_owned(),
            plan: plan.to_owned(),
            means: means.to_owned(),
            attempts: attempts.to_owned(),
            timing: timing.to_owned(),
            protective: protective.to_owned(),
            actions,
        })
    }
}
