//! Prometheus metrics, written by hand in the text exposition format: a handful of counters does
//! not need a metrics framework.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Default)]
pub struct Metrics {
    /// Responses by status class 1xx..5xx.
    pub responses: [AtomicU64; 5],
    pub request_micros_total: AtomicU64,
    pub signins_ok: AtomicU64,
    pub signins_failed: AtomicU64,
    pub signins_throttled: AtomicU64,
    pub accounts_locked: AtomicU64,
    pub csrf_rejected: AtomicU64,
    pub mail_sent: AtomicU64,
    pub mail_failed: AtomicU64,
    pub bookings: AtomicU64,
    pub bookings_refused: AtomicU64,
}

impl Metrics {
    pub fn record_response(&self, status: u16, micros: u64) {
        let class = usize::from(status / 100).clamp(1, 5) - 1;
        self.responses[class].fetch_add(1, Ordering::Relaxed);
        self.request_micros_total.fetch_add(micros, Ordering::Relaxed);
    }

    pub fn inc(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub fn render(&self, uptime_seconds: i64) -> String {
        let mut out = String::new();
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        out.push_str("# HELP sangdam_http_responses_total HTTP responses by status class.\n");
        out.push_str("# TYPE sangdam_http_responses_total counter\n");
        for (i, c) in self.responses.iter().enumerate() {
            let _ = writeln!(out, "sangdam_http_responses_total{{class=\"{}xx\"}} {}", i + 1, get(c));
        }
        let total: u64 = self.responses.iter().map(get).sum();
        let _ = writeln!(out, "# HELP sangdam_http_request_duration_seconds Time spent answering requests.");
        let _ = writeln!(out, "# TYPE sangdam_http_request_duration_seconds summary");
        let _ =
            writeln!(out, "sangdam_http_request_duration_seconds_sum {}", get(&self.request_micros_total) as f64 / 1e6);
        let _ = writeln!(out, "sangdam_http_request_duration_seconds_count {total}");
        let counters: [(&str, &str, &AtomicU64); 9] = [
            ("sangdam_signins_total", "Successful sign-ins.", &self.signins_ok),
            ("sangdam_signin_failures_total", "Failed sign-in attempts.", &self.signins_failed),
            ("sangdam_signins_throttled_total", "Sign-in attempts refused by throttling.", &self.signins_throttled),
            ("sangdam_account_locks_total", "Accounts locked after repeated failures.", &self.accounts_locked),
            (
                "sangdam_csrf_rejections_total",
                "State-changing requests refused by the CSRF check.",
                &self.csrf_rejected,
            ),
            ("sangdam_mail_sent_total", "Emails handed to the SMTP server.", &self.mail_sent),
            ("sangdam_mail_failures_total", "Failed email deliveries.", &self.mail_failed),
            ("sangdam_bookings_total", "Appointments booked (a series counts once).", &self.bookings),
            (
                "sangdam_bookings_refused_total",
                "Bookings the database refused because the time was just taken.",
                &self.bookings_refused,
            ),
        ];
        for (name, help, c) in counters {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}", get(c));
        }
        let _ = writeln!(out, "# HELP sangdam_uptime_seconds Seconds since the server started.");
        let _ = writeln!(out, "# TYPE sangdam_uptime_seconds gauge\nsangdam_uptime_seconds {uptime_seconds}");
        out
    }
}
