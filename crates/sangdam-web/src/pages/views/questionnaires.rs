//! Questionnaire scores and their history as a chart, and the open risk alerts a staff member
//! sees: on the questionnaire pages, the dashboard, the client record and a client's own copy.

use sangdam_domain::questionnaire::{Instrument, Score};
use sangdam_store::ResponseRecord;

use crate::auth::audit;
use crate::ctx::Ctx;
use crate::error::AppError;
use crate::risk_alerts::open_alerts;
use crate::state::AppState;

/// A response's answers, opened, and what they score.
pub fn scored(state: &AppState, r: &ResponseRecord) -> Result<(Vec<u8>, Score), AppError> {
    let answers = state.keys.open_at(&sangdam_store::sealed::QUESTIONNAIRE_ANSWERS, &[&r.id], &r.answers)?;
    let score =
        r.instrument.score(&answers).map_err(|_| AppError::Internal(anyhow::anyhow!("stored answers do not score")))?;
    Ok((answers, score))
}

/// One instrument's history: the points of its chart and the rows of its table.
pub struct History {
    pub instrument: &'static str,
    pub title_id: String,
    pub chart: String,
    pub rows: Vec<(String, u8, &'static str)>,
}

/// Scores over time as an SVG line over the instrument's bands (a lighter shade per band), with
/// a score axis (0, each band's start, the maximum) and the first and last dates under it. Only
/// numbers and the caller's date labels (digits and separators) go into it, so it is safe to
/// embed; `label` names the chart for screen readers.
pub fn chart(i: Instrument, scores: &[(i64, u8)], first_last: (&str, &str), label: &str) -> String {
    let (w, h) = (340.0_f64, 150.0_f64);
    let (left, right, top, bottom) = (26.0_f64, 6.0_f64, 6.0_f64, 22.0_f64);
    let max = f64::from(i.max_total());
    let y = |v: f64| h - bottom - (v / max) * (h - top - bottom);
    let clean = |s: &str| s.chars().filter(|c| c.is_alphanumeric() || " /.:-,()".contains(*c)).collect::<String>();
    let mut svg = format!(
        "<svg class=\"score-chart\" viewBox=\"0 0 {w} {h}\" width=\"100%\" role=\"img\" aria-label=\"{}\">",
        clean(label)
    );
    let bands = i.bands();
    for (k, (from, _)) in bands.iter().enumerate() {
        let to = bands.get(k + 1).map_or(max, |(next, _)| f64::from(*next));
        let (band_top, band_bottom) = (y(to), y(f64::from(*from)));
        let shade = 245 - 12 * k as i32;
        svg.push_str(&format!(
            "<rect x=\"{left}\" y=\"{band_top:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"rgb(255,{shade},{shade})\"/>",
            w - left - right,
            band_bottom - band_top
        ));
        // The score axis: where each band starts.
        svg.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"9\" text-anchor=\"end\" fill=\"#4a5563\">{from}</text>",
            left - 4.0,
            band_bottom + 3.0
        ));
    }
    svg.push_str(&format!(
        "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"9\" text-anchor=\"end\" fill=\"#4a5563\">{max}</text>",
        left - 4.0,
        y(max) + 6.0
    ));
    svg.push_str(&format!(
        "<line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{:.1}\" stroke=\"#8a96a3\"/><line x1=\"{left}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#8a96a3\"/>",
        h - bottom,
        h - bottom,
        w - right,
        h - bottom
    ));
    let n = scores.len();
    let inner = w - left - right - 12.0;
    let x = |k: usize| if n <= 1 { left + inner / 2.0 + 6.0 } else { left + 6.0 + k as f64 * inner / (n - 1) as f64 };
    // The time axis: the first and the last date.
    let (first, last) = (clean(first_last.0), clean(first_last.1));
    svg.push_str(&format!(
        "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"9\" fill=\"#4a5563\">{first}</text>",
        left + 2.0,
        h - 6.0
    ));
    if n > 1 {
        svg.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"9\" text-anchor=\"end\" fill=\"#4a5563\">{last}</text>",
            w - right,
            h - 6.0
        ));
    }
    let points: Vec<String> =
        scores.iter().enumerate().map(|(k, (_, v))| format!("{:.1},{:.1}", x(k), y(f64::from(*v)))).collect();
    if n > 1 {
        svg.push_str(&format!(
            "<polyline fill=\"none\" stroke=\"#1f6feb\" stroke-width=\"2\" points=\"{}\"/>",
            points.join(" ")
        ));
    }
    for p in &points {
        let (px, py) = p.split_once(',').unwrap_or(("0", "0"));
        svg.push_str(&format!("<circle cx=\"{px}\" cy=\"{py}\" r=\"3\" fill=\"#1f6feb\"/>"));
    }
    svg.push_str("</svg>");
    svg
}

/// A date as the chart's time axis shows it: `12/7`, in the viewer's zone.
fn short_date(ctx: &Ctx, unix: i64) -> String {
    let d = jiff::Timestamp::from_second(unix).unwrap_or_default().to_zoned(ctx.timezone().to_jiff()).date();
    format!("{}/{}", d.month(), d.day())
}

pub fn histories(state: &AppState, ctx: &Ctx, responses: &[ResponseRecord]) -> Result<Vec<History>, AppError> {
    let mut out = Vec::new();
    for i in Instrument::ALL {
        let mut mine = Vec::new();
        for r in responses.iter().filter(|r| r.instrument == i) {
            mine.push((r.submitted_at, scored(state, r)?.1));
        }
        let scores: Vec<(i64, u8)> = mine.iter().map(|(at, s)| (*at, s.total)).collect();
        out.push(History {
            instrument: i.as_str(),
            title_id: format!("q-{}-title", i.as_str()),
            chart: match (scores.first(), scores.last()) {
                (Some(first), Some(last)) => chart(
                    i,
                    &scores,
                    (&short_date(ctx, first.0), &short_date(ctx, last.0)),
                    &ctx.ta("q-chart-label", "name", ctx.t(&format!("q-{}-title", i.as_str()))),
                ),
                _ => String::new(),
            },
            rows: mine.iter().rev().map(|(at, s)| (ctx.time(*at), s.total, s.band.message_id())).collect(),
        });
    }
    Ok(out)
}

/// Open alerts a staff member should see: a counselor's own clients', or all for supervisors.
/// Each is `(alert id, client name, when)`.
pub async fn alerts_for(
    state: &AppState,
    ctx: &Ctx,
    viewer: &sangdam_store::UserRecord,
) -> Result<Vec<(String, String, String)>, AppError> {
    let mut out = Vec::new();
    for (id, client, at) in open_alerts(state).await? {
        if !crate::access::may_see_client(state, viewer, &client).await? {
            continue;
        }
        let name = state.store.user_by_id(&client).await?.map(|u| u.display_name.to_string()).unwrap_or_default();
        out.push((id, name, ctx.time(at)));
    }
    if !out.is_empty() {
        audit(state, ctx, Some(viewer), "risk_alerts.read", None, "ok").await?;
    }
    Ok(out)
}
