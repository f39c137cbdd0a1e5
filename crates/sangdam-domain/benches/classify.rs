//! How long both checks take per message (`abuse::classify`: the crisis check, then the abuse
//! check), over every labelled message in `data` (Korean and English, 2 to 300
//! characters). Five timed passes after a warm-up; the median pass is reported, with the slowest
//! single message of that pass. Run with `cargo bench -p sangdam-domain --bench classify`.
#![allow(clippy::unwrap_used, clippy::cast_precision_loss)]

use std::time::{Duration, Instant};

fn main() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data");
    let mut messages: Vec<String> = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for line in text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
            messages.push(line.rsplit('\t').next().unwrap().to_owned());
        }
    }
    // The learned model is trained once per process (the server does it at start): time it apart.
    let t = Instant::now();
    sangdam_domain::learned::warm();
    println!("training the learned model: {:.0} ms", t.elapsed().as_secs_f64() * 1e3);
    // A long message too: the chat's limit is 4,000 characters.
    messages.push("오늘도 회사에서 너무 힘들었어요. ".repeat(180));
    messages.push("I keep thinking about what my manager said today. ".repeat(80));
    for m in &messages {
        std::hint::black_box(sangdam_domain::abuse::classify(m));
    }
    let mut passes: Vec<(Duration, Duration)> = (0..5)
        .map(|_| {
            let mut slowest = Duration::ZERO;
            let start = Instant::now();
            for m in &messages {
                let t = Instant::now();
                std::hint::black_box(sangdam_domain::abuse::classify(std::hint::black_box(m)));
                slowest = slowest.max(t.elapsed());
            }
            (start.elapsed(), slowest)
        })
        .collect();
    passes.sort();
    let (total, slowest) = passes[2];
    println!("messages per pass: {}", messages.len());
    println!(
        "median pass: {:.1} ms, {:.1} µs per message",
        total.as_secs_f64() * 1e3,
        total.as_secs_f64() * 1e6 / messages.len() as f64
    );
    println!("slowest message in that pass: {:.1} µs", slowest.as_secs_f64() * 1e6);
    // The longest messages, both checks together and each on its own: the median of 21 runs.
    let median = |f: &dyn Fn()| {
        let mut times: Vec<Duration> = (0..21)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed()
            })
            .collect();
        times.sort();
        times[10]
    };
    for m in &messages[messages.len() - 2..] {
        let crisis = median(&|| {
            std::hint::black_box(sangdam_domain::crisis::assess(std::hint::black_box(m)));
        });
        let abuse = median(&|| {
            std::hint::black_box(sangdam_domain::abuse::explain(std::hint::black_box(m)));
        });
        let model = median(&|| {
            std::hint::black_box(sangdam_domain::learned::model().scores(std::hint::black_box(m)));
        });
        let both = median(&|| {
            std::hint::black_box(sangdam_domain::abuse::classify(std::hint::black_box(m)));
        });
        println!(
            "{} characters: both as the product runs them {:.0} µs; crisis check {:.0} µs, abuse check {:.0} µs (each with the model), the model alone {:.0} µs (median of 21)",
            m.chars().count(),
            both.as_secs_f64() * 1e6,
            crisis.as_secs_f64() * 1e6,
            abuse.as_secs_f64() * 1e6,
            model.as_secs_f64() * 1e6
        );
    }
}
